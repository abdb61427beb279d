package io.flowgate.revalidator.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The estimate is IPVS's, in the same integers: growth per 2 s scaled by 2^9 (packets,
 * connections) or 2^4 (bytes), a running average with weight 1/4, read out with rounding.
 */
class EstimatorFormulaTest {
    /** Counters a test moves by hand. */
    private final long[] counters = new long[StatsSource.FIELDS];
    private final Estimator e = new Estimator("test", into -> System.arraycopy(counters, 0, into, 0, StatsSource.FIELDS));
    private final long[] scratch = new long[StatsSource.FIELDS];

    /** The kernel's arithmetic, written out independently: avg += (rate - avg) >> 2 on signed 64 bits. */
    private static long next(final long avg, final long delta, final int shift) {
        final long rate = delta << shift;
        return avg + ((rate - avg) >> 2);
    }

    @Test
    void aConstantRateConvergesAsTheFormulaSaysAndStopsDecayExactly() {
        final long pps = 12_345; // packets per second, so 24,690 per 2 s period
        final long bytesPerPacket = 64;
        e.start(scratch);
        long avgPkts = 0;
        long avgBytes = 0;
        final List<Long> readings = new ArrayList<>();
        for (int period = 0; period < 80; period++) {
            counters[StatsSource.IN_PACKETS] += 2 * pps;
            counters[StatsSource.IN_BYTES] += 2 * pps * bytesPerPacket;
            e.estimate(scratch, period);
            avgPkts = next(avgPkts, 2 * pps, 9);
            avgBytes = next(avgBytes, 2 * pps * bytesPerPacket, 4);
            assertEquals(avgPkts, e.scaled(StatsSource.IN_PACKETS), "period " + period);
            assertEquals(avgBytes, e.scaled(StatsSource.IN_BYTES), "period " + period);
            readings.add(e.rates().inPps());
        }
        // After n periods the average is (1 - (3/4)^n) of the rate: within 2 % after 14 (28 s).
        assertTrue(Math.abs(readings.get(13) - pps) <= pps * 0.02, "after 28 s: " + readings.get(13));
        assertEquals(pps, e.rates().inPps(), "converged (80 periods): read out with rounding");
        assertEquals(pps * bytesPerPacket, e.rates().inBps());
        // Traffic stops: every reading is the formula's, to the unit.
        for (int period = 80; period < 140; period++) {
            e.estimate(scratch, period);
            avgPkts = next(avgPkts, 0, 9);
            assertEquals(avgPkts, e.scaled(StatsSource.IN_PACKETS), "decay, period " + period);
            assertEquals((avgPkts + 0x1FF) >> 10, e.rates().inPps());
        }
        assertEquals(0, e.rates().inPps(), "decayed to nothing");
    }

    @Test
    void readOutRoundsAsIpvs() {
        assertEquals(0, Rates.perSecond(0));
        assertEquals(0, Rates.perSecond(0x200), "exactly half a unit rounds down");
        assertEquals(1, Rates.perSecond(0x201), "just over half a unit rounds up");
        assertEquals(1, Rates.perSecond(1 << 10));
        assertEquals(0, Rates.bytesPerSecond(0x10));
        assertEquals(1, Rates.bytesPerSecond(0x11));
        assertEquals(3, Rates.bytesPerSecond(3 << 5));
    }

    @Test
    void aNewEstimatorStartsFromTheCountersAsTheyAreNoSpike() {
        counters[StatsSource.CONNS] = 1_000_000;
        counters[StatsSource.OUT_PACKETS] = 5_000_000;
        e.start(scratch);
        counters[StatsSource.CONNS] += 20;
        e.estimate(scratch, 0);
        assertEquals(next(0, 20, 9), e.scaled(StatsSource.CONNS));
        assertEquals(0, e.scaled(StatsSource.OUT_PACKETS));
        assertEquals(2, e.rates().cps(), "10 a second, a quarter of the way there: 2.5, which rounds down");
    }
}
