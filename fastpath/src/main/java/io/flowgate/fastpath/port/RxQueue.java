package io.flowgate.fastpath.port;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One receive queue of a port: the unit that PMDs poll and that moves between PMDs.
 *
 * <p>Exactly one PMD owns a queue at a time. The owner polls it, counts its packets and the time
 * spent on them, and keeps its in-flight count (packets received from it that wait for the slow
 * path: queued upcalls and packets parked behind them). A queue changes owner only through the
 * PMDs' mailboxes: the old owner stops polling it and reports, through a {@link QueueHandover},
 * when nothing of it is in flight any more; then the new owner adopts it. Each hand-over is a
 * release/acquire pair, so every field below has one writer at a time.
 *
 * <p>Readers (pmd-rxq-show, rebalancing) read the counters with opaque loads and accept values
 * that are slightly stale. The load history ({@link LoadHistory}) goes with the queue when it
 * moves, as OVS keeps its rxqs' cycle history.
 */
public final class RxQueue {
    private static final VarHandle OWNER;
    private static final VarHandle AFFINITY;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(RxQueue.class, "owner", int.class);
            AFFINITY = l.findVarHandle(RxQueue.class, "affinity", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Port port;
    private final int id;
    @SuppressWarnings("unused") // through OWNER
    private int owner = -1;
    @SuppressWarnings("unused") // through AFFINITY
    private int affinity = -1;

    // Written by the owning PMD only.
    private long packets;
    private long busyNanos;
    private int inFlight;
    private final LoadHistory history = new LoadHistory();

    public RxQueue(final Port port, final int id) {
        this.port = port;
        this.id = id;
    }

    public Port port() {
        return port;
    }

    public int id() {
        return id;
    }

    /** "port 1 queue 0", for messages. */
    @Override
    public String toString() {
        return "port " + port.name() + " queue " + id;
    }

    // ---- ownership (any thread reads; the PMDs write as they adopt and hand over) ----

    /** The id of the PMD polling this queue, or -1. */
    public int owner() {
        return (int) OWNER.getAcquire(this);
    }

    public void owner(final int pmdId) {
        OWNER.setRelease(this, pmdId);
    }

    /** The core this queue is pinned to (pmd-rxq-affinity), or -1. */
    public int affinity() {
        return (int) AFFINITY.getAcquire(this);
    }

    public void affinity(final int core) {
        AFFINITY.setRelease(this, core);
    }

    // ---- the owner's counters ----

    /** Counts a received burst (owner). */
    public void received(final int n) {
        packets += n;
    }

    /** Adds processing time (owner). */
    public void busy(final long nanos) {
        busyNanos += nanos;
    }

    /** Packets received so far. */
    public long packets() {
        return packets;
    }

    /** Packets of this queue waiting for the slow path (owner). */
    public int inFlight() {
        return inFlight;
    }

    public void inFlight(final int delta) {
        inFlight += delta;
    }

    /** Closes an interval of {@code lengthNanos} of the owner's time (owner, every few seconds). */
    public void sample(final long lengthNanos) {
        history.sample(busyNanos, lengthNanos);
    }

    /** Busy time over the recorded intervals (the queue's load, for assignment). */
    public long historyBusyNanos() {
        return history.busy(LoadHistory.INTERVALS);
    }

    /** Busy time over the last {@code k} intervals. */
    public long busyNanos(final int k) {
        return history.busy(k);
    }
}
