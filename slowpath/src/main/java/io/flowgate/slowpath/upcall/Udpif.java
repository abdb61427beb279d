package io.flowgate.slowpath.upcall;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What handlers and revalidators share (OVS's "udpif", the upcall interface of one datapath): the
 * rule pipeline and translator, the registry of installed flows, the ukeys, the flow limit, the
 * upcall counters, and the masks in use (one {@link FlowMask} object per distinct mask, so
 * megaflows with the same mask share it). And the one way a flow is set up ({@link #setUp}),
 * used by handlers for misses and by queue moves for copies ({@link #copy}).
 *
 * <p>Flushes and set-ups meet through the flush epoch: a flush moves it on before it looks for
 * flows; a set-up reads it before translating and checks it again after registering its flow and
 * before installing. Either the flush sees the flow, or the set-up sees the flush and drops its
 * flow: no flow set up under an old setting (megaflows on, say) outlives a flush that began later.
 */
public final class Udpif {
    private final RulePipeline pipeline;
    private final Xlate xlate;
    private final FlowRegistry registry;
    private final UkeyMap ukeys;
    private final FlowLimit flowLimit;
    private final UpcallCounters counters = new UpcallCounters();
    private final ConcurrentHashMap<FlowMask, FlowMask> masks = new ConcurrentHashMap<>();
    private final LoadBalancer loadBalancer;
    private volatile boolean megaflows = true;
    private final AtomicLong flushEpoch = new AtomicLong();

    public Udpif(final RulePipeline pipeline, final Xlate xlate, final FlowRegistry registry, final UkeyMap ukeys,
                 final FlowLimit flowLimit) {
        this(pipeline, xlate, registry, ukeys, flowLimit, null);
    }

    /** @param loadBalancer the connection scheduler {@code xlate} selects with, or null */
    public Udpif(final RulePipeline pipeline, final Xlate xlate, final FlowRegistry registry, final UkeyMap ukeys,
                 final FlowLimit flowLimit, final LoadBalancer loadBalancer) {
        this.loadBalancer = loadBalancer;
        this.pipeline = pipeline;
        this.xlate = xlate;
        this.registry = registry;
        this.ukeys = ukeys;
        this.flowLimit = flowLimit;
    }

    public RulePipeline pipeline() {
        return pipeline;
    }

    public Xlate xlate() {
        return xlate;
    }

    public FlowRegistry registry() {
        return registry;
    }

    public UkeyMap ukeys() {
        return ukeys;
    }

    public FlowLimit flowLimit() {
        return flowLimit;
    }

    /** The connection scheduler of select groups, or null if there is none. */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    public UpcallCounters counters() {
        return counters;
    }

    /** False when every new flow must match the whole key exactly (upcall/disable-megaflows). */
    public boolean megaflows() {
        return megaflows;
    }

    public void megaflows(final boolean enabled) {
        this.megaflows = enabled;
    }

    /** The shared instance of a mask. */
    public FlowMask intern(final FlowMask mask) {
        final FlowMask known = masks.putIfAbsent(mask, mask);
        return known != null ? known : mask;
    }

    /** Distinct masks seen since the start. */
    public int maskCount() {
        return masks.size();
    }

    // ---- flushes and flow set-up ----

    /** The flush epoch; read it before translating a miss. */
    public long flushEpoch() {
        return flushEpoch.get();
    }

    /** Marks the start of a flush: set-ups that read an older epoch will not install. */
    public void beginFlush() {
        flushEpoch.incrementAndGet();
    }

    /**
     * Sets up the megaflow of a translated miss: creates its ukey (CREATED, locked by the caller's
     * thread), claims its place in the ukey map and, unless a ukey for the same megaflow says not
     * to, installs the flow in its PMD through {@code outbox}, commits the translation's
     * connections, and marks the ukey INSTALLED.
     *
     * @param epoch the flush epoch read before the translation
     * @return what the claim found
     */
    public UkeyMap.Claim setUp(final DpFlow flow, final long[] key, final XlateResult result, final long epoch,
                               final Outbox outbox) {
        final Ukey ukey = new Ukey(flow, key, result, ukeys.counters());
        final UkeyMap.Claim claim;
        try {
            claim = ukeys.claim(ukey);
        } catch (RuntimeException e) {
            // Failed on the way (finishing a replaced ukey, say): the candidate may be in the map
            // already. Still ours, it is finished and unlocked here; discarded, it needs nothing.
            if (ukey.heldByCurrentThread()) {
                abandon(ukey);
            }
            throw e;
        }
        switch (claim) {
            case INSERTED -> install(ukey, epoch, outbox);
            case REPLACED -> {
                counters.replaced.increment();
                install(ukey, epoch, outbox);
            }
            case DUPLICATE_LOCKED -> counters.duplicateLocked.increment();
            case DUPLICATE_EXISTING -> counters.duplicateExisting.increment();
        }
        return claim;
    }

    private void install(final Ukey ukey, final long epoch, final Outbox outbox) {
        final DpFlow flow = ukey.flow();
        boolean sent = false;
        try {
            registry.putIfAbsent(flow);
            if (flushEpoch.get() != epoch) {
                // A flush began after the translation: it may not have seen this flow; drop it here.
                counters.flushedBeforeInstall.increment();
                return;
            }
            outbox.send(flow.pmdId(), new PmdCommand.Install(flow));
            sent = true;
            ukey.transition(UkeyState.INSTALLED);
            counters.installed.increment();
        } finally {
            if (!sent) {
                abandon(ukey); // flushed, or a failure: nothing may stay registered with a ukey locked for ever
            } else {
                ukey.unlock();
            }
        }
    }

    /**
     * Undoes a set-up that will not install: the flow leaves the registry, the ukey is finished
     * (once) and unlocked, whatever fails on the way. The flow is marked dead and removed: no PMD
     * ever had it, so its (empty) statistics are final, and a flush that saw it registered
     * counts it as gone rather than waiting for a removal that will never come.
     */
    private void abandon(final Ukey ukey) {
        try {
            registry.remove(ukey.flow());
        } finally {
            try {
                ukey.flow().markDead();
                ukey.flow().markRemoved();
                ukeys.finish(ukey);
            } finally {
                ukey.unlock();
            }
        }
    }

    /**
     * Installs a copy of an installed megaflow in PMD {@code pmd}, with a ukey of its own, for a
     * receive queue moving there (prewarming): same key, mask, actions and translation.
     *
     * @return true if the copy was installed (false: the source is busy or gone, the target has it,
     *         or the flow limit is reached: a copy is an optimisation, never worth a flow)
     */
    public boolean copy(final Ukey source, final int pmd, final Outbox outbox) {
        final long epoch = flushEpoch.get();
        if (registry.size() >= flowLimit.limit() || !source.tryLock()) {
            return false;
        }
        final DpFlow copy;
        final long[] key;
        final XlateResult xlate;
        try {
            if (source.state() != UkeyState.INSTALLED || source.flow().isDead()) {
                return false;
            }
            key = source.key();
            xlate = source.xlate();
            // Idle since the source's last packet, so the copy expires when the source would have.
            final DpFlow from = source.flow();
            copy = new DpFlow(key, from.mask(), from.actions(), pmd, from.rxq(),
                    Math.max(from.usedMillis(), from.createdMillis())).statsSlot(from.statsSlot());
        } finally {
            source.unlock();
        }
        return setUp(copy, key, xlate, epoch, outbox).claimed();
    }
}
