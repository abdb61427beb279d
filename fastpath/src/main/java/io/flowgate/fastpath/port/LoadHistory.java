package io.flowgate.fastpath.port;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * How busy something polled by a PMD was over the last {@value #INTERVALS} intervals of about
 * {@value #INTERVAL_MILLIS} ms (OVS keeps a minute of history per PMD and per rx queue the same
 * way): per interval, the busy time and the interval's length. Written by one PMD thread at a
 * time ({@link #sample}); read by any thread with opaque loads.
 */
public final class LoadHistory {
    public static final int INTERVALS = 12;
    public static final long INTERVAL_MILLIS = 5_000;
    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] busy = new long[INTERVALS];
    private final long[] length = new long[INTERVALS];
    private long sampledBusy;
    private int next;

    /**
     * Closes an interval (owner): {@code busyTotal} is the busy time counted so far, of which what
     * came since the last sample belongs to this interval of {@code lengthNanos}.
     */
    public void sample(final long busyTotal, final long lengthNanos) {
        final int i = next;
        LONG.setOpaque(busy, i, busyTotal - sampledBusy);
        LONG.setOpaque(length, i, lengthNanos);
        sampledBusy = busyTotal;
        next = i + 1 == INTERVALS ? 0 : i + 1;
    }

    /** Busy time over the last {@code k} intervals (all of them when k is out of range). */
    public long busy(final int k) {
        return sum(busy, k);
    }

    /** Length of the last {@code k} intervals: 0 before the first one ended. */
    public long length(final int k) {
        return sum(length, k);
    }

    private long sum(final long[] a, final int k) {
        final int n = k <= 0 || k > INTERVALS ? INTERVALS : k;
        long s = 0;
        int i = next;
        for (int j = 0; j < n; j++) {
            i = i == 0 ? INTERVALS - 1 : i - 1;
            s += (long) LONG.getOpaque(a, i);
        }
        return s;
    }
}
