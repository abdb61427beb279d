package io.flowgate.slowpath.ukey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class UkeyTest {
    private final UkeyMap map = new UkeyMap(8);

    @Test
    void aNewUkeyIsCreatedLockedByItsMakerAndLinkedFromItsFlow() {
        final Ukey u = Ukeys.ukey(0, map);
        assertEquals(UkeyState.CREATED, u.state());
        assertTrue(u.heldByCurrentThread());
        assertSame(u, u.flow().owner());
        assertEquals(1, map.counters().created());
    }

    @Test
    void statesMoveForwardOnlyAndEachMoveHasOneWinner() {
        final Ukey u = Ukeys.ukey(0, map);
        assertTrue(u.transition(UkeyState.INSTALLED));
        assertFalse(u.transition(UkeyState.INSTALLED), "already there: the second mover does nothing");
        assertTrue(u.transition(UkeyState.DELETED), "forward moves may skip a state");
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> u.transition(UkeyState.REMOVED));
        assertTrue(e.getMessage().contains("backward transition DELETED -> REMOVED"), e.getMessage());
        assertEquals(1, map.counters().backwardTransitions());
        assertEquals(1, map.counters().finished());
    }

    @Test
    void theLastTransitionNamesItsThreadAndCallSite() {
        final Ukey u = Ukeys.ukey(0, map);
        u.transition(UkeyState.INSTALLED);
        final String last = u.lastTransition();
        assertTrue(last.startsWith("INSTALLED by " + Thread.currentThread().getName() + " at "), last);
        assertTrue(last.contains("UkeyTest.theLastTransitionNamesItsThreadAndCallSite(UkeyTest.java:"), last);
    }

    @Test
    void theLockIsATryLockThatOnlyItsHolderReleases() throws Exception {
        final Ukey u = Ukeys.ukey(0, map);
        final AtomicBoolean otherGotIt = new AtomicBoolean(true);
        final Thread other = Thread.ofPlatform().start(() -> otherGotIt.set(u.tryLock()));
        other.join();
        assertFalse(otherGotIt.get(), "a locked ukey is skipped, not waited for");
        final Thread stranger = Thread.ofPlatform().start(() ->
                assertThrows(IllegalStateException.class, u::unlock));
        stranger.join();
        u.unlock();
        assertFalse(u.isLocked());
        assertTrue(u.tryLock());
        assertFalse(u.tryLock(), "not reentrant");
    }

    @Test
    void statisticsArePushedToTheRulesOnceAsDeltas() {
        final Rule rule = new Rule(0, 1, 0, 0, 0, Match.any(), List.of(), 0);
        final XlateResult x = new XlateResult(Ukeys.key(0), Ukeys.IN_PORT_ONLY.words(),
                io.flowgate.fastpath.action.DpActions.DROP, List.of(rule), List.of(), 0, null, null);
        final Ukey u = new Ukey(Ukeys.flow(0), Ukeys.key(0), x, map.counters());
        u.flow().hit(3, 300, 0, 1000);
        assertEquals(3, u.pushStats());
        assertEquals(0, u.pushStats(), "nothing new, nothing pushed");
        u.flow().hit(2, 100, 0, 2000);
        assertEquals(2, u.pushStats());
        assertEquals(5, rule.stats().packets());
        assertEquals(400, rule.stats().bytes());
        assertEquals(2000, rule.stats().lastUsedMillis());
    }

    @Test
    void claimFollowsTheDuplicateRules() {
        final Ukey first = Ukeys.ukey(0, map);
        assertEquals(UkeyMap.Claim.INSERTED, map.claim(first));
        // Still CREATED and locked by us: to another handler that is "locked".
        final UkeyMap.Claim[] seen = new UkeyMap.Claim[1];
        runElsewhere(() -> seen[0] = map.claim(Ukeys.ukey(0, map)));
        assertEquals(UkeyMap.Claim.DUPLICATE_LOCKED, seen[0]);
        first.transition(UkeyState.INSTALLED);
        first.unlock();
        final Ukey dup = Ukeys.ukey(0, map);
        assertEquals(UkeyMap.Claim.DUPLICATE_EXISTING, map.claim(dup));
        assertEquals(UkeyState.DELETED, dup.state(), "a discarded candidate ends DELETED");
        assertFalse(dup.isLocked());

        first.transition(UkeyState.REMOVED);
        first.dumpSeq(7);
        final Ukey next = Ukeys.ukey(0, map);
        assertEquals(UkeyMap.Claim.REPLACED, map.claim(next));
        assertEquals(UkeyState.DELETED, first.state(), "the replaced ukey is finished by the replacer");
        assertEquals(7, next.dumpSeq(), "the new ukey inherits the dump round");
        assertSame(next, map.get(next.id()));
        assertFalse(map.finish(first), "finishing again does nothing");
    }

    private static void runElsewhere(final Runnable r) {
        final Thread t = Thread.ofPlatform().start(r);
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
