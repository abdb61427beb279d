package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.port.RxQueue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/**
 * How a PMD's time is split, as pmd-stats-show and pmd-perf-show report it: the time after an
 * idle iteration that the idle strategy slept is sleep, not idle time (OVS keeps pmd-maxsleep's
 * sleep out of its idle cycles too); after a busy iteration nothing is sleep.
 */
class PmdClockTest {
    private static final RxQueue[] NONE = new RxQueue[0];
    private static final long SLEEP = TimeUnit.MILLISECONDS.toNanos(50); // far above a preemption between two calls

    private static void sleep() {
        final long until = System.nanoTime() + SLEEP;
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }

    @Test
    void aSleepAfterAnIdleIterationIsSleepNotIdleTime() {
        final PmdClock clock = new PmdClock();
        final long[] c = new long[PmdCounter.values().length];
        final long t0 = System.nanoTime();
        clock.start(c, NONE);
        clock.end(false, c);
        sleep();
        clock.start(c, NONE);
        final long t1 = System.nanoTime();
        assertEquals(1, c[PmdCounter.IDLE_ITERATIONS.ordinal()]);
        assertEquals(1, c[PmdCounter.SLEEP_ITERATIONS.ordinal()]);
        assertTrue(c[PmdCounter.SLEEP_NANOS.ordinal()] >= SLEEP, "the sleep counted whole");
        assertTrue(c[PmdCounter.IDLE_NANOS.ordinal()] + c[PmdCounter.SLEEP_NANOS.ordinal()] <= t1 - t0,
                "idle and sleep split the iteration's time, nothing counted twice");
        assertTrue(c[PmdCounter.IDLE_NANOS.ordinal()] < SLEEP, "the sleep is not idle time");
    }

    @Test
    void afterABusyIterationNothingIsSleep() {
        final PmdClock clock = new PmdClock();
        final long[] c = new long[PmdCounter.values().length];
        clock.start(c, NONE);
        clock.end(true, c);
        sleep();
        clock.start(c, NONE);
        assertEquals(1, c[PmdCounter.BUSY_ITERATIONS.ordinal()]);
        assertEquals(0, c[PmdCounter.SLEEP_ITERATIONS.ordinal()]);
        assertEquals(0, c[PmdCounter.SLEEP_NANOS.ordinal()]);
        assertTrue(c[PmdCounter.BUSY_NANOS.ordinal()] >= SLEEP, "a busy iteration's time is all busy");
    }
}
