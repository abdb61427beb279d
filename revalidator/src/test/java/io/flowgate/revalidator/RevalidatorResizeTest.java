package io.flowgate.revalidator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * n-revalidator-threads changing between rounds, each step forced on the test's thread: a round
 * never loses a participant, and a revalidator added later never joins a round that began
 * without it (whose barriers would then wait for ever).
 */
class RevalidatorResizeTest {
    /** Steps the revalidators (and the PMD, for removals) until {@code rounds} rounds have finished. */
    private static void runUntil(final Rig rig, final List<Revalidator> agents, final long rounds) {
        for (int step = 0; step < 100_000 && rig.revalidators.completedRounds() < rounds; step++) {
            for (Revalidator r : agents) {
                r.doWork();
            }
            rig.pmd.doWork();
        }
        assertEquals(rounds, rig.revalidators.completedRounds(), "rounds go on: " + states(agents));
    }

    private static String states(final List<Revalidator> agents) {
        final StringBuilder s = new StringBuilder();
        for (Revalidator r : agents) {
            s.append(r.roleName()).append(": ").append(r.state()).append("; ");
        }
        return s.toString();
    }

    @Test
    void twoToOneToTwoBetweenRoundsKeepsRoundsGoingAndStatisticsExact() throws Exception {
        try (Rig rig = new Rig(new RevalidatorSettings(2, 10_000, 5), "priority=1,udp,actions=output:2")) {
            rig.send(Rig.udp(53), 1);
            rig.settle();
            rig.send(Rig.udp(53), 4);
            rig.settle();
            final Revalidator leader = rig.revalidators.agents()[0];
            final Revalidator second = rig.revalidators.agents()[1];
            runUntil(rig, List.of(leader, second), 1);

            assertEquals(List.of(), rig.revalidators.resize(1));
            leader.doWork(); // between rounds: the leader takes the new count
            assertEquals(List.of(second), rig.revalidators.awaitResized(1, TimeUnit.SECONDS));
            assertEquals(1, rig.revalidators.active());

            final List<Revalidator> added = rig.revalidators.resize(2);
            assertEquals(1, added.size());
            final Revalidator third = added.getFirst();
            // The last round is over; the new revalidator must wait for the next one, not join it.
            for (int i = 0; i < 10; i++) {
                third.doWork();
            }
            assertTrue(third.state().startsWith("IDLE"), third.state());

            rig.revalidators.purge(); // a round at once, with two revalidators
            runUntil(rig, List.of(leader, third), 2);
            assertEquals(2, rig.revalidators.active());
            assertEquals(0, rig.registry.size(), "the purge round ran with both");
            assertEquals(5, rig.rulePackets(), "statistics pushed exactly once");
        }
    }
}
