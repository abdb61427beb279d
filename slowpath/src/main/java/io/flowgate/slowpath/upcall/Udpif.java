package io.flowgate.slowpath.upcall;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.xlate.Xlate;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What handlers and revalidators share (OVS's "udpif", the upcall interface of one datapath): the
 * rule pipeline and translator, the registry of installed flows, the ukeys, the flow limit, the
 * upcall counters, and the masks in use (one {@link FlowMask} object per distinct mask, so
 * megaflows with the same mask share it).
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
}
