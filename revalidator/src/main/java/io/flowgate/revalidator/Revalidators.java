package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.xlate.Xlate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;


/**
 * The revalidators of a datapath and their rounds (DESIGN.md §7). The leader starts a round every
 * min(max-idle, 500 ms), or at once when the rules change or a purge or wait is asked for. All
 * revalidators then dump: they take batches of 50 flows, skip ukeys that are locked or already
 * seen this round, push statistics deltas to the rules, and delete flows that are idle, that a
 * rule change made wrong, or that the flow limit no longer allows (flows whose actions changed
 * get the new ones in place). After a barrier each sweeps its own shards of the ukey map: it
 * finishes REMOVED ukeys and deletes ukeys that were missing from 4 dumps in a row. After a second
 * barrier the leader moves the dynamic flow limit and expires rules whose idle or hard timeout
 * has passed (a rule change, so the next round starts at once).
 *
 * <p>How many revalidators take part is fixed per round ({@link Round#revalidators()}): a change
 * ({@link #resize}) is applied by the leader between rounds, so no round ever loses a participant
 * and no flow is purged by it. Each step ({@link #dumpBatch}, {@link #sweepShard}) is a bounded
 * piece of work for one {@link Revalidator} duty cycle; the synchronous {@link #dump} and
 * {@link #sweep} run whole phases, for tests that step everything on one thread.
 *
 * <p>What a round decides for each flow and ukey is {@link UkeyRevalidation}'s; rule timeouts are
 * {@link RuleExpiry}'s; deleting flows at once outside the rounds is {@link FlowFlush}'s. One file
 * above 400 lines because what is left is one thing: the rounds, whose leader-only state (sequence,
 * pacing, resize, waiters, round statistics) every method here reads or moves.
 */
