package io.flowgate.revalidator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyState;

import java.util.List;

import org.junit.jupiter.api.Test;

/** What a revalidation round does to flows, ukeys and rules. */
class RevalidatorTest {
    private static final String UDP_TO_2 = "priority=1,udp,actions=output:2";

    @Test
    void statisticsReachTheRulesExactlyOnceRoundAfterRound() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, UDP_TO_2)) {
            int sent = 0;
            for (int round = 1; round <= 5; round++) {
                rig.send(Rig.udp(53), round * 3);
                sent += round * 3;
                rig.settle();
                rig.round();
                assertEquals(sent, rig.rulePackets(), "after round " + round);
            }
            rig.round();
            rig.round();
            assertEquals(sent, rig.rulePackets(), "rounds without traffic push nothing");
        }
    }

    @Test
    void idleFlowsAreDeletedAndTheirUkeysSweptInTheSameRound() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, UDP_TO_2)) {
            rig.send(Rig.udp(53), 3);
            rig.send(Rig.udp(54), 1);
            rig.settle();
            assertEquals(1, rig.registry.size(), "one megaflow (udp only)");
            rig.round();
            assertEquals(1, rig.registry.size(), "not idle yet");
            rig.sweepPhase(rig.dumpPhase(System.currentTimeMillis() + RevalidatorSettings.DEFAULTS.maxIdleMillis() + 1000));
            assertEquals(0, rig.registry.size());
            assertEquals(0, rig.ukeys.size());
            assertEquals(0, rig.pmd.flowCount(), "the PMD removed it");
            assertEquals(1, rig.revalidators.counters().deletedIdle());
            assertEquals(4, rig.rulePackets());
        }
    }

    @Test
    void aRuleChangeThatOnlyChangesActionsModifiesTheFlowInPlace() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, UDP_TO_2)) {
            rig.send(Rig.udp(53), 2);
            rig.settle();
            final Ukey before = rig.onlyUkey();
            final long upcalls = rig.upcalls.handled();
            rig.setRules("priority=1,udp,actions=output:3");
            rig.round();
            assertSame(before, rig.onlyUkey(), "same flow, same ukey");
            assertEquals("3", before.flow().actions().toString());
            assertEquals(1, rig.revalidators.counters().modified());
            rig.send(Rig.udp(53), 4);
            rig.settle();
            assertEquals(4, rig.transmitted(3));
            assertEquals(upcalls, rig.upcalls.handled(), "no new upcall");
        }
    }

    @Test
    void aRuleChangeThatNeedsMoreKeyBitsDeletesTheFlow() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, UDP_TO_2)) {
            rig.send(Rig.udp(53), 2);
            rig.settle();
            final Ukey before = rig.onlyUkey();
            rig.addRule(FlowSyntax.parseRule("test", 1, "priority=5,udp,tp_dst=53,actions=output:3", 0));
            rig.round();
            assertEquals(UkeyState.DELETED, before.state());
            assertEquals(1, rig.revalidators.counters().deletedChanged());
            rig.send(Rig.udp(53), 1);
            rig.send(Rig.udp(54), 1);
            rig.settle();
            assertEquals(1, rig.transmitted(3));
            assertEquals(3, rig.transmitted(2));
            assertEquals(2, rig.registry.size(), "the new rule splits the megaflow");
        }
    }

    @Test
    void aUkeyMissingFromFourDumpsInARowIsDeleted() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, UDP_TO_2)) {
            rig.send(Rig.udp(53), 1);
            rig.settle();
            final Ukey u = rig.onlyUkey();
            rig.registry.remove(u.flow()); // the dump no longer sees it
            for (int round = 1; round <= 3; round++) {
                rig.round();
                assertEquals(UkeyState.INSTALLED, u.state(), "after " + round + " missed dumps");
            }
            rig.round();
            assertEquals(UkeyState.DELETED, u.state());
            assertEquals(1, rig.revalidators.counters().deletedStale());
            assertEquals(0, rig.pmd.flowCount());
        }
    }

    @Test
    void aFailureWhileFinishingRemovedUkeysIsCountedAndRoundsGoOn() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS,
                "priority=1,udp,tp_dst=53,actions=output:2\npriority=1,udp,tp_dst=54,actions=output:3")) {
            rig.send(Rig.udp(53), 1);
            rig.send(Rig.udp(54), 1);
            rig.settle();
            final List<Ukey> both = new java.util.ArrayList<>();
            for (int s = 0; s < rig.ukeys.shardCount(); s++) {
                rig.ukeys.forEachInShard(s, both::add);
            }
            assertEquals(2, both.size());
            for (Ukey u : both) {
                rig.registry.remove(u.flow()); // the dump no longer sees them: stale after 4 rounds
            }
            final int[] faults = {1};
            rig.ukeys.onFinish(u -> {
                if (faults[0]-- > 0) {
                    throw new IllegalStateException("injected: finishing failed");
                }
            });
            for (int round = 1; round <= 4; round++) {
                rig.round(); // the 4th deletes both in one removal; finishing the first throws
            }
            assertEquals(1, rig.revalidators.counters().errors(), "the failure is counted");
            for (Ukey u : both) {
                assertEquals(UkeyState.DELETED, u.state(), "finished in spite of the failure: " + u);
                assertTrue(!u.isLocked(), "and unlocked: " + u);
            }
            assertEquals(0, rig.ukeys.size());
            rig.send(Rig.udp(53), 1);
            rig.settle();
            rig.round();
            assertEquals(UkeyState.INSTALLED, rig.onlyUkey().state(), "later rounds run as before");
            assertEquals(1, rig.revalidators.counters().errors());
        }
    }

    @Test
    void aboveTheFlowLimitMissesAreForwardedButInstallNothing() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=1,udp,tp_dst=53,actions=output:2\n"
                + "priority=1,udp,tp_dst=54,actions=output:2")) {
            rig.flowLimit.set(1);
            rig.send(Rig.udp(53), 1);
            rig.settle();
            rig.send(Rig.udp(54), 3);
            rig.settle();
            assertEquals(4, rig.transmitted(2), "every packet forwarded");
            assertEquals(1, rig.registry.size());
            assertEquals(3, rig.upcalls.flowLimitHit(), "each packet of the second megaflow was an upcall");
        }
    }

    @Test
    void aboveTwiceTheFlowLimitEveryFlowIsDeleted() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=1,udp,tp_dst=53,actions=output:2\n"
                + "priority=1,udp,tp_dst=54,actions=output:2\npriority=1,udp,tp_dst=55,actions=output:2")) {
            for (int p = 53; p <= 55; p++) {
                rig.send(Rig.udp(p), 1);
            }
            rig.settle();
            assertEquals(3, rig.registry.size());
            final String warning = "revalidator|WARNING|Number of datapath flows (3) twice as high as current dynamic"
                    + " flow limit (2).  Starting to delete flows unconditionally as an emergency measure.";
            final int before = CapturedLog.containing(warning).size();
            rig.flowLimit.set(1);
            rig.round();
            assertEquals(0, rig.registry.size());
            assertEquals(0, rig.ukeys.size());
            assertEquals(3, rig.revalidators.counters().deletedLimit());
            assertEquals(before + 1, CapturedLog.containing(warning).size(), "said as OVS says it, once");
        }
    }

    @Test
    void purgeDeletesEveryFlow() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, UDP_TO_2)) {
            rig.send(Rig.udp(53), 1);
            rig.settle();
            rig.revalidators.purge();
            rig.round();
            assertEquals(0, rig.registry.size());
            assertEquals(0, rig.ukeys.size());
            rig.round();
            rig.send(Rig.udp(53), 1);
            rig.settle();
            assertEquals(1, rig.registry.size(), "a purge is a one-off");
        }
    }

    /**
     * Permanent rules (no idle or hard timeout, as in most rule files) cost a revalidator round
     * nothing: it listed every rule every round to look for expired ones, megabytes of garbage a
     * second with 100,000 rules in an idle daemon, whose heap and RSS grew for minutes.
     */
    @Test
    void aRoundDoesNotGoThroughPermanentRules() throws Exception {
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=0,actions=drop")) {
            rig.round();
            long before = threads.getCurrentThreadAllocatedBytes();
            rig.round();
            final long withOne = threads.getCurrentThreadAllocatedBytes() - before;
            final List<Rule> many = new java.util.ArrayList<>();
            for (int i = 0; i < 50_000; i++) {
                many.add(FlowSyntax.parseRule("t", 1, "priority=10,tcp,nw_dst=10." + (i >> 16) + "." + ((i >> 8) & 255)
                        + "." + (i & 255) + ",actions=output:2", 0));
            }
            rig.pipeline.apply(e -> many.forEach(e::addRule));
            rig.round(); // the rule change: a round of its own
            before = threads.getCurrentThreadAllocatedBytes();
            rig.round();
            final long withMany = threads.getCurrentThreadAllocatedBytes() - before;
            // Listing 50,001 rules allocates at least 200 kB (4-byte references, one copy).
            assertTrue(withMany - withOne < 100_000, "a round allocated " + withOne + " bytes with 1 rule, "
                    + withMany + " with 50,001 permanent ones");
        }
    }

    @Test
    void aModifiedRulesHardTimeoutCountsFromItsModificationAsInOvs() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=0,actions=drop")) {
            final long longAgo = System.currentTimeMillis() - 60_000;
            final Match udp = FlowSyntax.parseRule("t", 1, "udp,actions=drop", 0).match();
            final Rule added = new Rule(0, 10, 0, 0, 30, udp, List.of(new OfAction.Output(2)), longAgo);
            final Rule modified = added.withActions(List.of(new OfAction.Output(3)), System.currentTimeMillis());
            rig.addRule(modified);
            rig.round();
            assertEquals(0, rig.revalidators.counters().rulesExpired(), "30 s not passed since mod-flows");
            assertTrue(rig.pipeline.current().rules().contains(modified));
        }
    }

    @Test
    void rulesExpireOnTheirHardAndIdleTimeoutsAndTheirFlowsGo() throws Exception {
        try (Rig rig = new Rig(RevalidatorSettings.DEFAULTS, "priority=0,actions=drop")) {
            final long longAgo = System.currentTimeMillis() - 60_000;
            final Match udp = FlowSyntax.parseRule("t", 1, "udp,actions=drop", 0).match();
            final Rule hard = new Rule(0, 10, 0, 0, 30, udp, List.of(new OfAction.Output(2)), longAgo);
            final Match tcp = FlowSyntax.parseRule("t", 1, "tcp,actions=drop", 0).match();
            final Rule idleUsed = new Rule(0, 10, 0, 30, 0, tcp, List.of(new OfAction.Output(3)), longAgo);
            rig.addRule(hard);
            rig.addRule(idleUsed);
            idleUsed.stats().add(1, 60, System.currentTimeMillis());
            rig.send(Rig.udp(53), 1);
            rig.settle();
            assertEquals(1, rig.transmitted(2));
            rig.round();
            assertEquals(1, rig.revalidators.counters().rulesExpired(), "the hard timeout passed; the idle one was used");
            assertTrue(rig.pipeline.current().rules().contains(idleUsed));
            rig.round(); // the rule change deletes the flow that output to 2
            rig.send(Rig.udp(53), 1);
            rig.settle();
            assertEquals(1, rig.transmitted(2), "the expired rule no longer forwards");
            final Rule idle = new Rule(0, 20, 0, 1, 0, tcp, List.of(new OfAction.Output(3)), longAgo);
            rig.addRule(idle);
            rig.round();
            assertTrue(!rig.pipeline.current().rules().contains(idle), "unused for longer than its idle timeout");
        }
    }
}
