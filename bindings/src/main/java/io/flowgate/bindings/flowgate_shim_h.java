package io.flowgate.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for {@code native/src/main/c/flowgate_shim.h}, in jextract's shape: one static method
 * per C function, each over a {@link MethodHandle} looked up once.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:MethodName"})
public final class flowgate_shim_h {
    /** The ABI version this Java code was written against ({@code FG_SHIM_ABI_VERSION}). */
    public static final int FG_SHIM_ABI_VERSION = 3;

    private flowgate_shim_h() {
    }

    @SuppressWarnings("restricted") // each descriptor restates the shim header's prototype (ABI-checked at start-up)
    static MethodHandle downcall(final String name, final FunctionDescriptor descriptor, final Linker.Option... options) {
        final MemorySegment symbol = NativeLibrary.shim().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("symbol " + name + " is missing from " + NativeLibrary.shimPath()));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor, options);
    }

    private static final class fg_shim_abi_version {
        static final MethodHandle HANDLE = downcall("fg_shim_abi_version", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    /** {@code uint32_t fg_shim_abi_version(void)} */
    public static int fg_shim_abi_version() {
        try {
            return (int) fg_shim_abi_version.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_rte_version {
        static final MethodHandle HANDLE = downcall("fg_rte_version", FunctionDescriptor.of(ValueLayout.ADDRESS));
    }

    /** {@code const char *fg_rte_version(void)} */
    public static MemorySegment fg_rte_version() {
        try {
            return (MemorySegment) fg_rte_version.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_rx_burst {
        static final MethodHandle HANDLE = downcall("fg_rx_burst", FunctionDescriptor.of(ValueLayout.JAVA_SHORT,
                ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_SHORT),
                Linker.Option.critical(false));
    }

    /**
     * {@code uint16_t fg_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)}; the
     * array by address, so the call takes no memory-session lock (an atomic per call).
     */
    public static short fg_rx_burst(final short port, final short queue, final long pkts, final short n) {
        try {
            return (short) fg_rx_burst.HANDLE.invokeExact(port, queue, pkts, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_tx_burst {
        static final MethodHandle HANDLE = downcall("fg_tx_burst", FunctionDescriptor.of(ValueLayout.JAVA_SHORT,
                ValueLayout.JAVA_SHORT, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_SHORT),
                Linker.Option.critical(false));
    }

    /** {@code uint16_t fg_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)}, by address. */
    public static short fg_tx_burst(final short port, final short queue, final long pkts, final short n) {
        try {
            return (short) fg_tx_burst.HANDLE.invokeExact(port, queue, pkts, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_pktmbuf_alloc {
        static final MethodHandle HANDLE = downcall("fg_pktmbuf_alloc", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG), Linker.Option.critical(false));
    }

    /** {@code struct rte_mbuf *fg_pktmbuf_alloc(struct rte_mempool *pool)}, addresses as longs (hot path). */
    public static long fg_pktmbuf_alloc(final long pool) {
        try {
            return (long) fg_pktmbuf_alloc.HANDLE.invokeExact(pool);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_pktmbuf_alloc_bulk {
        static final MethodHandle HANDLE = downcall("fg_pktmbuf_alloc_bulk", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.critical(false));
    }

    /** {@code int fg_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned count)} */
    public static int fg_pktmbuf_alloc_bulk(final MemorySegment pool, final MemorySegment mbufs, final int count) {
        try {
            return (int) fg_pktmbuf_alloc_bulk.HANDLE.invokeExact(pool, mbufs, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_pktmbuf_free {
        static final MethodHandle HANDLE = downcall("fg_pktmbuf_free", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG),
                Linker.Option.critical(false));
    }

    /** {@code void fg_pktmbuf_free(struct rte_mbuf *m)}, the address as a long (hot path). */
    public static void fg_pktmbuf_free(final long mbuf) {
        try {
            fg_pktmbuf_free.HANDLE.invokeExact(mbuf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_pktmbuf_mtod {
        static final MethodHandle HANDLE = downcall("fg_pktmbuf_mtod", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG), Linker.Option.critical(false));
    }

    /** {@code void *fg_pktmbuf_mtod(struct rte_mbuf *m)} */
    public static long fg_pktmbuf_mtod(final long mbuf) {
        try {
            return (long) fg_pktmbuf_mtod.HANDLE.invokeExact(mbuf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_errno {
        static final MethodHandle HANDLE = downcall("fg_errno", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    /** {@code int fg_errno(void)}: rte_errno of the calling thread. */
    public static int fg_errno() {
        try {
            return (int) fg_errno.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_strerror {
        static final MethodHandle HANDLE = downcall("fg_strerror", FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
    }

    /** {@code const char *fg_strerror(int error)} */
    public static MemorySegment fg_strerror(final int error) {
        try {
            return (MemorySegment) fg_strerror.HANDLE.invokeExact(error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_rdtsc {
        // Critical: no thread-state transition, the call is a few instructions.
        static final MethodHandle HANDLE = downcall("fg_rdtsc", FunctionDescriptor.of(ValueLayout.JAVA_LONG),
                Linker.Option.critical(false));
    }

    /** {@code uint64_t fg_rdtsc(void)}: the time-stamp counter ({@code rte_rdtsc}). */
    public static long fg_rdtsc() {
        try {
            return (long) fg_rdtsc.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_lcore_id {
        static final MethodHandle HANDLE = downcall("fg_lcore_id", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    /** {@code uint32_t fg_lcore_id(void)} */
    public static int fg_lcore_id() {
        try {
            return (int) fg_lcore_id.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_link {
        static final MethodHandle HANDLE = downcall("fg_link", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_SHORT, ValueLayout.ADDRESS));
    }

    /** {@code int fg_link(uint16_t port, uint32_t *speed)}: 1 up, 0 down, negative errno. */
    public static int fg_link(final short port, final MemorySegment speed) {
        try {
            return (int) fg_link.HANDLE.invokeExact(port, speed);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class fg_layout {
        static final MethodHandle HANDLE = downcall("fg_layout", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS));
    }

    /** {@code int64_t fg_layout(const char *name)}: sizeof or offsetof by name, -1 if unknown. */
    public static long fg_layout(final MemorySegment name) {
        try {
            return (long) fg_layout.HANDLE.invokeExact(name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(final Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
