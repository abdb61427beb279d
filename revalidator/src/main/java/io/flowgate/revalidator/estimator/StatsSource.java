package io.flowgate.revalidator.estimator;

/**
 * Where an estimator reads its counters: the sum, over the PMDs (or whoever counts), of a stats
 * object's totals since it was created, as IPVS's {@code ip_vs_stats} sums its per-CPU counters.
 * Called on estimator threads only; must not allocate (it runs for every estimator every 2 s).
 */
@FunctionalInterface
public interface StatsSource {
    /** Connections scheduled. */
    int CONNS = 0;
    /** Packets towards the backends (or received, for a port). */
    int IN_PACKETS = 1;
    /** Packets back from them (or sent, for a port). */
    int OUT_PACKETS = 2;
    int IN_BYTES = 3;
    int OUT_BYTES = 4;
    int FIELDS = 5;

    /** Writes the current totals into {@code into[0..FIELDS)}. */
    void read(long[] into);
}
