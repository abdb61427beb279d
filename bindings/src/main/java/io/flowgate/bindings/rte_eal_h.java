package io.flowgate.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Bindings for DPDK's {@code rte_eal.h} and {@code rte_lcore.h} (the EAL), in jextract's shape.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:MethodName", "checkstyle:ParameterName"})
public final class rte_eal_h {
    private rte_eal_h() {
    }

    private static final class rte_eal_init {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eal_init", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** {@code int rte_eal_init(int argc, char **argv)} */
    public static int rte_eal_init(final int argc, final MemorySegment argv) {
        try {
            return (int) rte_eal_init.HANDLE.invokeExact(argc, argv);
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_eal_cleanup {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_eal_cleanup", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    /** {@code int rte_eal_cleanup(void)} */
    public static int rte_eal_cleanup() {
        try {
            return (int) rte_eal_cleanup.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_thread_register {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_thread_register", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    /** {@code int rte_thread_register(void)} */
    public static int rte_thread_register() {
        try {
            return (int) rte_thread_register.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_thread_unregister {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_thread_unregister", FunctionDescriptor.ofVoid());
    }

    /** {@code void rte_thread_unregister(void)} */
    public static void rte_thread_unregister() {
        try {
            rte_thread_unregister.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }

    private static final class rte_socket_id {
        static final MethodHandle HANDLE = flowgate_shim_h.downcall("rte_socket_id", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    /** {@code unsigned int rte_socket_id(void)} */
    public static int rte_socket_id() {
        try {
            return (int) rte_socket_id.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw flowgate_shim_h.rethrow(t);
        }
    }
}
