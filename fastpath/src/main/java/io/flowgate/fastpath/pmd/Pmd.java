package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.dpcls.Dpcls;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.port.LoadHistory;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.smc.Smc;
import io.flowgate.fastpath.upcall.PacketInRing;
import io.flowgate.fastpath.upcall.UpcallRings;

import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

import org.agrona.concurrent.Agent;

/**
 * A poll-mode-driver thread: a small duty cycle over its stages. One {@link #doWork()} is
 * <pre>
 *   run mailbox commands → send parked packets whose upcall was answered → for each receive queue:
 *   rx burst → {@link InputStage} (parse, EMC, SMC, dpcls, upcall or park) → {@link FlowBatches}
 *   (actions per flow) → {@link TxQueues} flushed, one send per port
 * </pre>
 * The PMD owns its EMC, classifiers, receive queues, transmit queues and counters; nobody else
 * writes them. Other threads reach it only through its {@link Mailbox} (see {@link PmdCommand}).
 * Receive queues come and go by mailbox too ({@link PollList}): a released queue is handed over
 * only when nothing of it is in flight and this iteration's packets have left, so a flow's
 * packets never overtake each other across a move. The per-packet path takes no lock, makes no
 * atomic read-modify-write and allocates nothing.
 *
 * <p>In ordered mode (replay) batches go packet by packet ({@link OrderedReplay}).
 */
public final class Pmd implements Agent {
    private final int id;
    private final Port[] ports;
    private final Mailbox mailbox = new Mailbox();
    private final PmdStats stats;
    private final ParseCounters parseCounters = new ParseCounters();
    private final PmdClock clock = new PmdClock();
    private final EmcChoice emcChoice = new EmcChoice();
    /** Packets received in the last iteration (what its busy time was spent on). */
    private int lastReceived;
    private final PollList polls;
    private final Parking parking = new Parking();
    private final TxQueues tx;
    private final InputStage input;
    private final FlowBatches batches;
    private final OrderedReplay ordered;
    private final PacketBatch batch = PacketBatch.owning();
    private final PacketBatch unparked = PacketBatch.borrowing();
    private final Consumer<PmdCommand> runner = this::run;
    private final PmdPause.Holder pause = new PmdPause.Holder();
    private final PmdCpus cpus = new PmdCpus();
    private volatile boolean drained;

    /**
     * PMD {@code id} transmits on every port of the datapath through transmit queue {@code id} and
     * sends upcalls to {@code handlers}; {@code emcInverse} is the EMC's insertion inverse probability
     * (0: no EMC), {@code vlanLimit} the VLAN tags parsed (1 or 2); {@code ordered} (replay) keeps
     * every port's output in input order.
     */
    public Pmd(final int id, final List<Port> ports, final UpcallRings handlers, final int emcInverse,
               final int vlanLimit, final boolean ordered) {
        this(id, ports, handlers, emcInverse, vlanLimit, ordered, null);
    }

    /** As above, with controller actions sending their packets to {@code packetIns} (null: nowhere). */
    public Pmd(final int id, final List<Port> ports, final UpcallRings handlers, final int emcInverse,
               final int vlanLimit, final boolean ordered, final PacketInRing packetIns) {
        this.id = id;
        this.ports = ports.toArray(new Port[0]);
        this.stats = new PmdStats(this.ports.length);
        this.tx = new TxQueues(this.ports, id, stats, packetIns);
        this.polls = new PollList(id);
        this.input = new InputStage(id, new Emc(emcInverse, 0x9E37_79B9L * (id + 1)), new Smc(true),
                new FlowExtractor(parseCounters, vlanLimit), handlers, parking, stats, tx);
        this.batches = new FlowBatches(tx, input.keys, input.keyAt, input.flows, vlanLimit, stats);
        Dpcls.startBuilder(); // here, not on the PMD's own (pinned) thread
        this.ordered = ordered ? new OrderedReplay(input, batches) : null;
    }

    @Override
    public int doWork() {
        if (pause.holding()) {
            return 0;
        }
        if (pause.ended()) {
            clock.forget();
        }
        final long[] c = stats.counts;
        if (clock.start(c, polls.polled())) {
            input.rank(Dpcls.BACKGROUND);
            emcChoice.retry();
        }
        input.emcProbe(emcChoice.iteration(clock.lastBusyNanos(), lastReceived));
        lastReceived = 0;
        final long nowMillis = clock.nowMillis();
        batch.polledAt(clock.wallNanos());
        int work = mailbox.drain(runner);
        work += input.unpark(unparked, batches, nowMillis);
        if (ordered != null) {
            work += ordered.resume(nowMillis);
        }
        if (ordered == null || !ordered.holding()) {
            work += poll(nowMillis);
        }
        tx.flush();
        // Only now, with this iteration's packets gone, may a released queue's new PMD start.
        polls.checkReleases();
        pause.iterationEnded();
        clock.end(work > 0, c);
        if (work > 0) {
            if (drained) {
                drained = false; // a queue adopted after the PMD went idle, say
            }
        } else {
            drained = parking.upcalls() == 0 && parking.parked() == 0 && mailbox.isEmpty()
                    && (ordered == null || !ordered.holding()) && polls.inputsDone();
        }
        stats.publish();
        return work;
    }

