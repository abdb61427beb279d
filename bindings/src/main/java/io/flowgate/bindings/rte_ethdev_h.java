package io.flowgate.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for DPDK's {@code rte_ethdev.h}, in jextract's shape. The burst functions, which are
 * static inline there, are in {@link flowgate_shim_h}.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:MethodName", "checkstyle:ParameterName"})
public final class rte_ethdev_h {
    private rte_ethdev_h() {
    }

    private static final class rte_eth_dev_count_avail {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_count_avail", FunctionDescriptor.of(ValueLayout.JAVA_SHORT));
    }

    /** {@code uint16_t rte_eth_dev_count_avail(void)} */
    public static short rte_eth_dev_count_avail() {
        try {
            return (short) rte_eth_dev_count_avail.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_get_port_by_name {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_get_port_by_name", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_dev_get_port_by_name(const char *name, uint16_t *port_id)} */
    public static int rte_eth_dev_get_port_by_name(final MemorySegment name, final MemorySegment port_id) {
        try {
            return (int) rte_eth_dev_get_port_by_name.HANDLE.invokeExact(name, port_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_configure {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_configure", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue, const struct rte_eth_conf *eth_conf)} */
    public static int rte_eth_dev_configure(final short port_id, final short nb_rx_queue, final short nb_tx_queue, final MemorySegment eth_conf) {
        try {
            return (int) rte_eth_dev_configure.HANDLE.invokeExact(port_id, nb_rx_queue, nb_tx_queue, eth_conf);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_rx_queue_setup {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_rx_queue_setup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc, unsigned int socket_id, const struct rte_eth_rxconf *rx_conf, struct rte_mempool *mb_pool)} */
    public static int rte_eth_rx_queue_setup(final short port_id, final short rx_queue_id, final short nb_rx_desc, final int socket_id, final MemorySegment rx_conf, final MemorySegment mb_pool) {
        try {
            return (int) rte_eth_rx_queue_setup.HANDLE.invokeExact(port_id, rx_queue_id, nb_rx_desc, socket_id, rx_conf, mb_pool);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_tx_queue_setup {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_tx_queue_setup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc, unsigned int socket_id, const struct rte_eth_txconf *tx_conf)} */
    public static int rte_eth_tx_queue_setup(final short port_id, final short tx_queue_id, final short nb_tx_desc, final int socket_id, final MemorySegment tx_conf) {
        try {
            return (int) rte_eth_tx_queue_setup.HANDLE.invokeExact(port_id, tx_queue_id, nb_tx_desc, socket_id, tx_conf);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_start {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_start", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    }

    /** {@code int rte_eth_dev_start(uint16_t port_id)} */
    public static int rte_eth_dev_start(final short port_id) {
        try {
            return (int) rte_eth_dev_start.HANDLE.invokeExact(port_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_stop {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_stop", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    }

    /** {@code int rte_eth_dev_stop(uint16_t port_id)} */
    public static int rte_eth_dev_stop(final short port_id) {
        try {
            return (int) rte_eth_dev_stop.HANDLE.invokeExact(port_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_close {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    }

    /** {@code int rte_eth_dev_close(uint16_t port_id)} */
    public static int rte_eth_dev_close(final short port_id) {
        try {
            return (int) rte_eth_dev_close.HANDLE.invokeExact(port_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_promiscuous_enable {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_promiscuous_enable", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    }

    /** {@code int rte_eth_promiscuous_enable(uint16_t port_id)} */
    public static int rte_eth_promiscuous_enable(final short port_id) {
        try {
            return (int) rte_eth_promiscuous_enable.HANDLE.invokeExact(port_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_macaddr_get {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_macaddr_get", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac_addr)} */
    public static int rte_eth_macaddr_get(final short port_id, final MemorySegment mac_addr) {
        try {
            return (int) rte_eth_macaddr_get.HANDLE.invokeExact(port_id, mac_addr);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_stats_get {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_stats_get", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_stats_get(uint16_t port_id, struct rte_eth_stats *stats)} */
    public static int rte_eth_stats_get(final short port_id, final MemorySegment stats) {
        try {
            return (int) rte_eth_stats_get.HANDLE.invokeExact(port_id, stats);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_get_mtu {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_get_mtu", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu)} */
    public static int rte_eth_dev_get_mtu(final short port_id, final MemorySegment mtu) {
        try {
            return (int) rte_eth_dev_get_mtu.HANDLE.invokeExact(port_id, mtu);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_set_mtu {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_set_mtu", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT));
    }

    /** {@code int rte_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu)} */
    public static int rte_eth_dev_set_mtu(final short port_id, final short mtu) {
        try {
            return (int) rte_eth_dev_set_mtu.HANDLE.invokeExact(port_id, mtu);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_socket_id {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_socket_id", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT));
    }

    /** {@code int rte_eth_dev_socket_id(uint16_t port_id)} */
    public static int rte_eth_dev_socket_id(final short port_id) {
        try {
            return (int) rte_eth_dev_socket_id.HANDLE.invokeExact(port_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eth_dev_info_get {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eth_dev_info_get", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *dev_info)} */
    public static int rte_eth_dev_info_get(final short port_id, final MemorySegment dev_info) {
        try {
            return (int) rte_eth_dev_info_get.HANDLE.invokeExact(port_id, dev_info);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }
}
