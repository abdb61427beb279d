package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * libc functions the bindings call directly (thread affinity and priority, Unix datagrams): their
 * downcall handles, with errno captured for those that set it. A handle made by {@link #withErrno}
 * takes a state segment ({@link #errnoState}) as its first argument.
 */
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private Libc() {
    }

    /** libc's {@code name}, whose errno is captured into the state segment passed first. */
    @SuppressWarnings("restricted") // a downcall: the descriptor is this class's promise about libc's signature
    static MethodHandle withErrno(final String name, final FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, CAPTURE_ERRNO);
    }

    /** libc's {@code name}, for functions that cannot fail. */
    @SuppressWarnings("restricted") // a downcall: the descriptor is this class's promise about libc's signature
    static MethodHandle plain(final String name, final FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /** A state segment for one call, errno 0. */
    static MemorySegment errnoState(final Arena arena) {
        final MemorySegment state = arena.allocate(CAPTURE);
        ERRNO.set(state, 0L, 0);
        return state;
    }

    /** The errno a call left in its state segment. */
    static int errno(final MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