    private int poll(final long nowMillis) {
        final RxQueue[] qs = polls.polled();
        final int n = qs.length;
        final long[] c = stats.counts;
        int work = 0;
        int j = n == 0 ? 0 : polls.start();
        for (int k = 0; k < n; k++, j = j + 1 == n ? 0 : j + 1) {
            final RxQueue q = qs[j];
            final Port port = q.port();
            if (port.waitsUnpolled() && !parking.roomForBurst()) {
                continue; // a file waits until held misses have gone
            }
            final PacketBatch b = batch;
            b.clear();
            final int got = port.rxBurst(q.id(), b);
            if (got == 0) {
                continue;
            }
            c[PmdCounter.RX_PACKETS.ordinal()] += got;
            lastReceived += got;
            q.received(got);
            stats.received(tx.slot(port.number()), got, input.parse(b, ordered == null));
            clock.busy(q, got);
            work += got;
            if (ordered == null) {
                input.lookup(b, q);
                batches.execute(b, got, nowMillis);
                port.release(b);
            } else if (ordered.start(b, q, nowMillis)) {
                port.release(b);
            } else {
                break; // the rest waits for the slow path's answer
            }
        }
        return work;
    }

    private void run(final PmdCommand command) {
        switch (command) {
            case PmdCommand.Install install -> input.install(install.flow());
            case PmdCommand.Remove remove -> input.remove(remove.flow());
            case PmdCommand.PacketOut out -> packetOut(out);
            case PmdCommand.AdoptQueue adopt -> {
                drained = false; // before the queue shows this PMD as its owner
                polls.adopt(adopt.queue());
            }
            case PmdCommand.ReleaseQueue release -> polls.release(release.handover());
            case PmdCommand.Pause p -> pause.set(p.pause());
            case PmdCommand.Run task -> task.task().run();
        }
    }

    private void packetOut(final PmdCommand.PacketOut out) {
        if (batches.packetOut(out)) {
            stats.counts[PmdCounter.PACKET_OUTS.ordinal()]++;
        }
        if (out.answersUpcall()) {
            input.answered(out.hash(), polls.find(out.inPort(), out.rxq()));
            if (ordered != null) {
                ordered.answered();
            }
        }
    }

    /** Starts a pair of EMC trials now (the PMD does so about once a second; tests). */
    void startEmcTrials() {
        emcChoice.retry();
    }

    public int id() {
        return id;
    }

    @Override
    public String roleName() {
        return "pmd" + id;
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    /** Queues a command; false if the mailbox is full. */
    public boolean offer(final PmdCommand command) {
        return mailbox.offer(command);
    }

    public PmdStats stats() {
        return stats;
    }

    /**
     * Ranks the classifiers' subtables now, as the PMD does once a second; flows unchanged since
     * the ranking before get their megaflow tree, built on this thread (the PMD has it built in
     * the background). PMD thread only: for tests that call {@link #doWork} themselves and would
     * otherwise wait seconds for a tree.
     */
    public void rankClassifiers() {
        input.rank(Runnable::run);
    }

    public ParseCounters parseCounters() {
        return parseCounters;
    }

    /** The receive queues this PMD polls (any thread; as of its last change). */
    public List<RxQueue> rxQueues() {
        return polls.queues();
    }

    /** True when the PMD has nothing left to do: inputs exhausted, nothing in flight, no command pending. */
    public boolean drained() {
        return drained;
    }

    /** The PMD's load over its last intervals (pmd-rxq-show's overhead). */
    public LoadHistory load() {
        return clock.history();
    }

    // Read on the PMD thread, or once it has stopped: megaflows and masks in its classifiers, its EMC.

    public int flowCount() {
        return input.flowCount();
    }

    public int maskCount() {
        return input.maskCount();
    }

    public Emc emc() {
        return input.emc();
    }

    /** The PMD's signature match cache (on by default; smc-enable switches it, on the PMD thread). */
    public Smc smc() {
        return input.smc();
    }

    /** The core this PMD runs on, as pmd-stats-show and pmd-rxq-show name it: its CPU when pinned, else its id. */
    public int core() {
        return cpus.core(id);
    }

    /** The CPUs this PMD is pinned to (OVS's pmd-cpu-mask), or null; set before it starts. */
    public BitSet cpus() {
        return cpus.get();
    }

    public void cpus(final BitSet set) {
        cpus.set(set);
    }

    @Override
    public void onStart() {
        cpus.pinCurrentThread();
        for (Port p : ports) {
            p.attachThread();
        }
    }

    /**
     * Runs what is left in the mailbox (a retired PMD), with the mailbox closed to new commands,
     * so removals are acknowledged and nobody waits for them; then frees the PMD's buffers.
     */
    @Override
    public void onClose() {
        mailbox.close();
        while (mailbox.drain(runner) > 0) {
            tx.flush();
        }
        batch.close();
        batches.close();
        parking.close();
    }

    /** Installs a flow immediately (benchmarks: on the calling thread, before the PMD runs). */
    public void installNow(final DpFlow flow) {
        input.install(flow);
    }
}
