package io.flowgate.revalidator.estimator;

import java.util.BitSet;

/**
 * How estimator threads run (IPVS's {@code est_cpulist}, {@code est_nice} and
 * {@code run_estimation}).
 *
 * @param cpus the CPUs estimator threads may run on, or null for any; also sets the most
 *             threads (4 per CPU, as IPVS)
 * @param nice the threads' nice value, or null to leave it as inherited
 * @param run  false stops estimating (rates stay as they were); the threads keep their ticks
 */
public record EstimatorSettings(BitSet cpus, Integer nice, boolean run) {
    public static final EstimatorSettings DEFAULTS = new EstimatorSettings(null, null, true);

    public EstimatorSettings {
        cpus = cpus == null ? null : (BitSet) cpus.clone();
        if (cpus != null && cpus.isEmpty()) {
            throw new IllegalArgumentException("estimator-cpus is empty");
        }
        if (nice != null && (nice < -20 || nice > 19)) {
            throw new IllegalArgumentException("estimator-nice " + nice + " is outside -20..19");
        }
    }

    @Override
    public BitSet cpus() {
        return cpus == null ? null : (BitSet) cpus.clone();
    }

    /** IPVS's est_max_threads: 4 per CPU in the list (of the machine, without one). */
    public int maxThreads() {
        final int n = cpus == null ? Runtime.getRuntime().availableProcessors() : cpus.cardinality();
        return Math.max(1, 4 * n);
    }

    public EstimatorSettings withCpus(final BitSet set) {
        return new EstimatorSettings(set, nice, run);
    }

    public EstimatorSettings withNice(final Integer n) {
        return new EstimatorSettings(cpus, n, run);
    }

    public EstimatorSettings withRun(final boolean on) {
        return new EstimatorSettings(cpus, nice, on);
    }
}
