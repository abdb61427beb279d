package io.flowgate.slowpath.ukey;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowOwner;
import io.flowgate.slowpath.xlate.XlateResult;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The slow path's record of one installed megaflow (a "ukey", as OVS calls it): the flow, the
 * packet key it was translated from, the translation (rules whose statistics the flow's traffic
 * belongs to, pipeline version), the statistics already pushed to those rules, the dump round it
 * was last seen in, a state and a lock.
 *
 * <p>The lock is a try-lock: a thread that finds a ukey locked skips it (someone is installing,
 * revalidating or removing it). Fields marked "under the lock" are read and written only by the
 * lock holder. The state moves only forward through {@link #transition}; the thread and call
 * site of the last transition are kept for debugging.
 */
public final class Ukey implements FlowOwner {
    private static final VarHandle STATE;
    private static final VarHandle OWNER;
    private static final UkeyState[] STATES = UkeyState.values();
    /** Walks only as deep as the transition's caller. */
    private static final StackWalker WALKER = StackWalker.getInstance(java.util.Set.of(), 4);

    static {
        try {
            final MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Ukey.class, "state", int.class);
            OWNER = l.findVarHandle(Ukey.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final UkeyId id;
    private final DpFlow flow;
    private final long[] key;
    private final UkeyCounters counters;

    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    @SuppressWarnings("unused") // through OWNER
    private volatile Thread owner;
    // The last transition, kept unformatted (formatting costs more than the walk).
    private volatile UkeyState lastState = UkeyState.CREATED;
    private volatile Thread lastThread = Thread.currentThread();
    private volatile StackWalker.StackFrame lastSite;

    // Under the lock (dumpSeq is also read without it by the sweep, as a hint).
    private XlateResult xlate;
    private long pushedPackets;
    private long pushedBytes;
    private volatile long dumpSeq;
    private int missedDumps;

    /**
     * A new ukey in state CREATED, locked by the calling thread.
     *
     * @param key the key of the packet that missed (what revalidation translates again)
     */
    public Ukey(final DpFlow flow, final long[] key, final XlateResult xlate, final UkeyCounters counters) {
        this.id = new UkeyId(flow.ufidHi(), flow.ufidLo(), flow.pmdId());
        this.flow = flow;
        this.key = key.clone();
        this.xlate = xlate;
        this.counters = counters;
        OWNER.setRelease(this, Thread.currentThread());
        counters.created.increment();
        flow.owner(this);
    }

    public UkeyId id() {
        return id;
    }

    public DpFlow flow() {
        return flow;
    }

    /** The translated packet's key (do not modify). */
    @Override
    public long[] key() {
        return key;
    }

    // ---- lock ----

    /** Takes the lock if nobody holds it. Not reentrant. */
    public boolean tryLock() {
        return OWNER.compareAndSet(this, null, Thread.currentThread());
    }

    /** Releases the lock; only its holder may. */
    public void unlock() {
        if (!OWNER.compareAndSet(this, Thread.currentThread(), null)) {
            throw new IllegalStateException("ukey " + id + " unlocked by " + Thread.currentThread().getName()
                    + ", which does not hold it (holder: " + owner + ")");
        }
    }

    public boolean isLocked() {
        return OWNER.getAcquire(this) != null;
    }

    public boolean heldByCurrentThread() {
        return OWNER.getAcquire(this) == Thread.currentThread();
    }

    // ---- state ----

    public UkeyState state() {
        return STATES[(int) STATE.getAcquire(this)];
    }

    /**
     * Moves the state forward to {@code to}. Exactly one caller wins a move: the others find the
     * state already there and get false (the loser of a sweep/replace race does nothing).
     *
     * @return true if this call made the move
     * @throws IllegalStateException if the state is already past {@code to} (counted)
     */
    public boolean transition(final UkeyState to) {
        while (true) {
            final int cur = (int) STATE.getAcquire(this);
            if (cur == to.ordinal()) {
                return false;
            }
            if (cur > to.ordinal()) {
                counters.backward.increment();
                throw new IllegalStateException("ukey " + id + ": backward transition " + STATES[cur] + " -> " + to
                        + " by " + Thread.currentThread().getName() + " at " + callSite() + "; last: " + lastTransition());
            }
            if (STATE.compareAndSet(this, cur, to.ordinal())) {
                lastSite = callSite();
                lastThread = Thread.currentThread();
                lastState = to;
                if (to == UkeyState.DELETED) {
                    counters.finished.increment();
                }
                return true;
            }
        }
    }

    private static StackWalker.StackFrame callSite() {
        return WALKER.walk(frames -> frames.skip(2).findFirst().orElse(null));
    }

    /** The last transition: state, thread and call site, e.g. "REMOVED by revalidator0 at ...". */
    public String lastTransition() {
        final StackWalker.StackFrame site = lastSite;
        return lastState + " by " + lastThread.getName() + (site == null ? "" : " at " + site);
    }

    // ---- translation and statistics (under the lock) ----

    public XlateResult xlate() {
        return xlate;
    }

    public void xlate(final XlateResult result) {
        this.xlate = result;
    }

    public long dumpSeq() {
        return dumpSeq;
    }

    public void dumpSeq(final long seq) {
        this.dumpSeq = seq;
        this.missedDumps = 0;
    }

    /** Counts a dump that did not see the flow; returns how many in a row. */
    public int missedDump() {
        return ++missedDumps;
    }

    /**
     * Pushes what the flow's statistics gained since the last push to the rules, tables and groups of its
     * translation (exactly once: the pushed totals move with them). Under the lock.
     *
     * @return the packets pushed
     */
    public long pushStats() {
        final long used = flow.usedMillis();   // acquire first: the counters read after are at least as new
        final long packets = flow.packets();
        final long bytes = flow.bytes();
        final long dp = packets - pushedPackets;
        if (dp == 0) {
            return 0;
        }
        xlate.credit(dp, bytes - pushedBytes, used);
        pushedPackets = packets;
        pushedBytes = bytes;
        return dp;
    }

    /** Takes over what a replaced ukey saw: its dump round (so a dump is not counted twice). */
    public void inherit(final Ukey old) {
        this.dumpSeq = old.dumpSeq;
    }

    @Override
    public String toString() {
        return "ukey " + flow.ufidString() + " pmd " + id.pmdId() + " " + state() + " (" + lastTransition() + ")";
    }
}
