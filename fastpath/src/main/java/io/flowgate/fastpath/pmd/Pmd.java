package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.ActionExecutor;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.action.Outputs;
import io.flowgate.fastpath.dpcls.Dpcls;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.upcall.UpcallRing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A poll-mode-driver thread's work: one {@link #doWork()} is one iteration of
 * <pre>
 *   drain commands → for each receive port: rx burst → parse → EMC → dpcls → upcall the misses
 *   → group packets by megaflow → execute actions → flush transmit
 * </pre>
 * The PMD owns its EMC, its per-port classifiers and its counters; nobody else writes them. Other
 * threads reach it only through its bounded command queue ({@link #offer}). The per-packet path
 * takes no lock, makes no atomic read-modify-write and allocates nothing.
 *
 * <p>In <em>ordered</em> mode (replay), the PMD stops a batch at its first miss and resumes it
 * only after the slow path has answered with the packet-out, and polls no port meanwhile, so that
 * every port transmits in input order, as Open vSwitch does when fed one packet at a time.
 */
public final class Pmd implements Agent, Outputs {
    public static final int COMMAND_CAPACITY = 4096;
    private static final int COMMAND_BUDGET = 256;
    private static final int W = FlowKey.WORDS;
    private static final int N = PacketBatch.MAX_BURST;
    private static final long RANK_INTERVAL_NANOS = 1_000_000_000L;

    private final int id;
    private final boolean ordered;
    private final Port[] ports;
    private final Int2IntHashMap portIndex = new Int2IntHashMap(-1);
    /** Port number to slot for small port numbers (the usual case): an array read, not a hash lookup. */
    private final int[] slotByPort = new int[256];
    private Port[] rxPorts;
    private final ManyToOneConcurrentArrayQueue<PmdCommand> commands = new ManyToOneConcurrentArrayQueue<>(COMMAND_CAPACITY);
    private volatile UpcallRing[] handlers;

    private final Emc emc;
    private final Int2ObjectHashMap<Dpcls> classifiers = new Int2ObjectHashMap<>();
    private final ParseCounters parseCounters = new ParseCounters();
    private final FlowExtractor extractor;
    /** Parses packet-outs; their packets were counted when they were received. */
    private final FlowExtractor outExtractor;
    private final ActionExecutor executor = new ActionExecutor();
    private final PmdStats stats;

    private final PacketBatch batch;
    private final PacketBatch outBatch;
    private final long[] keys = new long[N * W];
    private final long[] hashes = new long[N];
    private final DpFlow[] flows = new DpFlow[N];
    private final int[] pkts = new int[N];
    private final int[] pkt1 = new int[1];
    // executeGroups' scratch: per packet its group, per group its flow and totals.
    private final int[] packetGroup = new int[N];
    private final int[] grouped = new int[N];
    private final DpFlow[] groupFlow = new DpFlow[N];
    private final int[] groupSize = new int[N];
    private final int[] groupStart = new int[N];
    private final long[] groupBytes = new long[N];
    private final int[] groupTcpFlags = new int[N];
    private final long[] outKey = new long[W];
    private final boolean[] txUsed;

    private int nextRx;
    /** The port the current batch came from (its buffers go back there). */
    private Port batchPort;
    private int deferFrom = -1;
    private long outstanding;
    private long upcallSeq;
    private long lastRankNanos;
    /** The clock, read once per iteration: when the current iteration started, and whether the last one was busy. */
    private long iterationStart;
    private boolean lastBusy;
    /** Wall-clock epoch nanoseconds minus {@link System#nanoTime()}, recalibrated every second. */
    private long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    /** Wall-clock milliseconds of the current iteration (megaflow "used" times). */
    private long nowMillis;
    private volatile boolean drained;
    private volatile java.util.BitSet cpus;

    /**
     * @param ports         every port of the datapath (for transmission)
     * @param rxPorts       the ports this PMD polls
     * @param emcInverse    EMC insertion inverse probability (0 disables the EMC)
     * @param vlanLimit     VLAN tags to parse (1 or 2)
     */
    public Pmd(final int id, final List<Port> ports, final List<Port> rxPorts, final UpcallRing[] handlers,
               final int emcInverse, final int vlanLimit, final boolean ordered) {
        this.id = id;
        this.ordered = ordered;
        this.ports = ports.toArray(new Port[0]);
        Arrays.fill(slotByPort, -1);
        for (int i = 0; i < this.ports.length; i++) {
            portIndex.put(this.ports[i].number(), i);
            if (this.ports[i].number() >= 0 && this.ports[i].number() < slotByPort.length) {
                slotByPort[this.ports[i].number()] = i;
            }
            if (this.ports[i].txQueues() <= id) {
                throw new IllegalArgumentException("port " + this.ports[i].number() + " has "
                        + this.ports[i].txQueues() + " transmit queues, PMD " + id + " needs queue " + id);
            }
        }
        this.rxPorts = rxPorts.toArray(new Port[0]);
        this.handlers = handlers.clone();
        this.emc = new Emc(emcInverse, 0x9E37_79B9L * (id + 1));
        this.extractor = new FlowExtractor(parseCounters, vlanLimit);
        this.outExtractor = new FlowExtractor(new ParseCounters(), vlanLimit);
        this.stats = new PmdStats(this.ports.length);
        this.txUsed = new boolean[this.ports.length];
        this.batch = PacketBatch.owning();
        this.outBatch = PacketBatch.owning();
    }

    public int id() {
        return id;
    }

    @Override
    public String roleName() {
        return "pmd" + id;
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

    /** The ports this PMD polls (a copy; reconfigure with {@link #setRxPorts} on the PMD thread). */
    public Port[] rxPorts() {
        return rxPorts.clone();
    }

    /** Replaces the polled ports (run it on the PMD thread through a {@link PmdCommand.Run}). */
    public void setRxPorts(final List<Port> rx) {
        this.rxPorts = rx.toArray(new Port[0]);
        this.nextRx = 0;
    }

    /** Replaces the handler rings upcalls go to (any thread; takes effect on the next upcall). */
    public void setHandlers(final UpcallRing[] rings) {
        this.handlers = rings.clone();
    }

    /**
     * Queues a command for this PMD. Never blocks.
     *
     * @return false if the queue is full (the caller retries or gives up)
     */
    public boolean offer(final PmdCommand command) {
        return commands.offer(command);
    }

    /** True when the PMD has nothing left to do: inputs exhausted, no upcall or command pending. */
    public boolean drained() {
        return drained;
    }

    @Override
    public int doWork() {
        // One clock read per iteration: it ends the previous iteration (busy or idle time) and
        // dates this one's packets and megaflow hits. A clock read costs tens of nanoseconds on
        // a virtual machine; per batch that is a packet's worth.
        final long now = System.nanoTime();
        final long[] c = stats.counts;
        if (iterationStart != 0) {
            c[lastBusy ? PmdCounter.BUSY_NANOS.ordinal() : PmdCounter.IDLE_NANOS.ordinal()] += now - iterationStart;
        }
        iterationStart = now;
        if (now - lastRankNanos > RANK_INTERVAL_NANOS) {
            lastRankNanos = now;
            wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - now;
            rankClassifiers();
        }
        final long wall = now + wallOffsetNanos;
        nowMillis = wall / 1_000_000L;
        batch.polledAt(wall);
        int work = drainCommands();
        if (ordered && deferFrom >= 0 && outstanding == 0) {
            work += processOrdered(deferFrom);
            if (deferFrom < 0) {
                batchPort.release(batch);
            }
        }
        if (!ordered || (deferFrom < 0 && outstanding == 0)) {
            work += poll();
        }
        flushTx();
        lastBusy = work > 0;
        if (work > 0) {
            c[PmdCounter.BUSY_ITERATIONS.ordinal()]++;
        } else {
            c[PmdCounter.IDLE_ITERATIONS.ordinal()]++;
            drained = computeDrained();
        }
        stats.publish();
        return work;
    }

    private boolean computeDrained() {
        if (deferFrom >= 0 || outstanding != 0 || !commands.isEmpty()) {
            return false;
        }
        for (Port p : rxPorts) {
            if (p.receives() && !p.exhausted()) {
                return false;
            }
        }
        return true;
    }

    private void rankClassifiers() {
        for (Dpcls cls : classifiers.values()) {
            cls.rank();
        }
    }

    private int poll() {
        final Port[] rx = rxPorts;
        int work = 0;
        for (int k = 0; k < rx.length; k++) {
            final Port port = rx[nextRx];
            nextRx = nextRx + 1 == rx.length ? 0 : nextRx + 1;
            batch.clear();
            final int n = port.rxBurst(batch);
            if (n > 0) {
                final int slot = slot(port.number());
                stats.counts[PmdCounter.RX_PACKETS.ordinal()] += n;
                batchPort = port;
                final long bytes = process();
                if (slot >= 0) {
                    stats.portRx[slot] += n;
                    stats.portRxBytes[slot] += bytes;
                }
                if (deferFrom < 0) {
                    port.release(batch);
                }
                work += n;
                if (ordered && (deferFrom >= 0 || outstanding != 0)) {
                    break;
                }
            }
        }
        return work;
    }

    // ---- the per-batch path ----

    /** Processes the received batch; returns its bytes. */
    private long process() {
        final PacketBatch b = batch;
        final int n = b.count();
        final int inPort = b.inPort();
        final long[] k = keys;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            final int length = b.length(i);
            bytes += length;
            final long offsets = extractor.extract(Memory.ALL, b.address(i), length, inPort, k, i * W);
            if (offsets == FlowExtractor.DROP) {
                hashes[i] = 0;
                flows[i] = null;
                b.headerOffsets(i, FlowExtractor.NO_OFFSET, FlowExtractor.NO_OFFSET);
                continue;
            }
            b.headerOffsets(i, FlowExtractor.l3Offset(offsets), FlowExtractor.l4Offset(offsets));
            hashes[i] = FlowHash.hashKey(k, i * W) | 1;
        }
        if (ordered) {
            processOrdered(0);
            return bytes;
        }
        final long[] c = stats.counts;
        int pending = 0;
        int emcHits = 0;
        for (int i = 0; i < n; i++) {
            if (hashes[i] == 0) {
                drop(b, i, DropReason.RX_INVALID);
                continue;
            }
            final DpFlow f = emc.lookup(k, i * W, hashes[i]);
            flows[i] = f;
            if (f == null) {
                pending |= 1 << i;
            } else {
                emcHits++;
            }
        }
        c[PmdCounter.EMC_HITS.ordinal()] += emcHits;
        if (pending != 0) {
            pending &= ~classify(inPort, pending);
            while (pending != 0) {
                final int i = Integer.numberOfTrailingZeros(pending);
                pending &= pending - 1;
                upcall(b, i);
            }
        }
        executeGroups(b, n);
        return bytes;
    }

    /**
     * Looks the EMC misses in {@code pending} (a bit per packet) up in the input port's megaflow
     * classifier; hits go to {@code flows} and, now and then, into the EMC.
     *
     * @return the packets found
     */
    private int classify(final int inPort, final int pending) {
        final Dpcls cls = classifiers.get(inPort);
        if (cls == null) {
            return 0;
        }
        final long[] c = stats.counts;
        final long before = cls.subtableLookups();
        final int found = cls.lookup(keys, pending, flows);
        c[PmdCounter.SUBTABLE_LOOKUPS.ordinal()] += cls.subtableLookups() - before;
        int bits = found;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            emc.maybeInsert(keys, i * W, hashes[i], flows[i]);
            c[PmdCounter.MEGAFLOW_HITS.ordinal()]++;
        }
        return found;
    }

    /**
     * Executes each megaflow's actions once for all of its packets in the batch. Packets are
     * grouped by flow in linear passes (a counting sort on the group each flow gets the first
     * time the batch meets it, remembered in the flow), not by comparing every pair.
     */
    private void executeGroups(final PacketBatch b, final int n) {
        final DpFlow[] fl = flows;
        final long[] k = keys;
        final DpFlow[] gf = groupFlow;
        final int[] live = pkts;
        int groups = 0;
        int count = 0;
        // Consecutive packets of one flow (the usual case) add up in locals; a group's totals
        // are written when the run ends.
        int g = -1;
        DpFlow runFlow = null;
        int runSize = 0;
        long runBytes = 0;
        int runFlags = 0;
        for (int i = 0; i < n; i++) {
            final DpFlow f = fl[i];
            if (f == null) {
                continue;
            }
            live[count++] = i;
            if (f != runFlow) {
                if (runFlow != null) {
                    groupSize[g] += runSize;
                    groupBytes[g] += runBytes;
                    groupTcpFlags[g] |= runFlags;
                }
                // The flow's hint is its group if that group of this batch holds it.
                g = f.batchGroup();
                if (g >= groups || gf[g] != f) {
                    g = groups++;
                    f.batchGroup(g);
                    gf[g] = f;
                    groupSize[g] = 0;
                    groupBytes[g] = 0;
                    groupTcpFlags[g] = 0;
                }
                runFlow = f;
                runSize = 0;
                runBytes = 0;
                runFlags = 0;
            }
            packetGroup[i] = g;
            runSize++;
            runBytes += b.length(i);
            runFlags |= FlowKey.tcpFlags(k, i * W);
        }
        if (runFlow != null) {
            groupSize[g] += runSize;
            groupBytes[g] += runBytes;
            groupTcpFlags[g] |= runFlags;
        }
        if (groups == 1) {
            executeGroup(b, 0, count); // pkts already lists them
            return;
        }
        int start = 0;
        for (int h = 0; h < groups; h++) {
            groupStart[h] = start;
            start += groupSize[h];
        }
        for (int j = 0; j < count; j++) {
            final int i = live[j];
            grouped[groupStart[packetGroup[i]]++] = i;
        }
        start = 0;
        for (int h = 0; h < groups; h++) {
            final int size = groupSize[h];
            System.arraycopy(grouped, start, pkts, 0, size);
            start += size;
            executeGroup(b, h, size);
        }
    }

    private void executeGroup(final PacketBatch b, final int g, final int count) {
        final DpFlow f = groupFlow[g];
        groupFlow[g] = null;
        executor.execute(f.actions(), b, pkts, count, keys, this);
        f.hit(count, groupBytes[g], groupTcpFlags[g], nowMillis);
    }

    /** Ordered mode: packet by packet from {@code from}; stops after the first miss. */
    private int processOrdered(final int from) {
        final PacketBatch b = batch;
        final int n = b.count();
        final int inPort = b.inPort();
        final long[] c = stats.counts;
        deferFrom = -1;
        for (int i = from; i < n; i++) {
            if (hashes[i] == 0) {
                drop(b, i, DropReason.RX_INVALID);
                continue;
            }
            DpFlow f = emc.lookup(keys, i * W, hashes[i]);
            if (f != null) {
                c[PmdCounter.EMC_HITS.ordinal()]++;
            } else if (classify(inPort, 1 << i) != 0) {
                f = flows[i];
            }
            if (f != null) {
                pkts[0] = i;
                executor.execute(f.actions(), b, pkts, 1, keys, this);
                f.hit(1, b.length(i), FlowKey.tcpFlags(keys, i * W), nowMillis);
            } else if (upcall(b, i)) {
                deferFrom = i + 1;
                return n - from;
            }
        }
        return n - from;
    }

    /** Sends packet {@code i} to a handler; true if it was queued. */
    private boolean upcall(final PacketBatch b, final int i) {
        final UpcallRing[] h = handlers;
        final long hash = hashes[i];
        if (h.length == 0) {
            drop(b, i, DropReason.UPCALL_LOST);
            stats.counts[PmdCounter.LOST_UPCALLS.ordinal()]++;
            return false;
        }
        final UpcallRing ring = h[(int) ((hash >>> 1) % h.length)];
        final long seq = upcallSeq;
        if (ring.offer(id, b.inPort(), seq, b.timestamp(i), hash, keys, i * W, Memory.ALL, b.address(i), b.length(i))) {
            upcallSeq++;
            outstanding++;
            stats.counts[PmdCounter.MISSES.ordinal()]++;
            return true;
        }
        stats.counts[PmdCounter.LOST_UPCALLS.ordinal()]++;
        drop(b, i, DropReason.UPCALL_LOST);
        return false;
    }

    // ---- commands ----

    private final Consumer<PmdCommand> commandRunner = this::run;

    private int drainCommands() {
        return commands.drain(commandRunner, COMMAND_BUDGET);
    }

    private void run(final PmdCommand command) {
        switch (command) {
            case PmdCommand.Install install -> install(install.flow());
            case PmdCommand.Remove remove -> remove(remove.flow());
            case PmdCommand.PacketOut out -> packetOut(out);
            case PmdCommand.Run task -> task.task().run();
        }
    }

    private void install(final DpFlow flow) {
        Dpcls cls = classifiers.get(flow.inPort());
        if (cls == null) {
            cls = new Dpcls();
            classifiers.put(flow.inPort(), cls);
        }
        final DpFlow existing = cls.find(flow.mask(), flow.match());
        if (existing != null && existing != flow) {
            if (!existing.isDead()) {
                stats.counts[PmdCounter.DUPLICATE_INSTALLS.ordinal()]++;
                return;
            }
            cls.remove(existing);
        } else if (existing == flow) {
            return;
        }
        cls.insert(flow);
        stats.counts[PmdCounter.FLOWS_INSTALLED.ordinal()]++;
    }

    private void remove(final DpFlow flow) {
        final Dpcls cls = classifiers.get(flow.inPort());
        if (cls != null && cls.remove(flow)) {
            stats.counts[PmdCounter.FLOWS_REMOVED.ordinal()]++;
        }
        // Batches run between commands, so no packet of this PMD touches the flow any more.
        flow.markRemoved();
    }

    private void packetOut(final PmdCommand.PacketOut out) {
        final PacketBatch b = outBatch;
        b.clear();
        b.inPort(out.inPort());
        final int len = Math.min(out.frame().length, b.dataRoom());
        MemorySegment.copy(out.frame(), 0, b.slotSegment(0), ValueLayout.JAVA_BYTE, PacketBatch.HEADROOM, len);
        b.addOwned(len, out.timestampNanos());
        final long offsets = outExtractor.extract(Memory.ALL, b.address(0), len, out.inPort(), outKey, 0);
        if (offsets != FlowExtractor.DROP) {
            b.headerOffsets(0, FlowExtractor.l3Offset(offsets), FlowExtractor.l4Offset(offsets));
            pkts[0] = 0;
            stats.counts[PmdCounter.PACKET_OUTS.ordinal()]++;
            executor.execute(out.actions(), b, pkts, 1, outKey, this);
        } else {
            drop(b, 0, DropReason.RX_INVALID);
        }
        if (out.upcallSeq() >= 0 && outstanding > 0) {
            outstanding--;
        }
        flushTx();
    }

    // ---- Outputs ----

    @Override
    public void output(final int port, final PacketBatch b, final int i, final boolean last) {
        pkt1[0] = i;
        output(port, b, pkt1, 1, last);
    }

    @Override
    public void output(final int port, final PacketBatch b, final int[] pkts, final int n, final boolean last) {
        final int slot = slot(port);
        if (slot < 0) {
            stats.counts[PmdStats.index(DropReason.INVALID_PORT)] += n;
            return;
        }
        final Port p = ports[slot];
        int sent = 0;
        long bytes = 0;
        for (int j = 0; j < n; j++) {
            final int i = pkts[j];
            final int len = b.length(i);
            if ((last && b.mbuf(i) != 0 && p.sendBuffer(id, b, i))
                    || p.send(id, Memory.ALL, b.address(i), len, b.timestamp(i))) {
                sent++;
                bytes += len;
            } else {
                stats.counts[PmdStats.index(DropReason.TX_FAILED)]++;
            }
        }
        final long[] c = stats.counts;
        c[PmdCounter.TX_PACKETS.ordinal()] += sent;
        stats.portTx[slot] += sent;
        stats.portTxBytes[slot] += bytes;
        txUsed[slot] |= sent > 0;
    }

    /** The slot of port number {@code port}, or -1. */
    private int slot(final int port) {
        return port >= 0 && port < slotByPort.length ? slotByPort[port] : portIndex.get(port);
    }

    @Override
    public void drop(final PacketBatch b, final int i, final DropReason reason) {
        stats.counts[PmdStats.index(reason)]++;
    }

    private void flushTx() {
        final boolean[] used = txUsed;
        for (int s = 0; s < used.length; s++) {
            if (used[s]) {
                used[s] = false;
                final int refused = ports[s].flush(id);
                if (refused > 0) {
                    // Counted as sent when queued; the device refused them at the burst.
                    stats.counts[PmdCounter.TX_PACKETS.ordinal()] -= refused;
                    stats.portTx[s] -= refused;
                    stats.counts[PmdCounter.DROP_TX_FAILED.ordinal()] += refused;
                }
            }
        }
    }

    // ---- introspection for the slow path and the control socket (run on the PMD thread) ----

    /** Masks in use per input port, and flow counts (call on the PMD thread, e.g. via a Run command). */
    public List<Dpcls> classifiersView() {
        return new ArrayList<>(classifiers.values());
    }

    public int flowCount() {
        int n = 0;
        for (Dpcls cls : classifiers.values()) {
            n += cls.flowCount();
        }
        return n;
    }

    public int maskCount() {
        int n = 0;
        for (Dpcls cls : classifiers.values()) {
            n += cls.subtableCount();
        }
        return n;
    }

    public Emc emc() {
        return emc;
    }

    /** The CPUs this PMD is pinned to, or null. */
    public java.util.BitSet cpus() {
        final java.util.BitSet set = cpus;
        return set == null ? null : (java.util.BitSet) set.clone();
    }

    /** Pins this PMD's thread to these CPUs when it starts (OVS's pmd-cpu-mask); null: no pinning. */
    public void cpus(final java.util.BitSet set) {
        this.cpus = set == null ? null : (java.util.BitSet) set.clone();
    }

    @Override
    public void onStart() {
        final java.util.BitSet set = cpus;
        if (set != null) {
            io.flowgate.bindings.CpuAffinity.pinCurrentThread(set);
        }
        for (Port p : ports) {
            p.attachThread();
        }
    }

    @Override
    public void onClose() {
        batch.close();
        outBatch.close();
    }

    /** Runs one batch that is already in {@link #batchForTest()} (benchmarks drive the PMD without ports). */
    public void processBatchForTest() {
        process();
        flushTx();
    }

    /** The receive batch, for benchmarks that fill it directly. */
    public PacketBatch batchForTest() {
        return batch;
    }

    /** Installs a flow immediately (benchmarks and tests, on the calling thread before the PMD runs). */
    public void installNow(final DpFlow flow) {
        install(flow);
    }

}
