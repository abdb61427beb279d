package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.slowpath.ofproto.Pipeline;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

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
    final LongAdder deletedIdle = new LongAdder();
    final LongAdder deletedConnectionEnded = new LongAdder();
    final LongAdder deletedChanged = new LongAdder();
    final LongAdder deletedLimit = new LongAdder();
    final LongAdder deletedStale = new LongAdder();
    final LongAdder deletedOrphans = new LongAdder();
    final LongAdder modified = new LongAdder();
    final LongAdder skippedLocked = new LongAdder();
    final LongAdder rulesExpired = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder flushed = new LongAdder();

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
        final Pipeline version = pipeline.current();
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

    boolean running() {
        return running;
    }

    // ---- phase 1: dump ----

    /**
     * Revalidates the batch of the round's flows that starts at {@code at}; the flows to delete
     * are returned as a started removal (or null when there are none).
     */
    FlowRemoval dumpBatch(final int revalidator, final Round r, final int at, final Outbox outbox) {
        final FlowRemoval removal = new FlowRemoval();
        final long now = r.startMillis();
        final int end = Math.min(at + RevalidatorSettings.DUMP_BATCH, r.flows().length);
        for (int i = at; i < end; i++) {
            try {
                revalidate(r, r.flows()[i], now, removal);
            } catch (RuntimeException e) {
                errors.increment();
                LOG.log(System.Logger.Level.ERROR, "revalidator" + revalidator + ": flow " + r.flows()[i], e);
            }
        }
        return started(removal, outbox);
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
            errors.increment();
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

    private void revalidate(final Round r, final DpFlow flow, final long now, final FlowRemoval removal) {
        if (flow.isRemoved()) {
            return;
        }
        // A registered flow's ukey is INSTALLED (or locked by whoever is changing that); one whose
        // ukey has moved on, or that has none, is an orphan and goes. (No map lookup: the flow
        // links to its ukey, which saves the dump a cache miss or two per flow.)
        final Ukey ukey = flow.owner() instanceof Ukey u ? u : null;
        if (ukey == null || ukey.state().compareTo(UkeyState.INSTALLED) > 0) {
            deletedOrphans.increment();
            removal.addOrphan(flow);
            return;
        }
        if (!ukey.tryLock()) {
            skippedLocked.increment();
            return;
        }
        boolean keepLocked = false;
        try {
            if (ukey.state() != UkeyState.INSTALLED || ukey.dumpSeq() == r.seq()) {
                return;
            }
            ukey.dumpSeq(r.seq());
            final long packets = ukey.pushStats();
            // Connections first: what the flow saw reaches their entries even if the flow goes now.
            final boolean connectionEnded = loadBalancer != null && loadBalancer.track(ukey, packets);
            if (r.deleteAll()) {
                deletedLimit.increment();
                keepLocked = true;
            } else if (idleFor(flow, now) > r.idleMillis()) {
                deletedIdle.increment();
                keepLocked = true;
            } else if (connectionEnded) {
                deletedConnectionEnded.increment(); // its connection timed out: the next packet is a new one
                keepLocked = true;
            } else if (ukey.xlate().pipelineVersion() != r.pipeline().version()) {
                keepLocked = !retranslate(r, ukey, packets, now);
            }
            if (keepLocked) {
                removal.add(ukey);
            }
        } finally {
            if (!keepLocked) {
                ukey.unlock();
            }
        }
    }

    private static long idleFor(final DpFlow flow, final long now) {
        final long used = flow.usedMillis();
        return now - (used != 0 ? used : flow.createdMillis());
    }

    /**
     * Translates a flow again after a rule change. Keeps it (with new actions if they changed)
     * when the new translation looks at no key bit the installed mask lacks; otherwise, or when
     * rounds are slow and the flow is slower than min-revalidate-pps, it must go.
     *
     * @return false if the flow must be deleted
     */
    private boolean retranslate(final Round r, final Ukey ukey, final long packets, final long now) {
        final DpFlow flow = ukey.flow();
        final long used = flow.usedMillis();
        // As OVS: a flow never used is always translated again; otherwise, when rounds are slow,
        // one slower than min-revalidate-pps since its last use is cheaper to delete.
        if (!r.fullRevalidate() && used != 0) {
            final long since = Math.max(0, now - used);
            if (since / Math.max(1, packets) >= 1000 / Math.max(1, settings.minRevalidatePps())) {
                deletedChanged.increment();
                return false;
            }
        }
        final XlateResult result = xlate.retranslate(r.pipeline(), ukey.key());
        if (result.connectionEnded()) {
            deletedConnectionEnded.increment();
            return false;
        }
        if (!flow.mask().covers(result.datapathMask())) {
            deletedChanged.increment();
            return false;
        }
        if (!result.actions().equals(flow.actions())) {
            flow.actions(result.actions());
            modified.increment();
        }
        ukey.xlate(result);
        return true;
    }

    // ---- phase 2: sweep ----

    /** What the sweep decided for one ukey while holding its lock. */
    public enum SweepAction {
        NONE, FINISH, DELETE_STALE
    }

    /**
     * Sweeps one shard of the ukey map: finishes REMOVED ukeys and deletes stale ones (returned as
     * a started removal that finishes them when it completes, or null).
     */
    FlowRemoval sweepShard(final int revalidator, final Round r, final int shard, final Outbox outbox) {
        final FlowRemoval removal = new FlowRemoval();
        removal.finishUkeys();
        ukeys.forEachInShard(shard, ukey -> {
            try {
                final SweepAction action = inspect(ukey, r);
                if (action == SweepAction.DELETE_STALE) {
                    removal.add(ukey);
                } else {
                    apply(ukey, action);
                }
            } catch (RuntimeException e) {
                errors.increment();
                LOG.log(System.Logger.Level.ERROR, "revalidator" + revalidator + ": sweeping " + ukey, e);
            }
        });
        return started(removal, outbox);
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

    /**
     * The locked part of sweeping one ukey: reads its state and decides. A ukey to delete stays
     * locked (for the removal); otherwise the lock is released before returning, and
     * {@link #apply} does the rest without it (so a handler may replace the ukey in between).
     */
    public SweepAction inspect(final Ukey ukey, final Round r) {
        // Most ukeys were seen by this round's dump: nothing to do, and no need for the lock to
        // know it (a stale read only sends us the careful way).
        if (!r.deleteAll() && ukey.dumpSeq() == r.seq() && ukey.state() == UkeyState.INSTALLED) {
            return SweepAction.NONE;
        }
        if (!ukey.tryLock()) {
            return SweepAction.NONE;
        }
        SweepAction action = SweepAction.NONE;
        try {
            switch (ukey.state()) {
                case REMOVED -> action = SweepAction.FINISH;
                case INSTALLED -> {
                    if (r.deleteAll() || (ukey.dumpSeq() != r.seq() && ukey.missedDump() >= RevalidatorSettings.STALE_DUMPS)) {
                        if (!r.deleteAll()) {
                            deletedStale.increment();
                        } else {
                            deletedLimit.increment();
                        }
                        action = SweepAction.DELETE_STALE;
                    }
                }
                case CREATED, DELETED -> {
                }
            }
            return action;
        } finally {
            if (action != SweepAction.DELETE_STALE) {
                ukey.unlock();
            }
        }
    }

    /** The unlocked part: finishing a REMOVED ukey, once, whoever gets there first. */
    public void apply(final Ukey ukey, final SweepAction action) {
        if (action == SweepAction.FINISH) {
            ukeys.finish(ukey);
        }
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
        guarded("expiring rules", () -> expireRules(end));
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
            errors.increment();
            LOG.log(System.Logger.Level.ERROR, "revalidator: " + what, e);
        }
    }

    /**
     * Deletes rules whose hard timeout has passed since they were added or last modified (as OVS
     * counts it: mod-flows starts it again) or that were idle for their idle timeout.
     */
    private void expireRules(final long now) {
        final Pipeline current = pipeline.current();
        if (current.timeoutCount() == 0) {
            // The usual case: listing 100,000 permanent rules every round made megabytes of
            // garbage a second in an idle daemon, and its heap (its RSS) grew for minutes.
            return;
        }
        final List<Rule> expired = new ArrayList<>();
        for (Rule rule : current.rules()) {
            final long hard = rule.hardTimeout() * 1000L;
            final long idle = rule.idleTimeout() * 1000L;
            final long lastUsed = Math.max(rule.createdMillis(), rule.stats().lastUsedMillis());
            if ((hard > 0 && now >= rule.modifiedMillis() + hard) || (idle > 0 && now >= lastUsed + idle)) {
                expired.add(rule);
            }
        }
        if (expired.isEmpty()) {
            return;
        }
        try {
            pipeline.apply(e -> {
                for (Rule rule : expired) {
                    if (e.deleteRule(rule)) {
                        rulesExpired.increment();
                    }
                }
            });
        } catch (PipelineException e) {
            // Deleting rules cannot make the pipeline invalid; report rather than lose the thread.
            errors.increment();
            LOG.log(System.Logger.Level.ERROR, "expiring rules: " + e.getMessage());
        }
    }

    // ---- requests from the control socket ----

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
     * Deletes every datapath flow now, on the calling thread, as OVS's dpif flow flush does
     * (revalidator/purge, dpctl/del-flows, upcall/disable-megaflows): works while the revalidators
     * are paused too. The ukeys move to REMOVED with their final statistics pushed; a sweep
     * finishes them.
     *
     * <p>Complete: a flow whose ukey is locked (being re-translated, or removed by a revalidator)
     * is waited for, not skipped; a flow being set up while the flush starts is either seen here
     * or dropped by its handler ({@link Udpif#beginFlush}). No flow from before the call survives it.
     *
     * @return how many flows were deleted
     */
    public int flush() {
        udpif.beginFlush();
        final int n = remove(registry.view());
        flushed.add(n);
        return n;
    }

    /**
     * Deletes these datapath flows now, on the calling thread, waiting for any that someone else
     * holds (a queue moving away from a PMD takes the source's copies away this way).
     *
     * @return how many were deleted here
     */
    public int remove(final java.util.Collection<DpFlow> flows) {
        final Outbox outbox = new Outbox(pmds);
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        final FlowRemoval removal = new FlowRemoval();
        List<DpFlow> pending = new ArrayList<>(flows);
        int n = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!pending.isEmpty() && running) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pending.size() + " flow(s) could not be removed: their ukeys stayed"
                        + " locked for 60 s");
            }
            final List<DpFlow> busy = new ArrayList<>();
            for (DpFlow flow : pending) {
                if (flow.isRemoved()) {
                    continue;
                }
                final Ukey ukey = flow.owner() instanceof Ukey u ? u : null;
                if (ukey == null) {
                    removal.addOrphan(flow);
                } else if (!ukey.tryLock()) {
                    busy.add(flow); // someone is setting it up, re-translating or removing it: come back
                    continue;
                } else if (ukey.state() == UkeyState.INSTALLED && !flow.isDead()) {
                    removal.add(ukey);
                } else {
                    ukey.unlock(); // already removed, or being removed by someone who holds it no more
                    continue;
                }
                n++;
                if (removal.size() >= RevalidatorSettings.DUMP_BATCH) {
                    runToCompletion(removal, outbox, idle);
                }
            }
            runToCompletion(removal, outbox, idle);
            if (!busy.isEmpty()) {
                idle.idle();
            }
            pending = busy;
        }
        return n;
    }

    private void runToCompletion(final FlowRemoval removal, final Outbox outbox, final IdleStrategy idle) {
        if (removal.isEmpty()) {
            return;
        }
        removal.start(pmds, outbox);
        idle.reset();
        while (!complete(removal)) {
            if (!running) {
                removal.abandon();
                return;
            }
            outbox.flush();
            idle.idle();
        }
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
        return flushed.sum();
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
        return new RevalidatorCounters(deletedIdle.sum(), deletedChanged.sum(), deletedLimit.sum(),
                deletedStale.sum(), deletedOrphans.sum(), modified.sum(), skippedLocked.sum(), rulesExpired.sum(),
                errors.sum(), deletedConnectionEnded.sum());
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
