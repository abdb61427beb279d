package io.flowgate.slowpath.upcall;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.Arrays;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * An upcall handler thread. It takes missed packets from its ring in batches and for each one:
 * translates it against the current rule pipeline (the packet's own statistics go to the rules it
 * hit), creates the ukey (CREATED, locked) and inserts it into the ukey map, sends the install
 * command to the PMD that missed, marks the ukey INSTALLED, and sends the packet back through that
 * PMD with the translated actions (packet-out).
 *
 * <p>A duplicate miss (another packet of a megaflow that is being or has been set up) finds the
 * ukey by ufid: locked → skip; CREATED or INSTALLED → skip and count; REMOVED (flow deleted,
 * not yet swept) → replace it with a new ukey that inherits its dump round and install at once;
 * DELETED → insert a new one. Above the flow limit the packet is forwarded but no flow installed.
 * Whatever happens, the missed packet is forwarded. A handler may wait for room in a PMD's command
 * queue; a PMD never waits for a handler.
 */
public class Handler implements Agent {
    /** Upcalls read per iteration (OVS's upcall batch). */
    public static final int BATCH = 64;

    protected final int id;
    protected final UpcallRing ring;
    protected final Udpif udpif;
    private final RulePipeline pipeline;
    private final Xlate xlate;
    private final LoadBalancer loadBalancer;
    private final FlowRegistry registry;
    private final UkeyMap ukeys;
    private final FlowLimit flowLimit;
    private final UpcallCounters counters;
    private volatile Pmd[] pmds;
    private final IdleStrategy queueFull = new BackoffIdleStrategy(1, 10, 1_000, 100_000);
    private final UpcallRing.Consumer consumer = this::handle;
    /** The mask of the last upcall: consecutive upcalls usually share it, so no lookup is needed. */
    private FlowMask lastMask;
    private final long[] maskScratch = new long[FlowKey.WORDS];

    public Handler(final int id, final UpcallRing ring, final Udpif udpif, final Pmd[] pmds) {
        this.id = id;
        this.ring = ring;
        this.udpif = udpif;
        this.pipeline = udpif.pipeline();
        this.xlate = udpif.xlate();
        this.loadBalancer = udpif.loadBalancer();
        this.registry = udpif.registry();
        this.ukeys = udpif.ukeys();
        this.flowLimit = udpif.flowLimit();
        this.counters = udpif.counters();
        this.pmds = pmds.clone();
    }

    @Override
    public String roleName() {
        return "handler" + id;
    }

    public UpcallRing ring() {
        return ring;
    }

    /** PMDs by id (replaced when PMDs are added or retired). */
    public void setPmds(final Pmd[] newPmds) {
        this.pmds = newPmds.clone();
    }

    /** With megaflows disabled, every installed flow matches the whole key exactly (upcall/disable-megaflows). */
    public void megaflows(final boolean enabled) {
        udpif.megaflows(enabled);
    }

    @Override
    public int doWork() {
        return ring.poll(consumer, BATCH);
    }

    /** Handles one upcall: translate, set up the megaflow if allowed, forward the packet. */
    public void handle(final UpcallRing.Upcall upcall) {
        counters.handled.increment();
        final Pmd pmd = pmd(upcall.pmdId());
        if (pmd == null) {
            counters.noPmd.increment();
            return;
        }
        final XlateResult result = xlate.translate(pipeline.current(), upcall.key());
        final long now = System.currentTimeMillis();
        // The missed packet's statistics go to the rules now; the datapath flow counts only the
        // packets that hit it (as in OVS).
        Ukey.pushToRules(result.rules(), 1, upcall.frame().length, now);
        if (registry.size() >= flowLimit.limit()) {
            counters.flowLimitHit.increment();
        } else {
            final DpFlow flow = new DpFlow(upcall.key(), mask(result), result.actions(), upcall.pmdId(), now);
            setUp(pmd, flow, upcall.key(), result);
        }
        send(pmd, new PmdCommand.PacketOut(upcall.frame(), upcall.inPort(), result.actions(), upcall.seq(),
                upcall.timestampNanos()));
    }

    /** Creates or replaces the ukey for {@code flow} and installs the flow, unless a duplicate says not to. */
    private void setUp(final Pmd pmd, final DpFlow flow, final long[] key, final XlateResult result) {
        final Ukey ukey = new Ukey(flow, key, result, ukeys.counters());
        switch (ukeys.claim(ukey)) {
            case INSERTED -> install(pmd, ukey);
            case REPLACED -> {
                counters.replaced.increment();
                install(pmd, ukey);
            }
            case DUPLICATE_LOCKED -> counters.duplicateLocked.increment();
            case DUPLICATE_EXISTING -> counters.duplicateExisting.increment();
        }
    }

    private void install(final Pmd pmd, final Ukey ukey) {
        // New connections become real now that a flow carries them (still under the ukey's lock).
        if (loadBalancer != null) {
            loadBalancer.commit(ukey);
        }
        final DpFlow flow = ukey.flow();
        registry.putIfAbsent(flow);
        send(pmd, new PmdCommand.Install(flow));
        ukey.transition(UkeyState.INSTALLED);
        counters.installed.increment();
        ukey.unlock();
    }

    protected FlowMask mask(final XlateResult result) {
        final long[] words = maskScratch;
        if (udpif.megaflows()) {
            result.datapathMask(words);
        } else {
            Arrays.fill(words, -1L);
        }
        final FlowMask last = lastMask;
        if (last != null && last.hasWords(words)) {
            return last;
        }
        lastMask = udpif.intern(FlowMask.of(words));
        return lastMask;
    }

    protected Pmd pmd(final int pmdId) {
        final Pmd[] p = pmds;
        for (Pmd candidate : p) {
            if (candidate.id() == pmdId) {
                return candidate;
            }
        }
        return null;
    }

    /** Queues a command, waiting (with back-off) while the PMD's queue is full. */
    protected void send(final Pmd pmd, final PmdCommand command) {
        queueFull.reset();
        while (!pmd.offer(command)) {
            queueFull.idle();
        }
    }
}
