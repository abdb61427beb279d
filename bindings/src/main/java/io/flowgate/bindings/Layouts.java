package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The start-up check of every DPDK struct size and field offset the Java side relies on, against
 * what the shim was compiled with ({@code fg_layout}). A mismatch means the bindings and the
 * installed DPDK disagree; Flowgate must not touch an mbuf then, and refuses to start with a
 * message naming the field.
 */
public final class Layouts {
    /** What the Java side assumes, by the shim's names. */
    public static final Map<String, Long> JAVA = java();

    private Layouts() {
    }

    private static Map<String, Long> java() {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("rte_mbuf", rte_mbuf.layout().byteSize());
        m.put("rte_mbuf.buf_addr", rte_mbuf.buf_addr);
        m.put("rte_mbuf.data_off", rte_mbuf.data_off);
        m.put("rte_mbuf.refcnt", rte_mbuf.refcnt);
        m.put("rte_mbuf.nb_segs", rte_mbuf.nb_segs);
        m.put("rte_mbuf.port", rte_mbuf.port);
        m.put("rte_mbuf.ol_flags", rte_mbuf.ol_flags);
        m.put("rte_mbuf.pkt_len", rte_mbuf.pkt_len);
        m.put("rte_mbuf.data_len", rte_mbuf.data_len);
        m.put("rte_mbuf.buf_len", rte_mbuf.buf_len);
        m.put("rte_mbuf.hash.rss", rte_mbuf.hash_rss);
        m.put("rte_mbuf.pool", rte_mbuf.pool);
        m.put("rte_mbuf.next", rte_mbuf.next);
        m.put("rte_eth_stats", rte_eth_stats.layout().byteSize());
        for (String f : new String[] {"ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors",
                "rx_nombuf"}) {
            m.put("rte_eth_stats." + f, rte_eth_stats.offset(f));
        }
        m.put("rte_eth_conf", rte_eth_conf.SIZE);
        m.put("rte_eth_conf.rxmode.mtu", rte_eth_conf.rxmode_mtu);
        m.put("rte_eth_conf.rxmode.offloads", rte_eth_conf.rxmode_offloads);
        m.put("rte_eth_conf.txmode.offloads", rte_eth_conf.txmode_offloads);
        m.put("rte_eth_conf.rxmode.mq_mode", rte_eth_conf.rxmode_mq_mode);
        m.put("rte_eth_conf.rx_adv_conf.rss_conf.rss_hf", rte_eth_conf.rss_conf_rss_hf);
        m.put("RTE_ETH_MQ_RX_RSS", (long) rte_eth_conf.MQ_RX_RSS);
        m.put("RTE_ETH_RSS_IP", rte_eth_conf.RSS_IP);
        m.put("RTE_ETH_RSS_TCP", rte_eth_conf.RSS_TCP);
        m.put("RTE_ETH_RSS_UDP", rte_eth_conf.RSS_UDP);
        m.put("RTE_MBUF_F_RX_RSS_HASH", rte_mbuf.F_RX_RSS_HASH);
        m.put("rte_eth_dev_info", rte_eth_dev_info.SIZE);
        m.put("rte_eth_dev_info.driver_name", rte_eth_dev_info.driver_name);
        m.put("rte_eth_dev_info.if_index", rte_eth_dev_info.if_index);
        m.put("rte_eth_dev_info.min_mtu", rte_eth_dev_info.min_mtu);
        m.put("rte_eth_dev_info.max_mtu", rte_eth_dev_info.max_mtu);
        m.put("rte_eth_dev_info.max_rx_queues", rte_eth_dev_info.max_rx_queues);
        m.put("rte_eth_dev_info.max_tx_queues", rte_eth_dev_info.max_tx_queues);
        m.put("rte_eth_dev_info.rx_offload_capa", rte_eth_dev_info.rx_offload_capa);
        m.put("rte_eth_dev_info.tx_offload_capa", rte_eth_dev_info.tx_offload_capa);
        m.put("rte_eth_dev_info.flow_type_rss_offloads", rte_eth_dev_info.flow_type_rss_offloads);
        m.put("rte_ether_addr", 6L);
        m.put("RTE_PKTMBUF_HEADROOM", 128L);
        m.put("RTE_MBUF_DEFAULT_BUF_SIZE", 2176L);
        m.put("RTE_ETH_RX_OFFLOAD_TIMESTAMP", 1L << 14);
        m.put("RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE", 1L << 16);
        return Map.copyOf(m);
    }

    /** What the shim reports for a name, or -1. */
    public static long native_(final String name) {
        try (Arena arena = Arena.ofConfined()) {
            return flowgate_shim_h.fg_layout(arena.allocateFrom(name));
        }
    }

    /**
     * Checks {@code expected} (normally {@link #JAVA}) against the shim.
     *
     * @throws IllegalStateException naming the first field whose size or offset differs
     */
    public static void verify(final Map<String, Long> expected) {
        Shim.requireCompatibleAbi();
        for (Map.Entry<String, Long> e : new java.util.TreeMap<>(expected).entrySet()) {
            final long actual = native_(e.getKey());
            if (actual != e.getValue()) {
                throw new IllegalStateException("DPDK layout mismatch: " + e.getKey() + " is " + actual
                        + " in DPDK (" + Shim.dpdkVersion() + ") but " + e.getValue() + " in the Java bindings;"
                        + " refusing to start (rebuild the bindings for this DPDK)");
            }
        }
    }
}
