package io.flowgate.revalidator;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

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
 * <p>The phases are public so tests can run them one step at a time on one thread.
 */
public final class Revalidators implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("revalidator");
    private final RevalidatorSettings settings;
    private final UkeyMap ukeys;
    private final FlowRegistry registry;
    private final RulePipeline pipeline;
    private final Xlate xlate;
    private final LoadBalancer loadBalancer;
    private final FlowLimit flowLimit;
    private volatile IntFunction<Pmd> pmds;
    private final Revalidator[] agents;
    private final Phaser barrier;
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

    public Revalidators(final RevalidatorSettings settings, final Udpif udpif, final IntFunction<Pmd> pmds) {
        this.settings = settings;
        this.ukeys = udpif.ukeys();
        this.registry = udpif.registry();
        this.pipeline = udpif.pipeline();
        this.xlate = udpif.xlate();
        this.loadBalancer = udpif.loadBalancer();
        this.flowLimit = udpif.flowLimit();
        this.pmds = pmds;
        this.agents = new Revalidator[settings.revalidators()];
        for (int i = 0; i < agents.length; i++) {
            agents[i] = new Revalidator(i, this);
        }
        this.barrier = new Phaser(agents.length);
    }

    public RevalidatorSettings settings() {
        return settings;
    }

    /** The revalidator agents, leader first, for the caller to run on threads. */
    public Revalidator[] agents() {
        return agents.clone();
    }

    /** Where to find PMDs by id (replaced on reconfiguration). */
    public void pmds(final IntFunction<Pmd> lookup) {
        this.pmds = lookup;
    }

    public FlowLimit flowLimit() {
        return flowLimit;
    }

    // ---- what agents run ----

    /** Leader: starts a round if one is due; returns it, or null. */
    Round maybeStartRound(final long now) {
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
        final Round r = new Round(++seq, flows, new AtomicInteger(0), version, now,
                overLimit ? RevalidatorSettings.OVER_LIMIT_IDLE_MILLIS : settings.maxIdleMillis(),
                purge || flows.length > 2L * limit,
                lastDurationMillis < RevalidatorSettings.MAX_REVALIDATOR_MILLIS / 2);
        current = r;
        return r;
    }

    Round current() {
        return current;
    }

    boolean running() {
        return running;
    }

    /** Waits for every revalidator to reach this point of the round; false when shutting down. */
    boolean barrier() {
        final int phase = barrier.arrive();
        while (running) {
            try {
                barrier.awaitAdvanceInterruptibly(phase, 100, TimeUnit.MILLISECONDS);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (TimeoutException e) {
                // Check whether we are stopping, then wait on.
            }
        }
        return false;
    }

    // ---- phase 1: dump ----

    /** Takes batches of the round's flows until none are left and revalidates each. */
    public void dump(final int revalidator, final Round r, final FlowRemoval.Waiter waiter) {
        final FlowRemoval removal = new FlowRemoval();
        final long now = r.startMillis();
        for (int at = r.nextBatch(); at >= 0; at = r.nextBatch()) {
            final int end = Math.min(at + RevalidatorSettings.DUMP_BATCH, r.flows().length);
            for (int i = at; i < end; i++) {
                try {
                    revalidate(r, r.flows()[i], now, removal);
                } catch (RuntimeException e) {
                    errors.increment();
                    LOG.log(System.Logger.Level.ERROR, "revalidator" + revalidator + ": flow " + r.flows()[i], e);
                }
            }
            if (!removal.isEmpty()) {
                removal.execute(pmds, registry, waiter);
            }
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
            if (r.deleteAll()) {
                deletedLimit.increment();
                keepLocked = true;
            } else if (idleFor(flow, now) > r.idleMillis()) {
                deletedIdle.increment();
                keepLocked = true;
            } else if (loadBalancer != null && loadBalancer.track(ukey)) {
                deletedConnectionEnded.increment(); // FIN or RST: the connection ends with its flow
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
        final XlateResult result = xlate.translate(r.pipeline(), ukey.key());
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

    /** Sweeps the shards that belong to this revalidator (shard % revalidators == id). */
    public void sweep(final int revalidator, final Round r, final FlowRemoval.Waiter waiter) {
        final FlowRemoval removal = new FlowRemoval();
        final List<Ukey> stale = new ArrayList<>();
        final int n = agents.length;
        for (int shard = revalidator; shard < ukeys.shardCount(); shard += n) {
            ukeys.forEachInShard(shard, ukey -> {
                try {
                    final SweepAction action = inspect(ukey, r);
                    if (action == SweepAction.DELETE_STALE) {
                        removal.add(ukey);
                        stale.add(ukey);
                    } else {
                        apply(ukey, action);
                    }
                } catch (RuntimeException e) {
                    errors.increment();
                    LOG.log(System.Logger.Level.ERROR, "revalidator" + revalidator + ": sweeping " + ukey, e);
                }
            });
            if (removal.size() >= RevalidatorSettings.DUMP_BATCH) {
                finishStale(removal, stale, waiter);
            }
        }
        finishStale(removal, stale, waiter);
    }

    private void finishStale(final FlowRemoval removal, final List<Ukey> stale, final FlowRemoval.Waiter waiter) {
        if (removal.isEmpty()) {
            return;
        }
        if (removal.execute(pmds, registry, waiter)) {
            for (Ukey u : stale) {
                apply(u, SweepAction.FINISH);
            }
        }
        stale.clear();
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

    /** Leader: records the round's duration, moves the flow limit, expires rules, wakes waiters. */
    public void finishRound(final Round r) {
        final long end = System.currentTimeMillis();
        final long duration = Math.max(0, end - r.startMillis());
        lastDurationMillis = duration;
        final long flows = r.flows().length;
        flowsAvg = (flowsAvg + flows) / 2;
        flowsMax = Math.max(flowsMax, flows);
        flowLimit.adjust(duration, flows);
        expireRules(end);
        if (loadBalancer != null) {
            // Connections restored at start-up that no packet has claimed within max-idle end too.
            loadBalancer.expireOrphans(end, settings.maxIdleMillis());
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

    /** Deletes rules whose hard timeout has passed or that were idle for their idle timeout. */
    private void expireRules(final long now) {
        final List<Rule> expired = new ArrayList<>();
        for (Rule rule : pipeline.current().rules()) {
            final long hard = rule.hardTimeout() * 1000L;
            final long idle = rule.idleTimeout() * 1000L;
            final long lastUsed = Math.max(rule.createdMillis(), rule.stats().lastUsedMillis());
            if ((hard > 0 && now >= rule.createdMillis() + hard) || (idle > 0 && now >= lastUsed + idle)) {
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
     * (revalidator/purge, dpctl/del-flows): works while the revalidators are paused too. The
     * ukeys move to REMOVED with their final statistics pushed; a sweep finishes them.
     *
     * @return how many flows were deleted
     */
    public int flush() {
        final FlowRemoval removal = new FlowRemoval();
        final FlowRemoval.Waiter waiter = backoff();
        int n = 0;
        for (DpFlow flow : registry.view()) {
            if (flow.isDead()) {
                continue;
            }
            final Ukey ukey = flow.owner() instanceof Ukey u ? u : null;
            if (ukey == null) {
                removal.addOrphan(flow);
            } else if (ukey.tryLock()) {
                if (ukey.state() == UkeyState.INSTALLED) {
                    removal.add(ukey);
                } else {
                    ukey.unlock();
                    continue;
                }
            } else {
                continue;
            }
            n++;
            if (removal.size() >= RevalidatorSettings.DUMP_BATCH) {
                removal.execute(pmds, registry, waiter);
            }
        }
        removal.execute(pmds, registry, waiter);
        flushed.add(n);
        return n;
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

    public long completedRounds() {
        return completedRounds.get();
    }

    /** The ukeys in revalidator {@code id}'s shards. */
    public int keys(final int id) {
        int n = 0;
        for (int shard = id; shard < ukeys.shardCount(); shard += agents.length) {
            n += ukeys.shardSize(shard);
        }
        return n;
    }

    public RevalidatorCounters counters() {
        return new RevalidatorCounters(deletedIdle.sum(), deletedChanged.sum(), deletedLimit.sum(),
                deletedStale.sum(), deletedOrphans.sum(), modified.sum(), skippedLocked.sum(), rulesExpired.sum(),
                errors.sum(), deletedConnectionEnded.sum());
    }

    /** A waiter that backs off while PMDs acknowledge, and gives up when stopping. */
    FlowRemoval.Waiter backoff() {
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        return () -> {
            idle.idle();
            return running;
        };
    }

    /** Stops the rounds: agents waiting at a barrier or for PMDs return. */
    @Override
    public void close() {
        running = false;
        barrier.forceTermination();
    }
}
