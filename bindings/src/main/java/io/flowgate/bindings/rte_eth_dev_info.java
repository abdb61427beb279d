package io.flowgate.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The fields of {@code struct rte_eth_dev_info} Flowgate reads; {@link Layouts} checks them. */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:ConstantName", "checkstyle:MethodName"})
public final class rte_eth_dev_info {
    public static final long SIZE = 376;
    public static final long driver_name = 8;
    public static final long if_index = 16;
    public static final long min_mtu = 20;
    public static final long max_mtu = 22;
    public static final long max_rx_queues = 44;
    public static final long max_tx_queues = 46;
    public static final long rx_offload_capa = 72;
    public static final long tx_offload_capa = 80;
    public static final long flow_type_rss_offloads = 112;

    private rte_eth_dev_info() {
    }

    @SuppressWarnings("restricted") // DPDK's driver name: a NUL-terminated static string, shorter than 256 bytes
    public static String driver_name(final MemorySegment info) {
        final MemorySegment p = info.get(ValueLayout.ADDRESS, driver_name);
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(256).getString(0);
    }

    public static int max_tx_queues(final MemorySegment info) {
        return info.get(ValueLayout.JAVA_SHORT, max_tx_queues) & 0xFFFF;
    }

    public static int max_rx_queues(final MemorySegment info) {
        return info.get(ValueLayout.JAVA_SHORT, max_rx_queues) & 0xFFFF;
    }

    public static long rx_offload_capa(final MemorySegment info) {
        return info.get(ValueLayout.JAVA_LONG, rx_offload_capa);
    }

    /** The RSS hash functions the device has ({@code RTE_ETH_RSS_*} bits); 0: no RSS. */
    public static long flow_type_rss_offloads(final MemorySegment info) {
        return info.get(ValueLayout.JAVA_LONG, flow_type_rss_offloads);
    }

    public static long tx_offload_capa(final MemorySegment info) {
        return info.get(ValueLayout.JAVA_LONG, tx_offload_capa);
    }
}
