package io.flowgate.fastpath.pmd;

import io.flowgate.bindings.flowgate_shim_h;

import java.util.concurrent.locks.LockSupport;

/**
 * The rate of the CPU's time-stamp counter, so that PMD time can be shown in TSC cycles as OVS
 * shows it (pmd-stats-show, pmd-perf-show). PMDs measure with {@link System#nanoTime()}, which
 * on Linux reads the same counter through the vDSO; multiplying by this rate gives the cycles OVS
 * would have counted. The rate is the counter's advance over nanoTime's since this class was
 * first used (the datapath touches it at start), so it gets more exact the longer the process runs.
 */
public final class TscRate {
    private static final long MIN_WINDOW_NANOS = 20_000_000L;
    private static final long BASE_NANOS;
    private static final long BASE_TSC;

    static {
        BASE_TSC = flowgate_shim_h.fg_rdtsc();
        BASE_NANOS = System.nanoTime();
    }

    private TscRate() {
    }

    /** Starts the calibration window (idempotent). */
    public static void start() {
        // The static initializer did it.
    }

    /** TSC cycles per second (waits up to 20 ms the first time, for a window long enough to measure). */
    public static double hz() {
        long elapsed = System.nanoTime() - BASE_NANOS;
        while (elapsed < MIN_WINDOW_NANOS) {
            LockSupport.parkNanos(MIN_WINDOW_NANOS - elapsed);
            elapsed = System.nanoTime() - BASE_NANOS;
        }
        final long tsc = flowgate_shim_h.fg_rdtsc();
        elapsed = System.nanoTime() - BASE_NANOS;
        return (tsc - BASE_TSC) * 1e9 / elapsed;
    }

    /** {@code nanos} in TSC cycles at {@code hz}. */
    public static long cycles(final long nanos, final double hz) {
        return Math.round(nanos * hz / 1e9);
    }
}
