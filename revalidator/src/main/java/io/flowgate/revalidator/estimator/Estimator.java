package io.flowgate.revalidator.estimator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The rate estimate of one stats object (a port, a select group, a bucket, the datapath), kept as
 * IPVS keeps it: every 2 s the growth of each counter since the last estimation is scaled (by 2^9
 * for connections and packets, i.e. 2^10 per second over 2 s; by 2^4 for bytes) and folded into a
 * running average with weight 1/4 ({@code avg += (rate - avg) >> 2}), in integers.
 *
 * <p>Written by the one estimator thread whose chain holds it; read by anyone (opaque reads of
 * single longs: a reader may see one field one period older than another, as with IPVS's
 * unlocked reads).
 */
public final class Estimator {
    private static final VarHandle AVG = MethodHandles.arrayElementVarHandle(long[].class);

    private final String name;
    private final StatsSource source;
    /** The counters at the last estimation (estimator thread). */
    private final long[] last = new long[StatsSource.FIELDS];
    /** The scaled averages: cps, inpps, outpps (2^10), inbps, outbps (2^5). */
    private final long[] avg = new long[StatsSource.FIELDS];
    // Placement, under its thread's chains' lock.
    Chains chains;
    int row = -1;
    int chain = -1;
    /** Times estimated, and the period of the last one (tests check "once per period"). */
    private volatile long estimations;
    private volatile long lastPeriod = -1;

    public Estimator(final String name, final StatsSource source) {
        this.name = name;
        this.source = source;
    }

    public String name() {
        return name;
    }

    /** Starts from the counters as they are now (IPVS's zeroed estimator): rates 0, no spike. */
    void start(final long[] scratch) {
        source.read(scratch);
        System.arraycopy(scratch, 0, last, 0, StatsSource.FIELDS);
        for (int i = 0; i < StatsSource.FIELDS; i++) {
            AVG.setOpaque(avg, i, 0L);
        }
    }

    /** One estimation (the estimator thread, every 2 s). */
    void estimate(final long[] scratch, final long period) {
        source.read(scratch);
        for (int i = 0; i < StatsSource.FIELDS; i++) {
            final long n = scratch[i];
            final long rate = (n - last[i]) << (i >= StatsSource.IN_BYTES ? 4 : 9);
            last[i] = n;
            final long a = (long) AVG.getOpaque(avg, i);
            AVG.setOpaque(avg, i, a + ((rate - a) >> 2));
        }
        lastPeriod = period;
        estimations = estimations + 1;
    }

    /** The scaled average of field {@code i} (tests compare it with the formula). */
    public long scaled(final int field) {
        return (long) AVG.getOpaque(avg, field);
    }

    public Rates rates() {
        return new Rates(Rates.perSecond(scaled(StatsSource.CONNS)), Rates.perSecond(scaled(StatsSource.IN_PACKETS)),
                Rates.perSecond(scaled(StatsSource.OUT_PACKETS)), Rates.bytesPerSecond(scaled(StatsSource.IN_BYTES)),
                Rates.bytesPerSecond(scaled(StatsSource.OUT_BYTES)));
    }

    public long estimations() {
        return estimations;
    }

    /** The estimation period (2 s, counted by its thread) of the last estimation, or -1. */
    public long lastPeriod() {
        return lastPeriod;
    }

    /** Placed anew in other chains (recalibration): their periods are counted afresh. */
    void replaced() {
        lastPeriod = -1;
    }

    /** True while it sits in some thread's chain (a racy read). */
    public boolean placed() {
        return row >= 0;
    }

    @Override
    public String toString() {
        return "estimator " + name;
    }
}
