package io.flowgate.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for DPDK's {@code rte_mbuf.h}, {@code rte_mempool.h} and {@code rte_mbuf_dyn.h}, in
 * jextract's shape. The inline allocation functions are in {@link flowgate_shim_h}.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:MethodName", "checkstyle:ParameterName"})
public final class rte_mbuf_h {
    private rte_mbuf_h() {
    }

    private static final class rte_pktmbuf_pool_create {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_pktmbuf_pool_create", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_INT));
    }

    /** {@code struct rte_mempool *rte_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size, uint16_t priv_size, uint16_t data_room_size, int socket_id)} */
    public static MemorySegment rte_pktmbuf_pool_create(final MemorySegment name, final int n, final int cache_size, final short priv_size, final short data_room_size, final int socket_id) {
        try {
            return (MemorySegment) rte_pktmbuf_pool_create.HANDLE.invokeExact(name, n, cache_size, priv_size, data_room_size, socket_id);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_pktmbuf_free_bulk {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_pktmbuf_free_bulk", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), Linker.Option.critical(false));
    }

    /** {@code void rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count)}, the array by address (hot path). */
    public static void rte_pktmbuf_free_bulk(final long mbufs, final int count) {
        try {
            rte_pktmbuf_free_bulk.HANDLE.invokeExact(mbufs, count);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_mempool_free {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_mempool_free", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    /** {@code void rte_mempool_free(struct rte_mempool *mp)} */
    public static void rte_mempool_free(final MemorySegment mp) {
        try {
            rte_mempool_free.HANDLE.invokeExact(mp);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_mempool_avail_count {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_mempool_avail_count", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** {@code unsigned int rte_mempool_avail_count(const struct rte_mempool *mp)} */
    public static int rte_mempool_avail_count(final MemorySegment mp) {
        try {
            return (int) rte_mempool_avail_count.HANDLE.invokeExact(mp);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_mbuf_dynfield_lookup {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_mbuf_dynfield_lookup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /** {@code int rte_mbuf_dynfield_lookup(const char *name, struct rte_mbuf_dynfield *params)} */
    public static int rte_mbuf_dynfield_lookup(final MemorySegment name, final MemorySegment params) {
        try {
            return (int) rte_mbuf_dynfield_lookup.HANDLE.invokeExact(name, params);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_mbuf_dynflag_lookup {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_mbuf_dynflag_lookup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /** {@code int rte_mbuf_dynflag_lookup(const char *name, struct rte_mbuf_dynflag *params)} */
    public static int rte_mbuf_dynflag_lookup(final MemorySegment name, final MemorySegment params) {
        try {
            return (int) rte_mbuf_dynflag_lookup.HANDLE.invokeExact(name, params);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }
}
