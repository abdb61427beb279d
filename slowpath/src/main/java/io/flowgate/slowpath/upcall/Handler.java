package io.flowgate.slowpath.upcall;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.slowpath.ofproto.Pipeline;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.Arrays;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * An upcall handler thread: takes missed packets from its ring in batches, translates each
 * against the current rule pipeline, installs the resulting megaflow into the PMD that missed
 * (through the PMD's command queue) and sends the packet back through that PMD with the
 * translated actions (packet-out). A handler may wait for room in a PMD's queue; a PMD never
 * waits for a handler.
 */
public class Handler implements Agent {
    /** Upcalls read per iteration (OVS's upcall batch). */
    public static final int BATCH = 64;

    protected final int id;
    protected final UpcallRing ring;
    protected final RulePipeline pipeline;
    protected final Xlate xlate;
    protected final FlowRegistry registry;
    private volatile Pmd[] pmds;
    private final IdleStrategy queueFull = new BackoffIdleStrategy(1, 10, 1_000, 100_000);
    private final UpcallRing.Consumer consumer = this::handle;
    private volatile boolean megaflows = true;
    private long handled;

    public Handler(final int id, final UpcallRing ring, final RulePipeline pipeline, final Xlate xlate,
                   final FlowRegistry registry, final Pmd[] pmds) {
        this.id = id;
        this.ring = ring;
        this.pipeline = pipeline;
        this.xlate = xlate;
        this.registry = registry;
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
        this.megaflows = enabled;
    }

    public long handled() {
        return handled;
    }

    @Override
    public int doWork() {
        return ring.poll(consumer, BATCH);
    }

    /** Translates one upcall and answers the PMD with an install and a packet-out. */
    protected void handle(final UpcallRing.Upcall upcall) {
        handled++;
        final Pmd pmd = pmd(upcall.pmdId());
        if (pmd == null) {
            return;
        }
        final Pipeline version = pipeline.current();
        final XlateResult result = xlate.translate(version, upcall.key());
        final DpFlow flow = new DpFlow(upcall.key(), mask(result), result.actions(), upcall.pmdId(),
                System.currentTimeMillis());
        install(pmd, upcall, result, flow);
        send(pmd, new PmdCommand.PacketOut(upcall.frame(), upcall.inPort(), result.actions(), upcall.seq(),
                upcall.timestampNanos()));
    }

    /** Installs the megaflow unless the same one is already registered (issue of duplicate misses). */
    protected void install(final Pmd pmd, final UpcallRing.Upcall upcall, final XlateResult result, final DpFlow flow) {
        if (registry.putIfAbsent(flow) == flow) {
            send(pmd, new PmdCommand.Install(flow));
        }
    }

    protected FlowMask mask(final XlateResult result) {
        if (!megaflows) {
            final long[] exact = new long[FlowKey.WORDS];
            Arrays.fill(exact, -1L);
            return FlowMask.of(exact);
        }
        return FlowMask.of(result.datapathMask());
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
