package io.flowgate.fastpath.dpdk;

import io.flowgate.bindings.flowgate_shim_h;
import io.flowgate.bindings.rte_eth_conf;
import io.flowgate.bindings.rte_eth_dev_info;
import io.flowgate.bindings.rte_eth_stats;
import io.flowgate.bindings.rte_ethdev_h;
import io.flowgate.bindings.rte_mbuf;
import io.flowgate.bindings.rte_mbuf_h;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.DeviceStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.ReplayClock;
import io.flowgate.fastpath.port.TxQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code dpdk:DEVARGS}: a DPDK ethernet device, a PCI address on bare metal or a virtual device
 * ({@code net_pcap0,rx_pcap=a.pcap}, {@code net_af_packet0,iface=veth0}, {@code net_tap0},
 * {@code net_null0}, ...). {@code n_rxq} receive queues (OVS's {@code options:n_rxq}), spread by
 * the device's RSS over IP addresses and TCP/UDP ports where it has RSS, each polled by one PMD at
 * a time; one transmit queue per PMD.
 *
 * <p>Zero copy: received packets stay in the mbufs the NIC filled and are parsed and modified in
 * place; a packet's last output hands its mbuf to the transmit queue, adjusted for any VLAN push
 * or pop. Only packets sent to several ports, or coming from the slow path, are copied into
 * new mbufs. Mbufs nobody took are freed in bulk at the end of the batch. When the NIC computed
 * an RSS hash, it travels with the packet ({@link PacketBatch#rssHash}) so the PMD need not hash.
 *
 * <p>Each receive queue's state (its burst array and counters) and each transmit queue (a
 * {@link DpdkTxQueue} with its own mbuf array and count) belong to the one PMD using them: nothing
 * here is written by two threads.
 *
 * <p>In replay mode (a {@link ReplayClock}), received mbufs wait in a small look-ahead until the
 * clock lets their capture time through, so several inputs merge by time as pcap ports do.
 *
 * <p>Why one file of about 600 lines: setting the device up (n_rxq, mtu_request, a restart that
 * falls back to what was) replaces the receive queues' states, their RSS and timestamp choices
 * and the options that the receive path, the replay look-ahead, the counters and dpctl/show's
 * status read; split, each part would reach into the others' fields. The transmit queue, which
 * shares nothing with them, is {@link DpdkTxQueue}; the EAL and the pool are {@link DpdkRuntime}'s.
 */
public final class DpdkPort implements Port {
    @SuppressWarnings("restricted") // mbufs are read by address, as in rte_mbuf
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final int BURST = PacketBatch.MAX_BURST;
    private static final int ENOTSUP = 95;
    private static final System.Logger LOG = System.getLogger("dpdk");
    private static final ThreadLocal<Boolean> REGISTERED = ThreadLocal.withInitial(() -> false);
    /** Each PMD thread's array for freeing a batch's leftover mbufs in one call. */
    private static final ThreadLocal<MemorySegment> FREE_LIST =
            ThreadLocal.withInitial(() -> Arena.global().allocate(8L * BURST, 64));
    /** RSS over IPv4/IPv6 addresses and TCP/UDP ports (RTE_ETH_RSS_IP | TCP | UDP). */
    private static final long RSS_HF = rte_eth_conf.RSS_IP | rte_eth_conf.RSS_TCP | rte_eth_conf.RSS_UDP;
    private static final VarHandle MULTI_SEGMENT;

    static {
        try {
            MULTI_SEGMENT = MethodHandles.lookup().findVarHandle(RxState.class, "multiSegment", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * How to set the device up.
     *
     * @param rxQueues        receive queues (n_rxq)
     * @param expectedPackets replay mode: the input ends after this many packets (net_pcap says
     *                        nothing at the end of its file), or -1
     */
    public record Options(int rxQueues, int rxDescriptors, int txDescriptors, int mtu, boolean timestamps,
                          long expectedPackets) {
        public Options withRxQueues(final int n) {
            return new Options(n, rxDescriptors, txDescriptors, mtu, timestamps, expectedPackets);
        }

        public Options withMtu(final int m) {
            return new Options(rxQueues, rxDescriptors, txDescriptors, m, timestamps, expectedPackets);
        }
    }

    /** One receive queue's burst array and counters (its polling PMD's). */
    private static final class RxState {
        final long burst;
        long received;
        long multiSegment;

        RxState(final long burst) {
            this.burst = burst;
        }
    }

    private final int number;
    private final String devargs;
    /** The device's name (DPDK's), and the port's (dpctl/show's). */
    private final String name;
    private final String portName;
    private final String what;
    private final short portId;
    private final MbufPool pool;
    private final long poolAddress;
    private final Arena arena = Arena.ofShared();
    private final int txQueueCount;
    private final DpdkTxQueue[] txQueues;
    private final int maxRxQueues;
    private final long rssOffloads;
    private final String driver;
    private Options options;
    private final boolean stamp;
    private volatile RxState[] rx;
    /** Multi-segment drops counted by receive queues that a change of n_rxq replaced. */
    private volatile long retiredMultiSegment;
    private volatile boolean rss;
    private final ReplayClock clock;
    private final int clockIndex;
    private final long expected;
    private final int timestampOffset;
    private final long timestampFlag;
    // Replay look-ahead (queue 0's PMD only).
    private final long[] pendingMbuf = new long[BURST];
    private final long[] pendingTime = new long[BURST];
    private int pendingHead;
    private int pendingCount;
    private boolean exhausted;
    private boolean closed;

    /** The device's name in its arguments: what comes before the first comma. */
    static String deviceName(final String devargs) {
        final int comma = devargs.indexOf(',');
        return (comma < 0 ? devargs : devargs.substring(0, comma)).strip();
    }

    /**
     * Configures and starts the device.
     *
     * @param portName    the port's name ({@code name=}), or null for the device's name
     * @param minTxQueues one per PMD that exists at the start: the device must have that many
     * @param maxTxQueues one per PMD that may ever exist: as many as the device has, up to this
     * @param clock       replay mode (ordered delivery), or null
     */
    public DpdkPort(final int number, final String portName, final String devargs, final MbufPool pool,
                    final int minTxQueues, final int maxTxQueues, final Options options, final ReplayClock clock)
            throws DpdkException {
        this.number = number;
        this.devargs = devargs;
        this.name = deviceName(devargs);
        this.portName = portName == null ? this.name : portName;
        this.pool = pool;
        this.poolAddress = pool.address();
        this.expected = options.expectedPackets();
        this.what = "dpdk port " + number + " (" + name + ")";
        this.options = options;
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment id = tmp.allocate(ValueLayout.JAVA_SHORT);
            if (rte_ethdev_h.rte_eth_dev_get_port_by_name(tmp.allocateFrom(name), id) != 0) {
                throw new DpdkException(what + ": no such DPDK device; it did not probe (DPDK's log above says"
                        + " why: a missing file or interface, a mistyped argument, a NIC not bound to vfio-pci)");
            }
            this.portId = id.get(ValueLayout.JAVA_SHORT, 0);
            final MemorySegment info = tmp.allocate(rte_eth_dev_info.SIZE, 8);
            check("reading device info", rte_ethdev_h.rte_eth_dev_info_get(portId, info));
            this.driver = rte_eth_dev_info.driver_name(info);
            this.maxRxQueues = rte_eth_dev_info.max_rx_queues(info);
            this.rssOffloads = rte_eth_dev_info.flow_type_rss_offloads(info);
            final int maxTx = rte_eth_dev_info.max_tx_queues(info);
            if (maxTx < minTxQueues) {
                throw new DpdkException(what + ": the device has " + maxTx + " transmit queue(s), Flowgate needs "
                        + minTxQueues + " (one per PMD; for net_af_packet add qpairs=" + minTxQueues + ")");
            }
            this.txQueueCount = Math.min(maxTx, Math.max(minTxQueues, maxTxQueues));
            this.stamp = options.timestamps() && (rte_eth_dev_info.rx_offload_capa(info) & (1L << 14)) != 0;
            if (options.mtu() > 0 && refusesMtu(options.mtu()) != null) {
                throw new DpdkException(refusesMtu(options.mtu()));
            }
            configure(fixedRxQueues() > 0 ? fixedRxQueues() : options.rxQueues());
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
        this.txQueues = new DpdkTxQueue[txQueueCount];
        this.clock = expected >= 0 ? clock : null;
        this.clockIndex = this.clock == null ? -1 : this.clock.register();
        this.exhausted = expected == 0;
        if (this.clock != null) {
            refill();
        }
    }

    /**
     * Sets the device up with {@code rxQueues} receive queues and starts it: RSS over addresses
     * and ports when there are several queues and the device has RSS.
     */
    private void configure(final int rxQueues) throws DpdkException {
        if (rxQueues < 1 || rxQueues > maxRxQueues) {
            throw new DpdkException(what + ": n_rxq " + rxQueues + " is out of range: the device has "
                    + maxRxQueues + " receive queue(s)");
        }
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment conf = tmp.allocate(rte_eth_conf.SIZE, 8);
            if (stamp) {
                conf.set(ValueLayout.JAVA_LONG, rte_eth_conf.rxmode_offloads, 1L << 14);
            }
            final long hf = RSS_HF & rssOffloads;
            boolean spread = rxQueues > 1 && hf != 0;
            if (spread) {
                conf.set(ValueLayout.JAVA_INT, rte_eth_conf.rxmode_mq_mode, rte_eth_conf.MQ_RX_RSS);
                conf.set(ValueLayout.JAVA_LONG, rte_eth_conf.rss_conf_rss_hf, hf);
            }
            final int socket = Math.max(0, rte_ethdev_h.rte_eth_dev_socket_id(portId));
            int rc = rte_ethdev_h.rte_eth_dev_configure(portId, (short) rxQueues, (short) txQueueCount, conf);
            if (rc < 0 && spread) {
                // A device may advertise RSS and still refuse it: its queues are then spread by
                // the device's own means (a kernel's flow hash), or not at all.
                conf.set(ValueLayout.JAVA_INT, rte_eth_conf.rxmode_mq_mode, 0);
                conf.set(ValueLayout.JAVA_LONG, rte_eth_conf.rss_conf_rss_hf, 0L);
                spread = false;
                rc = rte_ethdev_h.rte_eth_dev_configure(portId, (short) rxQueues, (short) txQueueCount, conf);
            }
            check("configuring " + rxQueues + " receive queue(s) and " + txQueueCount + " transmit queue(s)", rc);
            final RxState[] states = new RxState[rxQueues];
            for (int q = 0; q < rxQueues; q++) {
                check("setting up receive queue " + q, rte_ethdev_h.rte_eth_rx_queue_setup(portId, (short) q,
                        (short) options.rxDescriptors(), socket, MemorySegment.NULL, pool.pointer()));
                states[q] = new RxState(arena.allocate(8L * BURST, 64).address());
            }
            for (int q = 0; q < txQueueCount; q++) {
                check("setting up transmit queue " + q, rte_ethdev_h.rte_eth_tx_queue_setup(portId, (short) q,
                        (short) options.txDescriptors(), socket, MemorySegment.NULL));
            }
            if (options.mtu() > 0) {
                final int set = rte_ethdev_h.rte_eth_dev_set_mtu(portId, (short) options.mtu());
                if (set == -ENOTSUP) {
                    // As OVS: a device without MTU configuration keeps its own, with a warning.
                    LOG.log(System.Logger.Level.WARNING, "Interface " + portName + " does not support MTU"
                            + " configuration, max packet size supported is " + mtu() + ".");
                } else {
                    check("setting the MTU to " + options.mtu(), set);
                }
            }
            check("starting", rte_ethdev_h.rte_eth_dev_start(portId));
            // Not every device has a promiscuous mode (net_null, net_pcap); that is fine.
            rte_ethdev_h.rte_eth_promiscuous_enable(portId);
            this.rss = spread;
            if (rx != null) {
                retiredMultiSegment = multiSegmentDrops();
            }
            this.rx = states;
        }
    }

    /**
     * The receive queues a device has whatever is asked for, or -1. net_af_packet receives on each
     * of its qpairs (the kernel spreads flows over their sockets), so each must be polled;
     * net_tap's queues come in receive/transmit pairs.
     */
    private int fixedRxQueues() {
        return switch (driver) {
            case "net_af_packet" -> maxRxQueues;
            case "net_tap" -> txQueueCount;
            default -> -1;
        };
    }

    /**
     * Checks that the device can have {@code n} receive queues, with the reason when it cannot.
     *
     * @return null if it can
     */
    public String refusesRxQueues(final int n) {
        if (clock != null && n != 1) {
            return what + ": a replayed port has one receive queue";
        }
        if (n < 1 || n > maxRxQueues) {
            return what + ": n_rxq " + n + " is out of range: the device has " + maxRxQueues + " receive queue(s)";
        }
        if (fixedRxQueues() > 0 && n != fixedRxQueues()) {
            return what + ": " + driver + " has " + fixedRxQueues() + " receive queue(s) whatever n_rxq says"
                    + (driver.equals("net_af_packet") ? " (one per qpair)" : " (one per transmit queue)");
        }
        return null;
    }

    /**
     * Changes the number of receive queues (n_rxq): stops the device, sets it up again and starts
     * it. The caller guarantees that no PMD polls or sends through the port meanwhile. What the old
     * receive rings held is freed by the driver or delivered after the restart, depending on the
     * device (a NIC drops it; net_af_packet keeps its sockets).
     */
    public synchronized void rxQueues(final int n) throws DpdkException {
        if (n == rx.length) {
            return;
        }
        final String refusal = refusesRxQueues(n);
        if (refusal != null) {
            throw new DpdkException(refusal);
        }
        restart(options.withRxQueues(n), n);
    }

    /**
     * Why the port cannot have {@code mtu} (OVS's mtu_request), or null: out of range, or frames
     * longer than the pool's mbufs hold (they would span several mbufs and be dropped).
     */
    public String refusesMtu(final int mtu) {
        if (mtu < 68 || mtu > MbufPool.MAX_MTU) {
            return what + ": mtu_request " + mtu + " is out of range (68 to " + MbufPool.MAX_MTU + ")";
        }
        if (MbufPool.frameFor(mtu) > pool.frameRoom()) {
            return what + ": mtu_request " + mtu + " needs mbufs of " + MbufPool.dataRoomFor(mtu) + " bytes, the pool's"
                    + " have " + (pool.frameRoom() + MbufPool.HEADROOM) + " (the pool is sized at start for the"
                    + " largest mtu_request: set it in the configuration and restart)";
        }
        return null;
    }

    /** Sets the device's MTU (mtu_request): stopped, set, started again; as it was if the device refuses. */
    public synchronized void mtu(final int mtu) throws DpdkException {
        final String refusal = refusesMtu(mtu);
        if (refusal != null) {
            throw new DpdkException(refusal);
        }
        restart(options.withMtu(mtu), rx.length);
    }

    /**
     * Stops the device and sets it up again with {@code next} and {@code queues} receive queues;
     * as it was if the device refuses. The caller guarantees that no PMD polls or sends meanwhile.
     */
    private void restart(final Options next, final int queues) throws DpdkException {
        for (DpdkTxQueue t : txQueues) {
            if (t != null) {
                t.burst();
            }
        }
        check("stopping", rte_ethdev_h.rte_eth_dev_stop(portId));
        final Options before = options;
        final int queuesBefore = rx.length;
        try {
            options = next;
            configure(queues);
        } catch (DpdkException e) {
            rte_ethdev_h.rte_eth_dev_stop(portId);
            options = before;
            configure(queuesBefore);
            throw e;
        }
    }

    /** The MTU asked for (mtu_request), or 0 for the device's default. */
    public int mtuRequest() {
        return options.mtu();
    }

    private void check(final String step, final int rc) throws DpdkException {
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
        return portName;
    }

    public String driver() {
        return driver;
    }

    @Override
    public int rxQueueCount() {
        return rx.length;
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
        return txQueueCount;
    }

    /** Received packets that spanned several mbufs (not supported: freed), over every queue there ever was. */
    private long multiSegmentDrops() {
        long n = retiredMultiSegment;
        for (RxState s : rx) {
            n += (long) MULTI_SEGMENT.getOpaque(s);
        }
        return n;
    }

    /** OVS's netdev-dpdk configuration keys, as dpctl/show prints them. */
    @Override
    public SortedMap<String, String> status() {
        final SortedMap<String, String> m = new TreeMap<>();
        final int rxq = rx.length;
        m.put("requested_rx_queues", Integer.toString(options.rxQueues()));
        m.put("configured_rx_queues", Integer.toString(rxq));
        m.put("requested_tx_queues", Integer.toString(txQueueCount));
        m.put("configured_tx_queues", Integer.toString(txQueueCount));
        m.put("mtu", Integer.toString(mtu()));
        m.put("requested_rxq_descriptors", Integer.toString(options.rxDescriptors()));
        m.put("configured_rxq_descriptors", Integer.toString(options.rxDescriptors()));
        m.put("requested_txq_descriptors", Integer.toString(options.txDescriptors()));
        m.put("configured_txq_descriptors", Integer.toString(options.txDescriptors()));
        m.put("rx_csum_offload", "false"); // Flowgate checks no checksum and asks the NIC for none
        m.put("tx_tso_offload", "false");
        m.put("lsc_interrupt_mode", "false");
        return m;
    }

    /** The device's MTU as DPDK reports it, or -1. */
    public int mtu() {
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment mtu = tmp.allocate(ValueLayout.JAVA_SHORT);
            return rte_ethdev_h.rte_eth_dev_get_mtu(portId, mtu) == 0 ? mtu.get(ValueLayout.JAVA_SHORT, 0) & 0xFFFF : -1;
        }
    }

    @Override
    public DeviceStats deviceStats() {
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment st = tmp.allocate(rte_eth_stats.layout());
            if (rte_ethdev_h.rte_eth_stats_get(portId, st) != 0) {
                return null;
            }
            return new DeviceStats(rte_eth_stats.get(st, "ipackets"), rte_eth_stats.get(st, "opackets"),
                    rte_eth_stats.get(st, "ibytes"), rte_eth_stats.get(st, "obytes"),
                    rte_eth_stats.get(st, "ierrors"), rte_eth_stats.get(st, "oerrors"),
                    rte_eth_stats.get(st, "imissed"), rte_eth_stats.get(st, "rx_nombuf"), multiSegmentDrops());
        }
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
    public int rxBurst(final int queue, final PacketBatch batch) {
        if (clock != null) {
            return replayBurst(batch);
        }
        final RxState state = rx[queue];
        batch.inPort(number);
        final long ptrs = state.burst;
        final int n = flowgate_shim_h.fg_rx_burst(portId, (short) queue, ptrs, (short) BURST) & 0xFFFF;
        if (n == 0) {
            return 0;
        }
        // The PMD's one clock read per iteration, not one per packet.
        final long now = batch.polledAt();
        final boolean hashed = rss;
        final int first = batch.count();
        int added = 0;
        for (int i = 0; i < n; i++) {
            final long m = ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, ptrs + 8L * i);
            if (rte_mbuf.nb_segs(m) != 1) {
                flowgate_shim_h.fg_pktmbuf_free(m);
                MULTI_SEGMENT.setOpaque(state, state.multiSegment + 1); // read by dpctl/show
                continue;
            }
            final long buf = rte_mbuf.buf_addr(m);
            batch.setBorrowed(first + added, buf + rte_mbuf.data_off(m), rte_mbuf.data_len(m), m, now, buf);
            if (hashed && (rte_mbuf.ol_flags(m) & rte_mbuf.F_RX_RSS_HASH) != 0) {
                batch.rssHash(first + added, rte_mbuf.hash_rss(m));
            }
            added++;
        }
        batch.borrowed(added);
        state.received += added;
        return added;
    }

    private static void add(final PacketBatch batch, final long m, final long timestamp) {
        final long buf = rte_mbuf.buf_addr(m);
        batch.addBorrowed(buf + rte_mbuf.data_off(m), rte_mbuf.data_len(m), m, timestamp, buf);
    }

    /** Fills the look-ahead when it is empty; sets the clock's head for this input. */
    private void refill() {
        if (pendingCount == 0 && !exhausted) {
            final long ptrs = rx[0].burst;
            final int n = flowgate_shim_h.fg_rx_burst(portId, (short) 0, ptrs, (short) BURST) & 0xFFFF;
            pendingHead = 0;
            for (int i = 0; i < n; i++) {
                final long m = ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, ptrs + 8L * i);
                final boolean stamped = timestampOffset >= 0 && (rte_mbuf.ol_flags(m) & timestampFlag) != 0;
                pendingMbuf[pendingCount] = m;
                pendingTime[pendingCount] = stamped ? rte_mbuf.dynfield64(m, timestampOffset)
                        : rx[0].received + pendingCount;
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
        final RxState state = rx[0];
        int n = 0;
        refill();
        while (n < BURST && pendingCount > 0 && clock.mayDeliver(clockIndex, pendingTime[pendingHead])) {
            final long m = pendingMbuf[pendingHead];
            add(batch, m, pendingTime[pendingHead]);
            pendingHead++;
            pendingCount--;
            n++;
            state.received++;
            if (state.received == expected) {
                exhausted = pendingCount == 0;
            }
            refill();
        }
        return n;
    }

    @Override
    public void release(final PacketBatch batch) {
        if (batch.mbufsHeld() == 0) {
            return; // all transmitted (the usual case)
        }
        final long list = FREE_LIST.get().address();
        final int k = batch.drainMbufs(list);
        if (k > 0) {
            rte_mbuf_h.rte_pktmbuf_free_bulk(list, k);
        }
    }

    // ---- transmit ----

    @Override
    public synchronized TxQueue txQueue(final int queue) {
        if (txQueues[queue] == null) {
            txQueues[queue] = new DpdkTxQueue(portId, (short) queue, arena.allocate(8L * DpdkTxQueue.BURST, 64).address(),
                    poolAddress);
        }
        return txQueues[queue];
    }

    /** Stops and closes the device (the PMDs have stopped). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (DpdkTxQueue t : txQueues) {
            if (t != null) {
                t.burst();
            }
        }
        for (int i = 0; i < pendingCount; i++) {
            flowgate_shim_h.fg_pktmbuf_free(pendingMbuf[pendingHead + i]);
        }
        rte_ethdev_h.rte_eth_dev_stop(portId);
        rte_ethdev_h.rte_eth_dev_close(portId);
        arena.close();
    }
}
