package io.flowgate.fastpath.dpdk;

import io.flowgate.bindings.flowgate_shim_h;
import io.flowgate.bindings.rte_eth_conf;
import io.flowgate.bindings.rte_eth_dev_info;
import io.flowgate.bindings.rte_ethdev_h;
import io.flowgate.bindings.rte_mbuf;
import io.flowgate.bindings.rte_mbuf_h;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.ReplayClock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code dpdk:DEVARGS}: a DPDK ethernet device, a PCI address on bare metal or a virtual device
 * ({@code net_pcap0,rx_pcap=a.pcap}, {@code net_af_packet0,iface=veth0}, {@code net_tap0},
 * {@code net_null0}, ...). One receive queue, polled by one PMD; one transmit queue per PMD.
 *
 * <p>Zero copy: received packets stay in the mbufs the NIC filled and are parsed and modified in
 * place; a packet's last output hands its mbuf to the transmit queue, adjusted for any VLAN push
 * or pop. Only packets sent to several ports, or coming from the slow path, are copied into
 * new mbufs. Mbufs nobody took are freed in bulk at the end of the batch.
 *
 * <p>In replay mode (a {@link ReplayClock}), received mbufs wait in a small look-ahead until the
 * clock lets their capture time through, so several inputs merge by time as pcap ports do.
 */
public final class DpdkPort implements Port {
    private static final Pattern PCI = Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int BURST = PacketBatch.MAX_BURST;
    private static final int TX_BURST = 64;
    private static final ThreadLocal<Boolean> REGISTERED = ThreadLocal.withInitial(() -> false);

    /**
     * How to set the device up.
     *
     * @param expectedPackets replay mode: the input ends after this many packets (net_pcap says
     *                        nothing at the end of its file), or -1
     */
    public record Options(int rxDescriptors, int txDescriptors, int mtu, boolean timestamps, long expectedPackets) {
        public static final Options DEFAULT = new Options(1024, 1024, 0, false, -1);
    }

    private final int number;
    private final String devargs;
    private final String name;
    private final short portId;
    private final MbufPool pool;
    private final long poolAddress;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rx;
    private final MemorySegment[] tx;
    // The same arrays by address: the hot path reads and writes them through ALL, without the
    // shared arena's liveness check on every access (they live until close(), after the PMDs).
    private final long rxAddress;
    private final long[] txAddress;
    private final int[] txCount;
    private final int[] txRefused;
    private final MemorySegment freeList;
    private final long freeAddress;
    private final ReplayClock clock;
    private final int clockIndex;
    private final long expected;
    private final int timestampOffset;
    private final long timestampFlag;
    private final String driver;
    // Replay look-ahead (PMD thread only).
    private final long[] pendingMbuf = new long[BURST];
    private final long[] pendingTime = new long[BURST];
    private int pendingHead;
    private int pendingCount;
    private long received;
    private long multiSegment;
    private boolean exhausted;
    private boolean closed;

    /** The EAL arguments that make a port spec's device exist: {@code -a PCI} or {@code --vdev=DEVARGS}. */
    public static List<String> ealArgs(final String devargs) {
        return PCI.matcher(deviceName(devargs)).matches() ? List.of("-a", devargs) : List.of("--vdev=" + devargs);
    }

    /** True if a spec names a PCI device (so the EAL must scan PCI). */
    public static boolean isPci(final String devargs) {
        return PCI.matcher(deviceName(devargs)).matches();
    }

    private static String deviceName(final String devargs) {
        final int comma = devargs.indexOf(',');
        return (comma < 0 ? devargs : devargs.substring(0, comma)).strip();
    }

