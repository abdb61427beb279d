package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DropReason;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A PMD's counters: plain {@code long}s written only by the PMD thread, made visible to readers
 * by one release store per loop iteration ({@link #publish}). Readers take a {@link #snapshot()}
 * (acquire) and accept values that are slightly stale. Per-port received/sent counts sit beside
 * the PMD counters, indexed by the PMD's port slot.
 */
public final class PmdStats {
    private static final VarHandle EPOCH;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final PmdCounter[] COUNTERS = PmdCounter.values();

    static {
        try {
            EPOCH = MethodHandles.lookup().findVarHandle(PmdStats.class, "epoch", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Stats slots a flow can count into besides its own counters (a select group's bucket, one
     * direction): {@link io.flowgate.fastpath.megaflow.DpFlow#statsSlot()}. Slots beyond this many
     * are not counted.
     */
    public static final int STATS_SLOTS = 4096;

    final long[] counts = new long[COUNTERS.length];
    /** Per stats slot, packets at [2 * slot] and bytes beside them: one cache line per count. */
    final long[] slotCounts = new long[2 * STATS_SLOTS];
    long[] portRx;
    long[] portTx;
    long[] portRxBytes;
    long[] portTxBytes;
    /** Received packets dropped as unparsable or for want of upcall room, by input port. */
    long[] portRxDropped;
    /** Packets a port's device refused to send, by output port. */
    long[] portTxDropped;
    private long[] baseline = new long[COUNTERS.length];
    private volatile long clearedAt = System.nanoTime();
    @SuppressWarnings("unused") // through EPOCH
    private long epoch;

    PmdStats(final int ports) {
        portRx = new long[ports];
        portTx = new long[ports];
        portRxBytes = new long[ports];
        portTxBytes = new long[ports];
        portRxDropped = new long[ports];
        portTxDropped = new long[ports];
    }

    /** The index of the counter a drop reason counts into, in {@link #counts}. */
    static int index(final DropReason reason) {
        return PmdCounter.of(reason).ordinal();
    }

    /** Counts a received burst on the port in {@code slot} (-1: none), PMD thread. */
    void received(final int slot, final int packets, final long bytes) {
        if (slot >= 0) {
            portRx[slot] += packets;
            portRxBytes[slot] += bytes;
        }
    }

    /** Counts packets into a stats slot (-1: none), PMD thread. */
    void counted(final int slot, final int packets, final long bytes) {
        if (slot >= 0 && slot < STATS_SLOTS) {
            final long[] c = slotCounts;
            c[2 * slot] += packets;
            c[2 * slot + 1] += bytes;
        }
    }

    /** Port counters, by what they count (any thread, no allocation: estimators read them). */
    public enum PortField { RX_PACKETS, TX_PACKETS, RX_BYTES, TX_BYTES, RX_DROPPED, TX_DROPPED }

    /** One port counter of the port in {@code slot} (opaque: at most an iteration stale). */
    public long port(final PortField field, final int slot) {
        final long[] a = switch (field) {
            case RX_PACKETS -> portRx;
            case TX_PACKETS -> portTx;
            case RX_BYTES -> portRxBytes;
            case TX_BYTES -> portTxBytes;
            case RX_DROPPED -> portRxDropped;
            case TX_DROPPED -> portTxDropped;
        };
        return slot < a.length ? (long) LONGS.getOpaque(a, slot) : 0;
    }

    /** Packets (or bytes) counted into stats slot {@code slot} (opaque, any thread, no allocation). */
    public long slot(final int slot, final boolean bytes) {
        return slot >= 0 && slot < STATS_SLOTS ? (long) LONGS.getOpaque(slotCounts, 2 * slot + (bytes ? 1 : 0)) : 0;
    }

    /** Publishes everything written so far (PMD thread, once per iteration). */
    void publish() {
        EPOCH.setRelease(this, (long) EPOCH.getOpaque(this) + 1);
    }

    /**
     * Iterations the PMD has finished (acquire): once this has moved on by two from a value read
     * after some change was published, every upcall or send the PMD started before the change has
     * completed.
     */
    public long iterations() {
        return (long) EPOCH.getAcquire(this);
    }

    /** A consistent-enough copy of the counters, relative to the last {@link #clear} (any thread). */
    public Snapshot snapshot() {
        EPOCH.getAcquire(this);
        final long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = (long) LONGS.getOpaque(counts, i) - baseline[i];
        }
        final long[] rx = portRx;
        final long[] tx = portTx;
        final long[] prx = new long[rx.length];
        final long[] ptx = new long[tx.length];
        final long[] brx = new long[rx.length];
        final long[] btx = new long[tx.length];
        final long[] drx = new long[rx.length];
        final long[] dtx = new long[tx.length];
        for (int i = 0; i < rx.length; i++) {
            prx[i] = (long) LONGS.getOpaque(rx, i);
            ptx[i] = (long) LONGS.getOpaque(tx, i);
            brx[i] = (long) LONGS.getOpaque(portRxBytes, i);
            btx[i] = (long) LONGS.getOpaque(portTxBytes, i);
            drx[i] = (long) LONGS.getOpaque(portRxDropped, i);
            dtx[i] = (long) LONGS.getOpaque(portTxDropped, i);
        }
        return new Snapshot(c, prx, ptx, brx, btx, drx, dtx);
    }

    /** Starts counting afresh (pmd-stats-clear): later snapshots are relative to now (any thread). */
    public synchronized void clear() {
        final long[] b = new long[counts.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (long) LONGS.getOpaque(counts, i);
        }
        baseline = b;
        clearedAt = System.nanoTime();
    }

    /** {@link System#nanoTime()} when counting started or was last cleared (pmd-perf-show's measurement start). */
    public long clearedAt() {
        return clearedAt;
    }

    /** An immutable copy of a PMD's counters, or the sum of several PMDs' ({@link #sum}). */
    public record Snapshot(long[] counts, long[] portRx, long[] portTx, long[] portRxBytes, long[] portTxBytes,
                           long[] portRxDropped, long[] portTxDropped) {
        /**
         * The counters of {@code snapshots} added up, per counter and per port (a datapath's
         * totals, its retired PMDs included), over {@code ports} port slots.
         */
        public static Snapshot sum(final Iterable<Snapshot> snapshots, final int ports) {
            final Snapshot t = new Snapshot(new long[COUNTERS.length], new long[ports], new long[ports],
                    new long[ports], new long[ports], new long[ports], new long[ports]);
            for (Snapshot s : snapshots) {
                add(t.counts, s.counts);
                add(t.portRx, s.portRx);
                add(t.portTx, s.portTx);
                add(t.portRxBytes, s.portRxBytes);
                add(t.portTxBytes, s.portTxBytes);
                add(t.portRxDropped, s.portRxDropped);
                add(t.portTxDropped, s.portTxDropped);
            }
            return t;
        }

        private static void add(final long[] into, final long[] from) {
            for (int i = 0; i < Math.min(into.length, from.length); i++) {
                into[i] += from[i];
            }
        }

        public long get(final PmdCounter c) {
            return counts[c.ordinal()];
        }

        /** Packets dropped, for any reason. */
        public long drops() {
            long d = 0;
            for (DropReason r : DropReason.values()) {
                d += drops(r);
            }
            return d;
        }

        public long drops(final DropReason r) {
            return get(PmdCounter.of(r));
        }

        @Override
        public String toString() {
            return "PmdStats" + Arrays.toString(counts);
        }
    }
}
