package io.flowgate.slowpath.upcall;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.Arrays;

import org.agrona.concurrent.Agent;

/**
 * An upcall handler thread. It takes missed packets from its ring in batches and for each one:
 * translates it against the current rule pipeline (the packet's own statistics go to the rules it
 * hit), sets up its megaflow ({@link Udpif#setUp}: ukey, install), and sends the packet back
 * through the PMD that missed with the translated actions (packet-out). Whatever happens, the
 * missed packet is answered, so its PMD never waits for it forever.
 *
 * <p>A duplicate miss (another packet of a megaflow that is being or has been set up) finds the
 * ukey by ufid: locked → skip; CREATED or INSTALLED → skip and count; REMOVED (flow deleted,
 * not yet swept) → replace it with a new ukey that inherits its dump round and install at once;
 * DELETED → insert a new one. Above the flow limit the packet is forwarded but no flow installed.
 *
 * <p>Never waits: commands go through an {@link Outbox}; when a PMD's mailbox is full they stay
 * there and the handler reads no more upcalls until they are delivered (back pressure, through the
 * ring, to the PMDs). A retiring handler ({@link #retire}) no longer handles upcalls: it moves
 * what is queued on its ring to the handlers that stay, each to the ring its hash picks, in order,
 * until the PMDs no longer send it anything; then it is {@link #retired()}.
 */
public final class Handler implements Agent {
    /** Upcalls read per iteration (OVS's upcall batch). */
    public static final int BATCH = 64;
    private static final System.Logger LOG = System.getLogger("handler");
    /** The flow-limit warning, at most once a minute over all handlers (OVS rate-limits it too). */
    static final long LIMIT_LOG_INTERVAL_MILLIS = 60_000;
    private static final java.util.concurrent.atomic.AtomicLong LIMIT_LOGGED =
            new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE / 2);

    private final int id;
    private final UpcallRing ring;
    private final Udpif udpif;
    private final RulePipeline pipeline;
    private final Xlate xlate;
    private final FlowRegistry registry;
    private final FlowLimit flowLimit;
    private final UpcallCounters counters;
    private final Pmds pmds;
    private final Outbox outbox;
    private final UpcallRing.Consumer consumer = this::handle;
    /** The mask of the last upcall: consecutive upcalls usually share it, so no lookup is needed. */
    private FlowMask lastMask;
    private final long[] maskScratch = new long[FlowKey.WORDS];

    /** Where a retiring handler's queued upcalls go; null while the handler handles them itself. */
    private volatile UpcallRing.Router survivors;
    /** No PMD sends to this handler's ring any more (set by whoever retires it). */
    private volatile boolean producersGone;
    private volatile boolean retired;

    public Handler(final int id, final UpcallRing ring, final Udpif udpif, final Pmds pmds) {
        this.id = id;
        this.ring = ring;
        this.udpif = udpif;
        this.pipeline = udpif.pipeline();
        this.xlate = udpif.xlate();
        this.registry = udpif.registry();
        this.flowLimit = udpif.flowLimit();
        this.counters = udpif.counters();
        this.pmds = pmds;
        this.outbox = new Outbox(pmds);
    }

    public int id() {
        return id;
    }

    @Override
    public String roleName() {
        return "handler" + id;
    }

    public UpcallRing ring() {
        return ring;
    }

    @Override
    public int doWork() {
        if (retired) {
            return 0; // its ring may be gone
        }
        int work = outbox.flush();
        if (!outbox.isEmpty()) {
            return work; // a PMD's mailbox is full: take no more upcalls until it has room
        }
        final UpcallRing.Router to = survivors;
        if (to == null) {
            return work + ring.poll(consumer, BATCH);
        }
        final int moved = ring.moveTo(to, BATCH);
        counters.moved.add(moved);
        if (moved == 0 && producersGone && ring.isEmpty()) {
            retired = true;
        }
        return work + moved;
    }

    /**
     * From now on, moves queued upcalls to {@code router}'s rings instead of handling them (any
     * thread). Call once the PMDs have been given the new set of rings.
     */
    public void retire(final UpcallRing.Router router) {
        this.survivors = router;
    }

    /** No PMD can send to this ring any more: once it is empty, the handler is retired. */
    public void producersGone() {
        this.producersGone = true;
    }

    /** True once a retiring handler has moved everything and nothing more can arrive. */
    public boolean retired() {
        return retired;
    }

    /** Handles one upcall: translate, set up the megaflow if allowed, forward the packet. */
    public void handle(final UpcallRing.Upcall upcall) {
        counters.handled.increment();
        if (pmds.get(upcall.pmdId()) == null) {
            counters.noPmd.increment();
            return;
        }
        DpActions actions = DpActions.DROP;
        DropReason dropped = null;
        XlateResult result = null;
        try {
            // The epoch first: a flush that starts after this read stops this set-up from installing.
            final long epoch = udpif.flushEpoch();
            result = xlate.translate(pipeline.current(), upcall.key());
            actions = result.actions();
            dropped = result.refusal();
            final long now = System.currentTimeMillis();
            // The missed packet's statistics go to the rules now; the datapath flow counts only the
            // packets that hit it (as in OVS).
            result.credit(1, upcall.frame().length, now);
            if (dropped != null) {
                counters.refused.increment(); // a select group refused the packet: no flow for it
            } else if (registry.size() >= flowLimit.limit()) {
                counters.flowLimitHit.increment();
                final long last = LIMIT_LOGGED.get();
                if (now - last >= LIMIT_LOG_INTERVAL_MILLIS && LIMIT_LOGGED.compareAndSet(last, now)) {
                    LOG.log(System.Logger.Level.WARNING, "upcall: datapath reached the dynamic limit of "
                            + flowLimit.limit() + " flows.");
                }
            } else {
                final DpFlow flow = new DpFlow(upcall.key(), mask(result), result.actions(), upcall.pmdId(), upcall.rxq(),
                        now).statsSlot(result.statsSlot());
                udpif.setUp(flow, upcall.key(), result, epoch, outbox);
            }
        } catch (RuntimeException e) {
            // The set-up finished its ukey; the packet goes on if it was translated (its flow is
            // only a cache), else it is dropped and counted. Either way it is answered: its PMD
            // must not wait for it.
            counters.errors.increment();
            LOG.log(System.Logger.Level.ERROR, roleName() + ": upcall on port " + upcall.inPort() + " failed", e);
            if (result == null) {
                dropped = DropReason.UPCALL_FAILED;
            }
        }
        outbox.send(upcall.pmdId(), new PmdCommand.PacketOut(upcall.inPort(), upcall.rxq(), upcall.hash(),
                upcall.l3(), upcall.l4(), upcall.key(), upcall.frame(), actions, upcall.timestampNanos(), true, dropped,
                result == null ? -1 : result.statsSlot()));
    }

    private FlowMask mask(final XlateResult result) {
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

    /** Commands waiting for a PMD's mailbox to have room (tests). */
    public int pendingCommands() {
        return outbox.size();
    }
}
