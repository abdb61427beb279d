package io.flowgate.bench;

import io.flowgate.revalidator.estimator.Calibration;
import io.flowgate.revalidator.estimator.Estimator;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.revalidator.estimator.Estimators;
import io.flowgate.revalidator.estimator.StatsSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What estimation costs: the calibration on this machine, then N estimators (default 100,000)
 * whose sources each sum the counters of as many PMDs as a datapath has, estimated on real
 * threads for a while; prints each thread's CPU share (IPVS caps it at 1/8 of a CPU) and the
 * cost per estimator.
 *
 * <pre>ci/bench --main EstimatorLoad [ESTIMATORS] [SECONDS] [PMDS]</pre>
 */
public final class EstimatorLoad {
    private EstimatorLoad() {
    }

    public static void main(final String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        final int pmds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        final Calibration c = Calibration.measure(pmds);
        System.out.printf("calibration: %.0f ns per estimator (%d PMD counter sets), chain length %d%n",
                c.nanosPerEstimator(), pmds, c.chainMax());
        // Counters as PMDs keep them: one array per PMD, one slot per stats object, moving.
        final long[][] perPmd = new long[pmds][n * StatsSource.FIELDS];
        final List<Estimator> all = new ArrayList<>(n);
        try (Estimators est = Estimators.start(EstimatorSettings.DEFAULTS, pmds)) {
            for (int i = 0; i < n; i++) {
                final int base = i * StatsSource.FIELDS;
                final Estimator e = new Estimator("bench" + i, into -> {
                    for (int f = 0; f < StatsSource.FIELDS; f++) {
                        long sum = 0;
                        for (long[] pmd : perPmd) {
                            sum += pmd[base + f];
                        }
                        into[f] = sum;
                    }
                });
                all.add(e);
                est.add(e);
            }
            final Thread traffic = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    for (long[] pmd : perPmd) {
                        for (int i = 0; i < pmd.length; i += StatsSource.FIELDS) {
                            pmd[i + StatsSource.IN_PACKETS] += 3;
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            TimeUnit.SECONDS.sleep(2); // past the first period
            final long[] cpu0 = est.threadCpuNanos();
            final long t0 = System.nanoTime();
            long estimations0 = 0;
            for (Estimator e : all) {
                estimations0 += e.estimations();
            }
            TimeUnit.SECONDS.sleep(seconds);
            final long[] cpu1 = est.threadCpuNanos();
            final long wall = System.nanoTime() - t0;
            long estimations1 = 0;
            for (Estimator e : all) {
                estimations1 += e.estimations();
            }
            traffic.interrupt();
            System.out.printf("%,d estimators on %d thread(s), %d s:%n", n, est.threads(), seconds);
            long cpuTotal = 0;
            for (int t = 0; t < cpu1.length; t++) {
                final long used = cpu1[t] - (t < cpu0.length ? cpu0[t] : 0);
                cpuTotal += used;
                System.out.printf("  estimator%d: %.2f %% of a CPU (cap 12.5 %%)%n", t, 100.0 * used / wall);
            }
            final long done = estimations1 - estimations0;
            System.out.printf("  %,d estimations (%.2f per estimator per 2 s), %.0f ns each on average%n", done,
                    done / (n * (wall / 2e9)), (double) cpuTotal / Math.max(1, done));
            System.out.print(est.show());
        }
    }
}
