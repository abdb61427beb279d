package io.flowgate.fastpath.pmd;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.dpcls.Dpcls;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.port.LoadHistory;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.upcall.UpcallRings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

import org.agrona.concurrent.Agent;

/**
 * A poll-mode-driver thread: a small duty cycle over its stages. One {@link #doWork()} is
 * <pre>
 *   run mailbox commands → send parked packets whose upcall was answered → for each receive queue:
 *   rx burst → {@link InputStage} (parse, EMC, dpcls, upcall or park) → {@link FlowBatches}
 *   (actions per flow) → {@link TxQueues} flushed, one send per port
 * </pre>
 * The PMD owns its EMC, classifiers, receive queues, transmit queues and counters; nobody else
 * writes them. Other threads reach it only through its {@link Mailbox} (see {@link PmdCommand}).
 * Receive queues come and go by mailbox too ({@link PollList}): a released queue is handed over
 * only when nothing of it is in flight, so a flow's packets never overtake each other across a
 * move. The per-packet path takes no lock, makes no atomic read-modify-write and allocates nothing.
 *
 * <p>In ordered mode (replay) batches go packet by packet ({@link OrderedReplay}).
 */
public final class Pmd implements Agent {
    private static final long RANK_INTERVAL_NANOS = 1_000_000_000L;
    private static final long SAMPLE_INTERVAL_NANOS = LoadHistory.INTERVAL_MILLIS * 1_000_000L;

    private final int id;
    private final Port[] ports;
    private final Mailbox mailbox = new Mailbox();
    private final PmdStats stats;
    private final ParseCounters parseCounters = new ParseCounters();
    private final FlowExtractor outExtractor;
    private final PollList polls;
    private final Parking parking = new Parking();
    private final TxQueues tx;
    private final InputStage input;
    private final FlowBatches batches;
    private final OrderedReplay ordered;
    private final PacketBatch batch = PacketBatch.owning();
    private final PacketBatch outBatch = PacketBatch.owning();
    private final PacketBatch unparked = PacketBatch.borrowing();
    private final long[] outKey = new long[FlowKey.WORDS];
    private final Consumer<PmdCommand> runner = this::run;
    private final LoadHistory history = new LoadHistory();

    // The clock, read once per iteration; the queues that had packets in the last one.
    private long iterationStart;
    private boolean lastBusy;
    private long lastRankNanos;
    private long lastSampleNanos;
    private long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    private long nowMillis;
    private RxQueue[] busyQueues = new RxQueue[4];
    private int[] busyPackets = new int[4];
    private int busyCount;
    private PmdPause pause;
    private boolean pauseSaid;
    private volatile boolean drained;
    private volatile BitSet cpus;

