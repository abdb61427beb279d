package io.flowgate.revalidator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyState;

import org.junit.jupiter.api.Test;

/**
 * The two interleavings of a revalidator's sweep with a handler's replace (DESIGN.md §6), each
 * forced step by step on one thread. In both, the removed ukey is finished exactly once, the new
 * one is INSTALLED, the flow's traffic is back in the fast path after one upcall, and the rules'
 * statistics count every packet exactly once.
 */
class UkeyRaceTest {
    private static final byte[] P = Rig.udp(53);

    /** Installs the megaflow of P and runs 5 more packets through it; returns its ukey. */
    private static Ukey established(final Rig rig) {
        rig.send(P, 1);
        rig.settle();
        rig.send(P, 5);
        rig.settle();
        assertEquals(6, rig.transmitted(2));
        assertEquals(1, rig.upcalls.handled());
        final Ukey u = rig.onlyUkey();
        assertEquals(UkeyState.INSTALLED, u.state());
        return u;
    }

    /** The flow is deleted in this round's dump (idle for longer than max-idle): its ukey is REMOVED, not yet swept. */
    private static Round removeInDump(final Rig rig, final Ukey old) {
        final Round r = rig.dumpPhase(System.currentTimeMillis() + 60_000);
        assertEquals(UkeyState.REMOVED, old.state());
        assertEquals(6, rig.rulePackets(), "final statistics pushed with the removal");
        return r;
    }

    /** A miss for the same megaflow reaches the handler, which replaces the ukey. */
    private static Ukey missAndReplace(final Rig rig, final Ukey old) {
        rig.send(P, 1);
        rig.pmd.doWork();
        assertEquals(1, rig.handler.doWork(), "the packet missed and was upcalled");
        assertEquals(1, rig.upcalls.replaced());
        final Ukey fresh = rig.onlyUkey();
        assertNotSame(old, fresh);
        assertEquals(UkeyState.INSTALLED, fresh.state());
        assertEquals(UkeyState.DELETED, old.state(), "the replaced ukey is finished by the handler");
        return fresh;
    }

    private static void assertBackInTheFastPath(final Rig rig, final Ukey fresh) {
        rig.settle();
        rig.send(P, 10);
        rig.settle();
        assertEquals(2, rig.upcalls.handled(), "at most one further upcall");
        assertEquals(17, rig.transmitted(2));
        assertSame(fresh, rig.onlyUkey());
        assertEquals(UkeyState.INSTALLED, fresh.state());
        rig.round();
        assertEquals(17, rig.rulePackets(), "every packet counted once");
        assertEquals(0, rig.ukeys.counters().backwardTransitions());
    }

    @Test
    void seedRaceAMissReplacesARemovedUkeyBeforeTheSweep() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=1,udp,actions=output:2")) {
            final Ukey old = established(rig);
            final Round r = removeInDump(rig, old);
            final Ukey fresh = missAndReplace(rig, old);
            assertEquals(r.seq(), fresh.dumpSeq(), "the new ukey inherits the dump round");
            rig.sweepPhase(r);
            assertEquals(1, rig.finishes.get(old), "finished exactly once");
            assertFalse(rig.finishes.containsKey(fresh));
            assertEquals(UkeyState.INSTALLED, fresh.state(), "the sweep leaves the new ukey alone");
            assertBackInTheFastPath(rig, fresh);
            assertEquals(1, rig.ukeys.counters().finished());
        }
    }

    @Test
    void theSweeperReadsTheStateThenTheHandlerReplacesThenTheSweeperContinues() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=1,udp,actions=output:2")) {
            final Ukey old = established(rig);
            final Round r = removeInDump(rig, old);
            final UkeyRevalidation.SweepAction action = rig.revalidators.review().inspect(old, r);
            assertEquals(UkeyRevalidation.SweepAction.FINISH, action);
            assertFalse(old.isLocked(), "the sweeper released the lock after reading the state");
            final Ukey fresh = missAndReplace(rig, old);
            rig.revalidators.review().apply(old, action);
            assertEquals(1, rig.finishes.get(old), "still exactly one finish");
            rig.sweepPhase(r);
            assertEquals(1, rig.finishes.get(old));
            assertBackInTheFastPath(rig, fresh);
        }
    }

    @Test
    void whenTheSweeperWinsTheMissInsertsAFreshUkey() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=1,udp,actions=output:2")) {
            final Ukey old = established(rig);
            final Round r = removeInDump(rig, old);
            rig.sweepPhase(r);
            assertEquals(1, rig.finishes.get(old));
            rig.send(P, 1);
            rig.settle();
            assertEquals(0, rig.upcalls.replaced());
            final Ukey fresh = rig.onlyUkey();
            assertEquals(UkeyState.INSTALLED, fresh.state());
            assertBackInTheFastPath(rig, fresh);
        }
    }
}