    /**
     * Configures and starts the device.
     *
     * @param txQueues one per PMD
     * @param clock    replay mode (ordered delivery), or null
     */
    public DpdkPort(final int number, final String devargs, final MbufPool pool, final int txQueues, final Options options,
                    final ReplayClock clock) throws DpdkException {
        this.number = number;
        this.devargs = devargs;
        this.name = deviceName(devargs);
        this.pool = pool;
        this.poolAddress = pool.address();
        this.expected = options.expectedPackets();
        final String what = "dpdk port " + number + " (" + name + ")";
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment id = tmp.allocate(ValueLayout.JAVA_SHORT);
            if (rte_ethdev_h.rte_eth_dev_get_port_by_name(tmp.allocateFrom(name), id) != 0) {
                throw new DpdkException(what + ": no such DPDK device; it did not probe (DPDK's log above says"
                        + " why: a missing file or interface, a mistyped argument, a NIC not bound to vfio-pci)");
            }
            this.portId = id.get(ValueLayout.JAVA_SHORT, 0);
            final MemorySegment info = tmp.allocate(rte_eth_dev_info.SIZE, 8);
            check(what, "reading device info", rte_ethdev_h.rte_eth_dev_info_get(portId, info));
            this.driver = rte_eth_dev_info.driver_name(info);
            final int maxTx = rte_eth_dev_info.max_tx_queues(info);
            if (maxTx < txQueues) {
                throw new DpdkException(what + ": the device has " + maxTx + " transmit queue(s), Flowgate needs "
                        + txQueues + " (one per PMD; for net_af_packet add qpairs=" + txQueues + ")");
            }
            final MemorySegment conf = tmp.allocate(rte_eth_conf.SIZE, 8);
            final boolean stamp = options.timestamps()
                    && (rte_eth_dev_info.rx_offload_capa(info) & (1L << 14)) != 0;
            if (stamp) {
                conf.set(ValueLayout.JAVA_LONG, rte_eth_conf.rxmode_offloads, 1L << 14);
            }
            final int socket = Math.max(0, rte_ethdev_h.rte_eth_dev_socket_id(portId));
            check(what, "configuring", rte_ethdev_h.rte_eth_dev_configure(portId, (short) 1, (short) txQueues, conf));
            check(what, "setting up its receive queue", rte_ethdev_h.rte_eth_rx_queue_setup(portId, (short) 0,
                    (short) options.rxDescriptors(), socket, MemorySegment.NULL, pool.pointer()));
            for (int q = 0; q < txQueues; q++) {
                check(what, "setting up transmit queue " + q, rte_ethdev_h.rte_eth_tx_queue_setup(portId, (short) q,
                        (short) options.txDescriptors(), socket, MemorySegment.NULL));
            }
            if (options.mtu() > 0) {
                check(what, "setting the MTU to " + options.mtu(),
                        rte_ethdev_h.rte_eth_dev_set_mtu(portId, (short) options.mtu()));
            }
            check(what, "starting", rte_ethdev_h.rte_eth_dev_start(portId));
            // Not every device has a promiscuous mode (net_null, net_pcap); that is fine.
            rte_ethdev_h.rte_eth_promiscuous_enable(portId);
            if (stamp) {
                this.timestampOffset = rte_mbuf_h.rte_mbuf_dynfield_lookup(tmp.allocateFrom("rte_dynfield_timestamp"),
                        MemorySegment.NULL);
                final int bit = rte_mbuf_h.rte_mbuf_dynflag_lookup(tmp.allocateFrom("rte_dynflag_rx_timestamp"),
                        MemorySegment.NULL);
                this.timestampFlag = bit < 0 ? 0 : 1L << bit;
            } else {
                this.timestampOffset = -1;
                this.timestampFlag = 0;
            }
        }
        this.rx = arena.allocate(8L * BURST, 64);
        this.rxAddress = rx.address();
        this.tx = new MemorySegment[txQueues];
        this.txAddress = new long[txQueues];
        for (int q = 0; q < txQueues; q++) {
            tx[q] = arena.allocate(8L * TX_BURST, 64);
            txAddress[q] = tx[q].address();
        }
        this.txCount = new int[txQueues];
        this.txRefused = new int[txQueues];
        this.freeList = arena.allocate(8L * BURST, 64);
        this.freeAddress = freeList.address();
        this.clock = expected >= 0 ? clock : null;
        this.clockIndex = this.clock == null ? -1 : this.clock.register();
        this.exhausted = expected == 0;
        if (this.clock != null) {
            refill();
        }
    }

    private static void check(final String what, final String step, final int rc) throws DpdkException {
        if (rc < 0) {
            throw new DpdkException(what + ": " + step + " failed: " + Eal.strerror(rc));
        }
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String spec() {
        return "dpdk:" + devargs;
    }

    @Override
    public String type() {
        return "dpdk";
    }

    @Override
    public String name() {
        return name;
    }

    public String driver() {
        return driver;
    }

    public short portId() {
        return portId;
    }

    @Override
    public boolean copiesIntoBatch() {
        return false;
    }

    @Override
    public boolean receives() {
        return expected != 0;
    }

    @Override
    public boolean exhausted() {
        return exhausted;
    }

    @Override
    public int txQueues() {
        return tx.length;
    }

    /** Received packets that spanned several mbufs (not supported: freed). */
    public long multiSegmentDrops() {
        return multiSegment;
    }

    /** Link state: the speed in Mbit/s, or -1 when the link is down. */
    public long linkSpeed() {
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment speed = tmp.allocate(ValueLayout.JAVA_INT);
            return flowgate_shim_h.fg_link(portId, speed) == 1 ? speed.get(ValueLayout.JAVA_INT, 0) & 0xFFFF_FFFFL : -1;
        }
    }

    @Override
    public void attachThread() {
        if (!REGISTERED.get()) {
            Eal.registerThread();
            REGISTERED.set(true);
        }
    }

    // ---- receive ----

    @Override
    public int rxBurst(final PacketBatch batch) {
        if (clock != null) {
            return replayBurst(batch);
        }
        batch.inPort(number);
        final int n = flowgate_shim_h.fg_rx_burst(portId, (short) 0, rxAddress, (short) BURST) & 0xFFFF;
        if (n == 0) {
            return 0;
        }
        // The PMD's one clock read per iteration, not one per packet.
        final long now = batch.polledAt();
        final long ptrs = rxAddress;
        int added = 0;
        for (int i = 0; i < n; i++) {
            final long m = ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, ptrs + 8L * i);
            if (rte_mbuf.nb_segs(m) != 1) {
                flowgate_shim_h.fg_pktmbuf_free(m);
                multiSegment++;
                continue;
            }
            add(batch, m, now);
            added++;
        }
        received += added;
        return added;
    }

    private static void add(final PacketBatch batch, final long m, final long timestamp) {
        final long buf = rte_mbuf.buf_addr(m);
        batch.addBorrowed(buf + rte_mbuf.data_off(m), rte_mbuf.data_len(m), m, timestamp, buf);
    }

    /** Fills the look-ahead when it is empty; sets the clock's head for this input. */
    private void refill() {
        if (pendingCount == 0 && !exhausted) {
            final int n = flowgate_shim_h.fg_rx_burst(portId, (short) 0, rxAddress, (short) BURST) & 0xFFFF;
            pendingHead = 0;
            for (int i = 0; i < n; i++) {
                final long m = rx.getAtIndex(ValueLayout.JAVA_LONG, i);
                final boolean stamped = timestampOffset >= 0 && (rte_mbuf.ol_flags(m) & timestampFlag) != 0;
                pendingMbuf[pendingCount] = m;
                pendingTime[pendingCount] = stamped ? rte_mbuf.dynfield64(m, timestampOffset) : received + pendingCount;
                pendingCount++;
            }
            if (n == 0) {
                exhausted = true; // net_pcap reads its file synchronously: nothing now means the end
            }
        }
        clock.head(clockIndex, pendingCount > 0 ? pendingTime[pendingHead] : Long.MAX_VALUE);
    }

    private int replayBurst(final PacketBatch batch) {
        batch.inPort(number);
        int n = 0;
        refill();
        while (n < BURST && pendingCount > 0 && clock.mayDeliver(clockIndex, pendingTime[pendingHead])) {
            final long m = pendingMbuf[pendingHead];
            add(batch, m, pendingTime[pendingHead]);
            pendingHead++;
            pendingCount--;
            n++;
            received++;
            if (received == expected) {
                exhausted = pendingCount == 0;
            }
            refill();
        }
        return n;
    }

    /** Packets received so far. */
    public long received() {
        return received;
    }

    @Override
    public void release(final PacketBatch batch) {
        if (batch.mbufsHeld() == 0) {
            return; // all transmitted (the usual case)
        }
        int k = 0;
        final long list = freeAddress;
        for (int i = 0; i < batch.count(); i++) {
            final long m = batch.takeMbuf(i);
            if (m != 0) {
                ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, list + 8L * k++, m);
            }
        }
        if (k > 0) {
            rte_mbuf_h.rte_pktmbuf_free_bulk(list, k);
        }
    }

    // ---- transmit ----

    @Override
    public boolean sendBuffer(final int txq, final PacketBatch batch, final int i) {
        final long m = batch.takeMbuf(i);
        if (batch.reframed(i)) {
            // A tag was pushed or popped: the frame moved within the mbuf.
            final long buf = rte_mbuf.buf_addr(m);
            final int len = batch.length(i);
            rte_mbuf.data_off(m, (int) (batch.address(i) - buf));
            rte_mbuf.data_len(m, len);
            rte_mbuf.pkt_len(m, len);
        }
        enqueue(txq, m);
        return true;
    }

    @Override
    public boolean send(final int txq, final MemorySegment memory, final long address, final int length,
                        final long timestampNanos) {
        final long m = flowgate_shim_h.fg_pktmbuf_alloc(poolAddress);
        if (m == 0) {
            return false;
        }
        final long data = rte_mbuf.buf_addr(m) + rte_mbuf.data_off(m);
        if (length > rte_mbuf.buf_len(m) - rte_mbuf.data_off(m)) {
            flowgate_shim_h.fg_pktmbuf_free(m);
            return false;
        }
        MemorySegment.copy(memory, address, ALL, data, length);
        rte_mbuf.data_len(m, length);
        rte_mbuf.pkt_len(m, length);
        enqueue(txq, m);
        return true;
    }

    private void enqueue(final int txq, final long m) {
        final int c = txCount[txq];
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, txAddress[txq] + 8L * c, m);
        txCount[txq] = c + 1;
        if (c + 1 == TX_BURST) {
            txRefused[txq] += burst(txq);
        }
    }

    /** Sends what the queue holds; frees and returns what the device refused. */
    private int burst(final int txq) {
        final int c = txCount[txq];
        if (c == 0) {
            return 0;
        }
        final int sent = flowgate_shim_h.fg_tx_burst(portId, (short) txq, txAddress[txq], (short) c) & 0xFFFF;
        txCount[txq] = 0;
        if (sent < c) {
            rte_mbuf_h.rte_pktmbuf_free_bulk(txAddress[txq] + 8L * sent, c - sent);
        }
        return c - sent;
    }

    @Override
    public int flush(final int txq) {
        final int refused = txRefused[txq] + burst(txq);
        txRefused[txq] = 0;
        return refused;
    }

    /** Stops and closes the device (the PMDs have stopped). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int q = 0; q < tx.length; q++) {
            burst(q);
        }
        for (int i = 0; i < pendingCount; i++) {
            flowgate_shim_h.fg_pktmbuf_free(pendingMbuf[pendingHead + i]);
        }
        rte_ethdev_h.rte_eth_dev_stop(portId);
        rte_ethdev_h.rte_eth_dev_close(portId);
        arena.close();
    }
}
