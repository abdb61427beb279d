package io.flowgate.revalidator.estimator;

import java.util.concurrent.TimeUnit;

/**
 * How many estimators fit in a chain, measured as IPVS's {@code ip_vs_est_calc_limits} measures
 * it: estimate a chain of test estimators (whose sources sum as many per-PMD counters as the real
 * ones) 12 times with warm caches, pausing 20 ms every 4 passes so a frequency governor can ramp
 * the clock up, keep the fastest time per estimator, and fit the chain into 95 µs.
 *
 * @param nanosPerEstimator the fastest time of one estimation
 * @param chainMax          estimators per chain (at least 1)
 */
public record Calibration(double nanosPerEstimator, int chainMax) {
    /** A chain's time budget: under 100 µs, so a tick of 48 chains stays near 1/8 of 40 ms. */
    public static final long CHAIN_BUDGET_NANOS = 95_000;
    private static final int PASSES = 12;
    private static final int TEST_ESTIMATORS = 64;

    private static final java.util.Map<Integer, Calibration> MEASURED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The calibration for {@code counters}, measured once per process (a datapath that starts
     * again need not wait for it); a new CPU list measures afresh with {@link #measure}.
     */
    public static Calibration cached(final int counters) throws InterruptedException {
        final Calibration c = MEASURED.get(counters);
        if (c != null) {
            return c;
        }
        final Calibration m = measure(counters);
        MEASURED.putIfAbsent(counters, m);
        return m;
    }

    /** The figure for a measured cost per estimator. */
    public static Calibration of(final double nanosPerEstimator) {
        return new Calibration(nanosPerEstimator, (int) Math.max(1, CHAIN_BUDGET_NANOS / Math.max(1.0, nanosPerEstimator)));
    }

    /**
     * Measures on the calling thread.
     *
     * @param counters how many per-PMD counter sets a source sums (the PMD count)
     */
    public static Calibration measure(final int counters) throws InterruptedException {
        final long[][] perPmd = new long[Math.max(1, counters)][StatsSource.FIELDS];
        final Chains chains = new Chains(-1, TEST_ESTIMATORS);
        Estimator first = null;
        for (int i = 0; i < TEST_ESTIMATORS; i++) {
            final Estimator e = new Estimator("calibration", into -> {
                for (int f = 0; f < StatsSource.FIELDS; f++) {
                    long sum = 0;
                    for (long[] pmd : perPmd) {
                        sum += pmd[f];
                    }
                    into[f] = sum;
                }
            });
            e.start(new long[StatsSource.FIELDS]);
            chains.add(e, true);
            first = first == null ? e : first;
        }
        final long[] scratch = new long[StatsSource.FIELDS];
        final int row = first.row; // one chain's worth: all in one row
        long best = Long.MAX_VALUE;
        for (int pass = 0; pass < PASSES; pass++) {
            if (pass % 4 == 3) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
            for (long[] pmd : perPmd) {
                pmd[StatsSource.IN_PACKETS] += pass; // counters move, as real ones do
            }
            final long t0 = System.nanoTime();
            final int n = chains.estimateRow(row, scratch, pass);
            final long t = System.nanoTime() - t0;
            if (n != TEST_ESTIMATORS) {
                throw new IllegalStateException("calibration estimated " + n + " of " + TEST_ESTIMATORS);
            }
            best = Math.min(best, t);
        }
        return of((double) best / TEST_ESTIMATORS);
    }
}
