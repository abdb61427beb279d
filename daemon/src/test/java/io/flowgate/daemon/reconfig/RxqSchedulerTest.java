package io.flowgate.daemon.reconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.port.LoadHistory;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.port.RxQueue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which PMD polls which queue, given the queues' measured load, as OVS 3.1's pmd-rxq-assign. */
class RxqSchedulerTest {
    private final List<RingPort> ports = new ArrayList<>();

    @AfterEach
    void close() {
        ports.forEach(RingPort::close);
    }

    /** A queue of its own port that was busy {@code nanos} over its history. */
    private RxQueue queue(final int port, final long nanos) {
        final RingPort p = new RingPort(port, "p" + port);
        ports.add(p);
        final RxQueue q = new RxQueue(p, 0);
        q.busy(nanos);
        q.sample(LoadHistory.INTERVAL_MILLIS * 1_000_000);
        return q;
    }

    private static List<Integer> cores(final RxqScheduler.Assignment a, final List<RxQueue> queues) {
        return queues.stream().map(a::coreOf).toList();
    }

    @Test
    void cyclesDealsTheBusiestFirstUpAndDownThePmds() {
        final List<RxQueue> q = List.of(queue(1, 10), queue(2, 40), queue(3, 30), queue(4, 20), queue(5, 50));
        final var a = RxqScheduler.assign(q, List.of(1, 0), "cycles", true);
        // 50 → 0, 40 → 1, 30 → 1, 20 → 0, 10 → 0
        assertEquals(List.of(0, 1, 1, 0, 0), cores(a, q));
        assertEquals("Core  0 on numa node 0 assigned port 'p5' rx queue 0 (measured processing time 50 ns).",
                a.info().get(1));
    }

    @Test
    void roundrobinDealsInPortOrderWhateverTheLoad() {
        final List<RxQueue> q = List.of(queue(1, 10), queue(2, 40), queue(3, 30));
        assertEquals(List.of(0, 1, 0), cores(RxqScheduler.assign(q, List.of(0, 1), "roundrobin", true), q));
    }

    @Test
    void groupGivesEachQueueToTheLeastLoadedPmd() {
        final List<RxQueue> q = List.of(queue(1, 100), queue(2, 60), queue(3, 30), queue(4, 20));
        // 100 → 0; 60 → 1; 30 → 1 (60 < 100); 20 → 1 (90 < 100)
        assertEquals(List.of(0, 1, 1, 1), cores(RxqScheduler.assign(q, List.of(0, 1), "group", true), q));
    }

    @Test
    void aPinnedQueueIsolatesItsPmdAndAMissingCoreIsWarnedAbout() {
        final RxQueue pinned = queue(1, 10);
        pinned.affinity(1);
        final RxQueue lost = queue(2, 50);
        lost.affinity(7);
        final RxQueue other = queue(3, 40);
        final List<RxQueue> q = List.of(pinned, lost, other);
        final var a = RxqScheduler.assign(q, List.of(0, 1), "cycles", true);
        assertEquals(List.of(1, 0, 0), cores(a, q));
        assertEquals(1, a.warnings().size());
        assertTrue(a.warnings().getFirst().startsWith("Core  7 cannot be pinned with port 'p2' rx queue 0."),
                a.warnings().getFirst());
    }

    @Test
    void groupWithoutIsolationSharesAPinnedPmd() {
        final RxQueue pinned = queue(1, 10);
        pinned.affinity(0);
        final List<RxQueue> q = List.of(pinned, queue(2, 50), queue(3, 5));
        // core 0 carries 10 pinned: 50 → 1, 5 → 0
        assertEquals(List.of(0, 1, 0), cores(RxqScheduler.assign(q, List.of(0, 1), "group", false), q));
    }

    @Test
    void withEveryPmdIsolatedAnUnpinnedQueueIsNotPolled() {
        final RxQueue pinned = queue(1, 10);
        pinned.affinity(0);
        final RxQueue left = queue(2, 50);
        final var a = RxqScheduler.assign(List.of(pinned, left), List.of(0), "cycles", true);
        assertEquals(-1, a.coreOf(left));
        assertTrue(a.warnings().getFirst().contains("This rx queue will not be polled."), a.warnings().getFirst());
    }
}
