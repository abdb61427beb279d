package io.flowgate.fastpath.megaflow;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.odp.OdpFormat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A datapath flow (megaflow) installed in one PMD: a masked match, its actions, and statistics.
 *
 * <p>Who touches what:
 * <ul>
 * <li>match, mask, ufid, pmd, in_port and receive queue are fixed at creation;</li>
 * <li>actions are an immutable {@link DpActions} swapped atomically by a revalidator
 * ({@link #actions(DpActions)}), read by the PMD with an acquire load;</li>
 * <li>statistics are written only by the owning PMD, with plain arithmetic and one release store
 * of {@code used} per batch; other threads read {@code used} with an acquire load first and
 * accept slightly stale counters;</li>
 * <li>{@code dead} is set (release) before the remove command is sent, so a PMD that still finds
 * the flow in its EMC stops using it at once;</li>
 * <li>{@code removed} is set (release) by the owning PMD when it has taken the flow out of its
 * classifier: from then on its statistics no longer change, so they are final;</li>
 * <li>{@code owner} is the slow path's record of the flow (its ukey), set once before the flow
 * is installed.</li>
 * </ul>
 */
public final class DpFlow {
    private static final VarHandle ACTIONS;
    private static final VarHandle USED;
    private static final VarHandle DEAD;
    private static final VarHandle PACKETS;
    private static final VarHandle BYTES;
    private static final VarHandle TCP_FLAGS;
    private static final VarHandle REMOVED;
    private static final VarHandle OWNER;

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            ACTIONS = l.findVarHandle(DpFlow.class, "actions", DpActions.class);
            USED = l.findVarHandle(DpFlow.class, "usedMillis", long.class);
            DEAD = l.findVarHandle(DpFlow.class, "dead", boolean.class);
            PACKETS = l.findVarHandle(DpFlow.class, "packets", long.class);
            BYTES = l.findVarHandle(DpFlow.class, "bytes", long.class);
            TCP_FLAGS = l.findVarHandle(DpFlow.class, "tcpFlags", int.class);
            REMOVED = l.findVarHandle(DpFlow.class, "removed", boolean.class);
            OWNER = l.findVarHandle(DpFlow.class, "owner", FlowOwner.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] match;
    private final FlowMask mask;
    private final long hash;
    private final long ufidHi;
    private final long ufidLo;
    private final int pmdId;
    private final int inPort;
    private final int rxq;
    private final long createdMillis;
    /** The stats slot its packets also count into (see PmdStats.STATS_SLOTS), or -1; set before install. */
    private int statsSlot = -1;

    @SuppressWarnings("unused") // through ACTIONS
    private DpActions actions;
    @SuppressWarnings("unused") // through DEAD
    private boolean dead;
    @SuppressWarnings("unused") // through REMOVED
    private boolean removed;
    @SuppressWarnings("unused") // through OWNER
    private FlowOwner owner;
    private long packets;
    private long bytes;
    private int tcpFlags;
    @SuppressWarnings("unused") // through USED
    private long usedMillis;
    // The owning PMD's memo of this flow's actions (plain fields, PMD only): the batch it last
    // executed the flow in, the actions it read then, and where it keeps their shared instance
    // (see FlowBatches).
    private long batchStamp;
    private DpActions seenActions;
    private long sharedSlot;
    /** The owning PMD's number for this flow in its signature match cache; -1 while it has none. */
    private int smcNumber = -1;

    /**
     * @param key  any key the megaflow matches (it is masked here)
     * @param mask the megaflow's mask; in_port must be exact
     */
    public DpFlow(final long[] key, final FlowMask mask, final DpActions actions, final int pmdId, final long nowMillis) {
        this(key, mask, actions, pmdId, 0, nowMillis);
    }

    /**
     * @param rxq the receive queue (of in_port) whose packet made the flow: where its traffic
     *            comes from, so that a queue moving to another PMD takes the right flows along
     */
    public DpFlow(final long[] key, final FlowMask mask, final DpActions actions, final int pmdId, final int rxq,
                  final long nowMillis) {
        this.rxq = rxq;
        this.mask = mask;
        this.match = new long[FlowKey.WORDS];
        mask.apply(key, 0, match);
        this.hash = mask.hash(match, 0);
        this.ufidHi = Ufid.hi(match, mask);
        this.ufidLo = Ufid.lo(match, mask);
        this.pmdId = pmdId;
        this.inPort = FlowKey.inPort(match, 0);
        this.createdMillis = nowMillis;
        ACTIONS.setRelease(this, actions);
    }

    /**
     * Where the PMD also counts this flow's packets and bytes (a select group bucket's
     * direction), or -1. Set by the slow path before the flow is installed (the install command
     * publishes it).
     */
    public int statsSlot() {
        return statsSlot;
    }

    public DpFlow statsSlot(final int slot) {
        this.statsSlot = slot;
        return this;
    }

    /** The masked match; do not modify. */
    public long[] match() {
        return match;
    }

    public FlowMask mask() {
        return mask;
    }

    /** Hash of the match under the mask (what the dpcls subtable files it under). */
    public long hash() {
        return hash;
    }

    public long ufidHi() {
        return ufidHi;
    }

    public long ufidLo() {
        return ufidLo;
    }

    /** The flow id OVS prints: 32 hex digits in 8-4-4-4-12 groups. */
    public String ufidString() {
        return Ufid.format(ufidHi, ufidLo);
    }

    public int pmdId() {
        return pmdId;
    }

    public int inPort() {
        return inPort;
    }

    /** The receive queue of {@link #inPort()} whose packet made this flow. */
    public int rxq() {
        return rxq;
    }

    public long createdMillis() {
        return createdMillis;
    }

    /** True if {@code key} matches this megaflow. */
    public boolean matches(final long[] key, final int offset) {
        return mask.matches(key, offset, match);
    }

    /** The current actions (acquire). */
    public DpActions actions() {
        return (DpActions) ACTIONS.getAcquire(this);
    }

    /** Replaces the actions atomically (revalidator). */
    public void actions(final DpActions newActions) {
        ACTIONS.setRelease(this, newActions);
    }

    public boolean isDead() {
        return (boolean) DEAD.getAcquire(this);
    }

    /**
     * {@link #isDead} as the owning PMD's lookups read it: a plain read. After an acquire read
     * the JIT must read every field again (the lookup loops read their tables' arrays anew for
     * each key); a flow marked dead meanwhile is seen by the next batch at the latest, since each
     * batch begins with a call into the driver that no read is moved across. OVS's PMDs read
     * their flows' dead flag relaxed, for the same reason.
     */
    public boolean deadForLookup() {
        return dead;
    }

    /** Marks the flow dead; PMDs stop using it by their next batch ({@link #deadForLookup}). */
    public void markDead() {
        DEAD.setRelease(this, true);
    }

    /**
     * Marks the flow out of its PMD for good, its stats final: by the owning PMD once the flow is
     * out of its classifier, or by whoever knows no PMD has it (a set-up undone before it was
     * sent, a removal for a PMD that is gone).
     */
    public void markRemoved() {
        REMOVED.setRelease(this, true);
    }

    /** True once the owning PMD has removed the flow (acquire: the stats read after are final). */
    public boolean isRemoved() {
        return (boolean) REMOVED.getAcquire(this);
    }

    /** The slow path's record of this flow, or null. */
    public FlowOwner owner() {
        return (FlowOwner) OWNER.getAcquire(this);
    }

    /** Sets the slow path's record (once, before installing). */
    public void owner(final FlowOwner record) {
        OWNER.setRelease(this, record);
    }

    /** The batch the owning PMD last executed this flow in (its own count; plain field). */
    public long batchStamp() {
        return batchStamp;
    }

    /** The actions the owning PMD read in that batch. */
    public DpActions seenActions() {
        return seenActions;
    }

    /** Where the owning PMD keeps its one instance of actions equal to {@link #seenActions()} (its own number). */
    public long sharedSlot() {
        return sharedSlot;
    }

    /** The owning PMD read {@code seen} (shared in {@code slot}) in batch {@code stamp}. */
    public void batchMemo(final long stamp, final DpActions seen, final long slot) {
        this.batchStamp = stamp;
        this.seenActions = seen;
        this.sharedSlot = slot;
    }

    /** The owning PMD executes the flow in batch {@code stamp}. */
    public void batchStamp(final long stamp) {
        this.batchStamp = stamp;
    }

    /** The flow's number in its PMD's signature match cache, or -1 (owning PMD only). */
    public int smcNumber() {
        return smcNumber;
    }

    public void smcNumber(final int number) {
        this.smcNumber = number;
    }

    /**
     * Adds a batch's worth of traffic (owning PMD only). Plain arithmetic on the PMD's own
     * fields, published by the release store of the last-used time.
     */
    public void hit(final int packetCount, final long byteCount, final int flags, final long nowMillis) {
        PACKETS.setOpaque(this, packets + packetCount);
        BYTES.setOpaque(this, bytes + byteCount);
        if (flags != 0) {
            TCP_FLAGS.setOpaque(this, tcpFlags | flags);
        }
        USED.setRelease(this, nowMillis);
    }

    /** Wall-clock milliseconds of the last packet, or 0 (acquire; read it before the counters). */
    public long usedMillis() {
        return (long) USED.getAcquire(this);
    }

    public long packets() {
        return (long) PACKETS.getOpaque(this);
    }

    public long bytes() {
        return (long) BYTES.getOpaque(this);
    }

    /** TCP flags seen on the flow's packets (OR of them). */
    public int tcpFlags() {
        return (int) TCP_FLAGS.getOpaque(this);
    }

    /** The flow as a dpctl/dump-flows line shows it, in the datapath's own (ODP) syntax. */
    @Override
    public String toString() {
        return "ufid:" + ufidString() + " " + OdpFormat.key(match, mask.words(), false, null) + " actions:" + actions();
    }
}