public final class Revalidators implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("revalidator");
    /** A round longer than this is logged (OVS's threshold; the flow limit is cut then too). */
    static final long SLOW_ROUND_MILLIS = 2000;
    private volatile RevalidatorSettings settings;
    private final Udpif udpif;
    private final UkeyMap ukeys;
    private final FlowRegistry registry;
    private final RulePipeline pipeline;
    private final Xlate xlate;
    private final LoadBalancer loadBalancer;
    private final FlowLimit flowLimit;
    private final Pmds pmds;
    private volatile Revalidator[] agents;
    /** Revalidators asked for; the leader makes it {@link #active} between rounds. */
    private volatile int requested;
    private volatile int active;
    private volatile boolean running = true;

    // Round state: written by the leader, read by all after the volatile publish of `current`.
    private volatile Round current;
    private long seq;
    private long lastVersion = -1;
    private long nextRoundMillis;
    private volatile boolean purgeRequested;
    private volatile boolean paused;
    private final List<CompletableFuture<Long>> waiters = new ArrayList<>();

    // Statistics for upcall/show.
    private volatile long lastDurationMillis;
    /** Leader only: the emergency deletion of every flow was logged and is still going on. */
    private boolean emergencyLogged;
    private volatile long flowsAvg;
    private volatile long flowsMax;
    private final AtomicLong completedRounds = new AtomicLong();
    private final Tally tally = new Tally();
    private final UkeyRevalidation review;
    private final RuleExpiry expiry;
    private final FlowFlush flusher;

    public Revalidators(final RevalidatorSettings settings, final Udpif udpif, final Pmds pmds) {
        this.settings = settings;
        this.udpif = udpif;
        this.ukeys = udpif.ukeys();
        this.registry = udpif.registry();
        this.pipeline = udpif.pipeline();
        this.xlate = udpif.xlate();
        this.loadBalancer = udpif.loadBalancer();
        this.flowLimit = udpif.flowLimit();
        this.pmds = pmds;
        this.review = new UkeyRevalidation(this, xlate, loadBalancer, ukeys, tally);
        this.expiry = new RuleExpiry(pipeline, tally);
        this.flusher = new FlowFlush(this, tally);
        final Revalidator[] a = new Revalidator[settings.revalidators()];
        for (int i = 0; i < a.length; i++) {
            a[i] = new Revalidator(i, this);
        }
        this.agents = a;
        this.requested = a.length;
        this.active = a.length;
    }

    public RevalidatorSettings settings() {
        return settings;
    }

    /** The revalidator agents, leader first, for the caller to run on threads. */
    public Revalidator[] agents() {
        return agents.clone();
    }

    /** An outbox for one revalidator's commands to the PMDs. */
    Outbox outbox() {
        return new Outbox(pmds);
    }

    /** Revalidators taking part in rounds now. */
    public int active() {
        return active;
    }

    /**
     * Asks for {@code n} revalidators (n-revalidator-threads) from the next round on. Returns the
     * agents to start (when there are more); {@link #awaitResized} tells when the leader has
     * applied it, after which the agents beyond {@code n} take part in no round and can stop.
     */
    public synchronized List<Revalidator> resize(final int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n-revalidator-threads must be at least 1, not " + n);
        }
        final Revalidator[] old = agents;
        final List<Revalidator> added = new ArrayList<>();
        if (n > old.length) {
            final Revalidator[] grown = Arrays.copyOf(old, n);
            for (int i = old.length; i < n; i++) {
                grown[i] = new Revalidator(i, this);
                added.add(grown[i]);
            }
            agents = grown;
        }
        requested = n;
        return added;
    }

    /**
     * Waits until the leader has applied the last {@link #resize} (between two rounds) and returns
     * the agents that no longer take part, which the caller stops.
     */
    public synchronized List<Revalidator> awaitResized(final long timeout, final TimeUnit unit)
            throws InterruptedException, TimeoutException {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (active != requested) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the revalidator leader did not reach the end of its round");
            }
            wait(1);
        }
        final Revalidator[] a = agents;
        if (a.length > active) {
            agents = Arrays.copyOf(a, active);
            return List.of(Arrays.copyOfRange(a, active, a.length));
        }
        return List.of();
    }

    /** Changes max-idle from the next round on. */
    public void maxIdle(final long millis) {
        settings = settings.withMaxIdle(millis);
    }

    public FlowLimit flowLimit() {
        return flowLimit;
    }

    // ---- what agents run ----

    /** Leader, between rounds: takes part in the next rounds with as many revalidators as asked for. */
    void applyResize() {
        final int n = requested;
        if (n != active) {
            LOG.log(System.Logger.Level.INFO, "revalidators: " + active + " -> " + n + " from the next round on");
            active = n;
        }
    }

    /** Leader: starts a round if one is due; returns it, or null. */
    Round maybeStartRound(final long now) {
        applyResize();
        if (paused) {
            return null;
        }
        final boolean purge = purgeRequested;
        final boolean waiting;
        synchronized (waiters) {
            waiting = !waiters.isEmpty();
        }
        if (now < nextRoundMillis && pipeline.current().version() == lastVersion && !purge && !waiting) {
            return null;
        }
        return startRound(now);
    }

    /** Leader: starts a round now (tests call it directly). */
    public Round startRound(final long now) {
        final boolean purge = purgeRequested;
        purgeRequested = false;
        final PipelineVersion version = pipeline.current();
        lastVersion = version.version();
        final DpFlow[] flows = registry.view().toArray(new DpFlow[0]);
        final int limit = flowLimit.limit();
        final boolean overLimit = flows.length > limit;
        final int n = active;
        final boolean emergency = !purge && flows.length > 2L * limit;
        if (emergency && !emergencyLogged) {
            LOG.log(System.Logger.Level.WARNING, "Number of datapath flows (" + flows.length + ") twice as high as"
                    + " current dynamic flow limit (" + 2L * limit + ").  Starting to delete flows unconditionally"
                    + " as an emergency measure.");
        }
        emergencyLogged = emergency; // once per episode, not every round of it
        if (overLimit) {
            tally.overLimitRounds.increment();
        }
        final Round r = new Round(++seq, flows, new AtomicInteger(0), version, now,
                overLimit ? RevalidatorSettings.OVER_LIMIT_IDLE_MILLIS : settings.maxIdleMillis(),
                purge || flows.length > 2L * limit,
                lastDurationMillis < RevalidatorSettings.MAX_REVALIDATOR_MILLIS / 2, n, new Phaser(n));
        current = r;
        return r;
    }

    Round current() {
        return current;
    }

    Udpif udpif() {
        return udpif;
    }

    FlowRegistry registry() {
        return registry;
    }

    Pmds pmds() {
        return pmds;
    }

    boolean running() {
        return running;
    }

    // ---- phase 1: dump ----

    /**
     * Revalidates the batch of the round's flows that starts at {@code at}; the flows to delete
     * are returned as a started removal (or null when there are none).
     */
    FlowRemoval dumpBatch(final int revalidator, final Round r, final int at, final Outbox outbox) {
        return started(review.dumpBatch(revalidator, r, at), outbox);
    }

    private FlowRemoval started(final FlowRemoval removal, final Outbox outbox) {
        if (removal.isEmpty()) {
            return null;
        }
        removal.start(pmds, outbox);
        return removal;
    }

    /**
     * Completes a started removal if the PMDs have acknowledged it. A failure on the way is
     * counted; the removal is complete all the same (every ukey in it was unlocked).
     */
    boolean complete(final FlowRemoval removal) {
        try {
            return removal.tryComplete(registry, ukeys);
        } catch (RuntimeException e) {
            tally.errors.increment();
            LOG.log(System.Logger.Level.ERROR, "revalidator: completing a flow removal", e);
            return true;
        }
    }

    /** The whole dump phase on the calling thread, stepping {@code step} (the PMDs) while removals wait. */
    public void dump(final int revalidator, final Round r, final Runnable step) {
        final Outbox outbox = new Outbox(pmds);
        for (int at = r.nextBatch(); at >= 0; at = r.nextBatch()) {
            finish(dumpBatch(revalidator, r, at, outbox), outbox, step);
        }
    }

    private void finish(final FlowRemoval removal, final Outbox outbox, final Runnable step) {
        while (removal != null && !complete(removal)) {
            outbox.flush();
            step.run();
        }
    }

    // ---- phase 2: sweep ----

    /**
     * Sweeps one shard of the ukey map: finishes REMOVED ukeys and deletes stale ones (returned as
     * a started removal that finishes them when it completes, or null).
     */
    FlowRemoval sweepShard(final int revalidator, final Round r, final int shard, final Outbox outbox) {
        return started(review.sweepShard(revalidator, r, shard), outbox);
    }

    /** The whole sweep of this revalidator's shards (shard % revalidators == id) on the calling thread. */
    public void sweep(final int revalidator, final Round r, final Runnable step) {
        final Outbox outbox = new Outbox(pmds);
        for (int shard = revalidator; shard < ukeys.shardCount(); shard += r.revalidators()) {
            finish(sweepShard(revalidator, r, shard, outbox), outbox, step);
        }
    }

    int shardCount() {
        return ukeys.shardCount();
    }

    // ---- phase 3: the leader closes the round ----

    /**
     * Leader: records the round's duration, moves the flow limit, expires rules and idle
     * connections, wakes waiters. A failure in one of those is counted and logged; the round
     * still ends, so that no exception stops later rounds.
     */
    public void finishRound(final Round r) {
        final long end = System.currentTimeMillis();
        final long duration = Math.max(0, end - r.startMillis());
        lastDurationMillis = duration;
        final long flows = r.flows().length;
        flowsAvg = (flowsAvg + flows) / 2;
        flowsMax = Math.max(flowsMax, flows);
        guarded("adjusting the flow limit", () -> flowLimit.adjust(duration, flows));
        if (duration > SLOW_ROUND_MILLIS) {
            LOG.log(System.Logger.Level.INFO, "Spent an unreasonably long " + duration + "ms dumping flows");
        }
        guarded("expiring rules", () -> expiry.expire(end));
        if (loadBalancer != null) {
            guarded("expiring connections", () -> loadBalancer.expire(end));
        }
        nextRoundMillis = r.startMillis() + settings.intervalMillis();
        completedRounds.incrementAndGet();
        final List<CompletableFuture<Long>> done;
        synchronized (waiters) {
            done = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (CompletableFuture<Long> w : done) {
            w.complete(r.seq());
        }
    }

    private void guarded(final String what, final Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            tally.errors.increment();
            LOG.log(System.Logger.Level.ERROR, "revalidator: " + what, e);
        }
    }

    // ---- requests from the control socket ----

    /** Deleting flows at once, outside the rounds (flushes, a queue leaving a PMD). */
    public FlowFlush flusher() {
        return flusher;
    }

    /** The per-flow and per-ukey decisions of the rounds. */
    public UkeyRevalidation review() {
        return review;
    }

    /** Stops starting rounds (revalidator/pause); a round under way finishes. */
    public void pause() {
        paused = true;
    }

    /** Starts rounds again (revalidator/resume). */
    public void resume() {
        paused = false;
    }

    public boolean paused() {
        return paused;
    }

    /** Deletes every flow in the next round; returns at once. */
    public void purge() {
        purgeRequested = true;
    }

    /**
     * Waits until a round that starts after this call has finished (revalidator/wait).
     *
     * @return the round's sequence number
     */
    public long awaitRound(final long timeout, final TimeUnit unit) throws InterruptedException, TimeoutException {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        synchronized (waiters) {
            waiters.add(f);
        }
        try {
            return f.get(timeout, unit);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            synchronized (waiters) {
                waiters.remove(f);
            }
        }
    }

    // ---- statistics ----

    public long lastDurationMillis() {
        return lastDurationMillis;
    }

    public long flowsAvg() {
        return flowsAvg;
    }

    public long flowsMax() {
        return flowsMax;
    }

    /** Flows deleted by flushes (purge, del-flows, megaflows on/off) since the start. */
    public long flushedCount() {
        return tally.flushed.sum();
    }

    public long completedRounds() {
        return completedRounds.get();
    }

    /** The ukeys in revalidator {@code id}'s shards. */
    public int keys(final int id) {
        int n = 0;
        for (int shard = id; shard < ukeys.shardCount(); shard += active) {
            n += ukeys.shardSize(shard);
        }
        return n;
    }

    public RevalidatorCounters counters() {
        return tally.snapshot();
    }

    /** Stops the rounds: agents waiting for the others or for PMDs give up. */
    @Override
    public void close() {
        running = false;
        final Round r = current;
        if (r != null) {
            r.barrier().forceTermination();
        }
    }
}
