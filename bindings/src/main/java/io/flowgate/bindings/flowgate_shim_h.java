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
    public static final int FG_SHIM_ABI_VERSION = 1;

    private flowgate_shim_h() {
    }

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
