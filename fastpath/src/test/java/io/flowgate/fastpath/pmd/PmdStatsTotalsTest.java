package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowgate.fastpath.action.DropReason;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * A datapath's totals are its PMDs' snapshots added up, and each drop reason counts into a
 * counter of its own, named after it.
 */
class PmdStatsTotalsTest {
    private static PmdStats.Snapshot snapshot(final long base, final int ports) {
        final long[] counts = new long[PmdCounter.values().length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = base + i;
        }
        final long[][] p = new long[6][ports];
        for (int k = 0; k < 6; k++) {
            for (int i = 0; i < ports; i++) {
                p[k][i] = base * 100 + k * 10 + i;
            }
        }
        return new PmdStats.Snapshot(counts, p[0], p[1], p[2], p[3], p[4], p[5]);
    }

    @Test
    void eachDropReasonHasItsOwnDropCounter() {
        final Set<PmdCounter> seen = EnumSet.noneOf(PmdCounter.class);
        for (DropReason r : DropReason.values()) {
            final PmdCounter c = PmdCounter.of(r);
            assertEquals("DROP_" + r.name(), c.name());
            assertEquals(true, seen.add(c), r + " shares " + c);
        }
        assertEquals(DropReason.values().length, seen.size());
    }

    @Test
    void totalsAddUpEveryCounterAndEveryPort() {
        final PmdStats.Snapshot t = PmdStats.Snapshot.sum(List.of(snapshot(1, 3), snapshot(2, 3)), 3);
        for (PmdCounter c : PmdCounter.values()) {
            assertEquals(3 + 2L * c.ordinal(), t.get(c), c.name());
        }
        assertArrayEquals(new long[] {300, 302, 304}, t.portRx());
        assertArrayEquals(new long[] {320, 322, 324}, t.portTx());
        assertArrayEquals(new long[] {340, 342, 344}, t.portRxBytes());
        assertArrayEquals(new long[] {360, 362, 364}, t.portTxBytes());
        assertArrayEquals(new long[] {380, 382, 384}, t.portRxDropped());
        assertArrayEquals(new long[] {400, 402, 404}, t.portTxDropped());
    }

    @Test
    void dropsAreTheSumOfTheDropCountersOnly() {
        final PmdStats.Snapshot t = PmdStats.Snapshot.sum(List.of(snapshot(0, 1)), 1);
        long expected = 0;
        for (DropReason r : DropReason.values()) {
            assertEquals(PmdCounter.of(r).ordinal(), t.drops(r), r.name());
            expected += PmdCounter.of(r).ordinal();
        }
        assertEquals(expected, t.drops());
    }

    @Test
    void noPmdsMeansZeroForEveryPort() {
        final PmdStats.Snapshot t = PmdStats.Snapshot.sum(List.of(), 2);
        assertArrayEquals(new long[2], t.portRx());
        assertEquals(0, t.drops());
    }
}