    /**
     * @param ports      every port of the datapath (for transmission, through transmit queue {@code id})
     * @param handlers   where upcalls go
     * @param emcInverse EMC insertion inverse probability (0 disables the EMC)
     * @param vlanLimit  VLAN tags to parse (1 or 2)
     * @param ordered    replay: keep every port's output in input order
     */
    public Pmd(final int id, final List<Port> ports, final UpcallRings handlers, final int emcInverse,
               final int vlanLimit, final boolean ordered) {
        this.id = id;
        this.ports = ports.toArray(new Port[0]);
        this.stats = new PmdStats(this.ports.length);
        this.tx = new TxQueues(this.ports, id, stats);
        this.polls = new PollList(id);
        this.input = new InputStage(id, new Emc(emcInverse, 0x9E37_79B9L * (id + 1)),
                new FlowExtractor(parseCounters, vlanLimit), handlers, parking, stats, tx);
        this.batches = new FlowBatches(tx, input.keys, input.flows);
        this.ordered = ordered ? new OrderedReplay(input, batches) : null;
        this.outExtractor = new FlowExtractor(new ParseCounters(), vlanLimit);
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

    public ParseCounters parseCounters() {
        return parseCounters;
    }

    /** The datapath's ports, in slot order (the order of per-port counters). */
    public Port[] ports() {
        return ports.clone();
    }

    /** The receive queues this PMD polls (any thread; as of its last change). */
    public List<RxQueue> rxQueues() {
        return polls.queues();
    }

    /** True when the PMD has nothing left to do: inputs exhausted, nothing in flight, no command pending. */
    public boolean drained() {
        return drained;
    }

    @Override
    public int doWork() {
        if (pause != null && !resumeAfterPause()) {
            return 0;
        }
        // One clock read per iteration: it ends the previous iteration (busy or idle time) and
        // dates this one's packets and megaflow hits.
        final long now = System.nanoTime();
        final long[] c = stats.counts;
        if (iterationStart != 0) {
            final long elapsed = now - iterationStart;
            if (lastBusy) {
                c[PmdCounter.BUSY_NANOS.ordinal()] += elapsed;
                chargeQueues(elapsed);
            } else {
                c[PmdCounter.IDLE_NANOS.ordinal()] += elapsed;
            }
        } else {
            lastSampleNanos = now;
        }
        iterationStart = now;
        if (now - lastRankNanos > RANK_INTERVAL_NANOS) {
            lastRankNanos = now;
            wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - now;
            input.rank();
        }
        if (now - lastSampleNanos > SAMPLE_INTERVAL_NANOS) {
            for (RxQueue q : polls.polled()) {
                q.sample(now - lastSampleNanos);
            }
            history.sample(c[PmdCounter.BUSY_NANOS.ordinal()], now - lastSampleNanos);
            lastSampleNanos = now;
        }
        final long wall = now + wallOffsetNanos;
        nowMillis = wall / 1_000_000L;
        batch.polledAt(wall);
        int work = mailbox.drain(runner);
        if (parking.ready()) {
            work += unpark();
        }
        if (ordered != null) {
            work += ordered.resume(nowMillis);
        }
        if (ordered == null || !ordered.holding()) {
            work += poll();
        }
        tx.flush();
        // Only now, with this iteration's packets gone, may a released queue's new PMD start.
        polls.checkReleases();
        if (pause != null && !pauseSaid) {
            pauseSaid = true;
            pause.paused(); // everything this iteration sent has left
        }
        lastBusy = work > 0;
        if (work > 0) {
            c[PmdCounter.BUSY_ITERATIONS.ordinal()]++;
            if (drained) {
                drained = false; // a queue adopted after the PMD went idle, say
            }
        } else {
            c[PmdCounter.IDLE_ITERATIONS.ordinal()]++;
            drained = computeDrained();
        }
        stats.publish();
        return work;
    }

    private int poll() {
        final RxQueue[] qs = polls.polled();
        final int n = qs.length;
        if (n == 0) {
            return 0;
        }
        final long[] c = stats.counts;
        int work = 0;
        int j = polls.start();
        for (int k = 0; k < n; k++, j = j + 1 == n ? 0 : j + 1) {
            final RxQueue q = qs[j];
            final Port port = q.port();
            final PacketBatch b = batch;
            b.clear();
            final int got = port.rxBurst(q.id(), b);
            if (got == 0) {
                continue;
            }
            c[PmdCounter.RX_PACKETS.ordinal()] += got;
            q.received(got);
            final long bytes = input.parse(b);
            final int slot = tx.slot(port.number());
            if (slot >= 0) {
                stats.portRx[slot] += got;
                stats.portRxBytes[slot] += bytes;
            }
            busy(q, got);
            work += got;
            if (ordered != null) {
                if (ordered.start(b, q, nowMillis)) {
                    port.release(b);
                } else {
                    break; // the rest waits for the slow path's answer
                }
            } else {
                input.lookup(b, q);
                batches.execute(b, got, nowMillis);
                port.release(b);
            }
        }
        return work;
    }

    /** True once a pause is over (then it is forgotten). */
    private boolean resumeAfterPause() {
        if (!pause.resumed()) {
            return false;
        }
        pause = null;
        pauseSaid = false;
        iterationStart = 0; // the pause is neither busy nor idle time
        busyCount = 0; // nor time of the queues polled before it (one may have moved meanwhile)
        return true;
    }

    /** Sends the parked packets whose upcall was answered through the datapath again, oldest first. */
    private int unpark() {
        int work = 0;
        final PacketBatch b = unparked;
        while (parking.ready()) {
            b.clear();
            final RxQueue q = parking.unpark(b);
            if (q == null) {
                break;
            }
            final int n = b.count();
            q.inFlight(-n);
            input.parse(b);
            input.lookup(b, q);
            batches.execute(b, n, nowMillis);
            q.port().release(b);
            parking.returnLent();
            work += n;
        }
        return work;
    }

    /** Remembers that queue {@code q} had {@code n} packets in this iteration (for its busy time). */
    private void busy(final RxQueue q, final int n) {
        if (busyCount == busyQueues.length) {
            busyQueues = java.util.Arrays.copyOf(busyQueues, busyCount * 2);
            busyPackets = java.util.Arrays.copyOf(busyPackets, busyCount * 2);
        }
        busyQueues[busyCount] = q;
        busyPackets[busyCount++] = n;
    }

    /** Splits the last iteration's busy time over its queues by their packets. */
    private void chargeQueues(final long elapsed) {
        long total = 0;
        for (int i = 0; i < busyCount; i++) {
            total += busyPackets[i];
        }
        for (int i = 0; i < busyCount; i++) {
            busyQueues[i].busy(elapsed * busyPackets[i] / Math.max(1, total));
            busyQueues[i] = null;
        }
        busyCount = 0;
    }

    private boolean computeDrained() {
        if ((ordered != null && ordered.holding()) || parking.upcalls() != 0 || parking.parked() != 0
                || !mailbox.isEmpty() || polls.releasing()) {
            return false;
        }
        for (RxQueue q : polls.polled()) {
            if (q.port().receives() && !q.port().exhausted()) {
                return false;
            }
        }
        return true;
    }

    // ---- commands ----

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
            case PmdCommand.Pause p -> pause = p.pause();
            case PmdCommand.Run task -> task.task().run();
        }
    }

    /**
     * Runs what is left in the mailbox, on the PMD's thread as it ends (a retired PMD), with the
     * mailbox closed to new commands: removals are acknowledged, so nobody waits for them.
     */
    private void drainAfterStop() {
        mailbox.close();
        while (mailbox.drain(runner) > 0) {
            tx.flush();
        }
    }

    private void packetOut(final PmdCommand.PacketOut out) {
        final PacketBatch b = outBatch;
        b.clear();
        b.inPort(out.inPort());
        final int len = Math.min(out.frame().length, b.dataRoom());
        MemorySegment.copy(out.frame(), 0, b.slotSegment(0), ValueLayout.JAVA_BYTE, PacketBatch.HEADROOM, len);
        b.addOwned(len, out.timestampNanos());
        long[] key = out.key();
        if (key != null) {
            b.headerOffsets(0, out.l3(), out.l4());
        } else {
            final long offsets = outExtractor.extract(Memory.ALL, b.address(0), len, out.inPort(), outKey, 0);
            key = outKey;
            if (offsets != FlowExtractor.DROP) {
                b.headerOffsets(0, FlowExtractor.l3Offset(offsets), FlowExtractor.l4Offset(offsets));
            } else {
                key = null;
                tx.drop(b, 0, DropReason.RX_INVALID);
            }
        }
        if (key != null) {
            stats.counts[PmdCounter.PACKET_OUTS.ordinal()]++;
            batches.executePacketOut(b, 0, out.actions(), key);
        }
        if (out.answersUpcall()) {
            parking.answered(out.hash());
            final RxQueue q = polls.find(out.inPort(), out.rxq());
            if (q != null) {
                q.inFlight(-1);
            }
            if (ordered != null) {
                ordered.answered();
            }
        }
    }

    // ---- introspection (run on the PMD thread, e.g. through a Run command) ----

    /** Classifiers by input port (PMD thread). */
    public List<Dpcls> classifiersView() {
        return new ArrayList<>(input.classifiers().values());
    }

    public int flowCount() {
        int n = 0;
        for (Dpcls cls : input.classifiers().values()) {
            n += cls.flowCount();
        }
        return n;
    }

    public int maskCount() {
        int n = 0;
        for (Dpcls cls : input.classifiers().values()) {
            n += cls.subtableCount();
        }
        return n;
    }

    public Emc emc() {
        return input.emc();
    }

    /** Upcalls in flight and packets parked behind them (PMD thread; tests). */
    public int inFlight() {
        return parking.upcalls() + parking.parked();
    }

    /** Length of the PMD's last {@code k} load intervals (0 before the first ended). */
    public long intervalNanos(final int k) {
        return history.length(k);
    }

    /** Busy time in the PMD's last {@code k} load intervals. */
    public long intervalBusyNanos(final int k) {
        return history.busy(k);
    }

    /** The core this PMD runs on, as pmd-stats-show and pmd-rxq-show name it: its CPU when pinned, else its id. */
    public int core() {
        final BitSet set = cpus;
        return set == null ? id : set.nextSetBit(0);
    }

    /** The CPUs this PMD is pinned to, or null. */
    public BitSet cpus() {
        final BitSet set = cpus;
        return set == null ? null : (BitSet) set.clone();
    }

    /** Pins this PMD's thread to these CPUs when it starts (OVS's pmd-cpu-mask); null: no pinning. */
    public void cpus(final BitSet set) {
        this.cpus = set == null ? null : (BitSet) set.clone();
    }

    @Override
    public void onStart() {
        final BitSet set = cpus;
        if (set != null) {
            CpuAffinity.pinCurrentThread(set);
        }
        for (Port p : ports) {
            p.attachThread();
        }
    }

    @Override
    public void onClose() {
        drainAfterStop();
        batch.close();
        outBatch.close();
        parking.close();
    }

    // ---- for benchmarks and tests that drive the PMD without its thread ----

    /** Runs one batch that is already in {@link #batchForTest()}, as received from {@code q}. */
    public void processBatchForTest(final RxQueue q) {
        input.parse(batch);
        input.lookup(batch, q);
        batches.execute(batch, batch.count(), nowMillis);
        tx.flush();
    }

    /** The receive batch, for benchmarks that fill it directly. */
    public PacketBatch batchForTest() {
        return batch;
    }

    /** Installs a flow immediately (on the calling thread, before the PMD runs). */
    public void installNow(final DpFlow flow) {
        input.install(flow);
    }
}
