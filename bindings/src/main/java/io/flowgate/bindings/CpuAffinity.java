package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.BitSet;

/**
 * The calling thread's CPU affinity, through libc's {@code sched_setaffinity}/{@code
 * sched_getaffinity} (pid 0 means the calling thread on Linux). PMD threads pin themselves to
 * their cores, as OVS's pmd-cpu-mask does; other threads keep off those cores.
 */
public final class CpuAffinity {
    /** glibc's cpu_set_t: 1024 bits. */
    private static final int SET_BYTES = 128;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SET;
    private static final MethodHandle GET;

    static {
        final Linker linker = Linker.nativeLinker();
        final FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
        final Linker.Option errno = Linker.Option.captureCallState("errno");
        SET = linker.downcallHandle(linker.defaultLookup().find("sched_setaffinity").orElseThrow(), fd, errno);
        GET = linker.downcallHandle(linker.defaultLookup().find("sched_getaffinity").orElseThrow(), fd, errno);
    }

    private CpuAffinity() {
    }

    /** Restricts the calling thread to {@code cpus}. */
    public static void pinCurrentThread(final BitSet cpus) {
        if (cpus.isEmpty() || cpus.length() > SET_BYTES * 8) {
            throw new IllegalArgumentException("CPU set " + cpus + " is empty or beyond CPU " + (SET_BYTES * 8 - 1));
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment set = arena.allocate(SET_BYTES, 8);
            final byte[] bits = cpus.toByteArray();
            MemorySegment.copy(bits, 0, set, ValueLayout.JAVA_BYTE, 0, bits.length);
            final MemorySegment state = arena.allocate(CAPTURE);
            final int rc = (int) SET.invokeExact(state, 0, (long) SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_setaffinity to CPUs " + cpus + " failed: errno "
                        + (int) ERRNO.get(state, 0L));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The CPUs the calling thread may run on. */
    public static BitSet currentThread() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment set = arena.allocate(SET_BYTES, 8);
            final MemorySegment state = arena.allocate(CAPTURE);
            final int rc = (int) GET.invokeExact(state, 0, (long) SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_getaffinity failed: errno " + (int) ERRNO.get(state, 0L));
            }
            return BitSet.valueOf(set.toArray(ValueLayout.JAVA_BYTE));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Parses a CPU list as taskset and OVS write it: "1", "2-3", "0,2-3". */
    public static BitSet parseList(final String text) {
        final BitSet cpus = new BitSet();
        for (String part : text.split(",")) {
            final String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            final int dash = p.indexOf('-');
            try {
                final int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                final int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
                if (from < 0 || to < from || to >= SET_BYTES * 8) {
                    throw new IllegalArgumentException("CPU range \"" + p + "\" is not valid");
                }
                cpus.set(from, to + 1);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + p + "\" is not a CPU number or range");
            }
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("empty CPU list \"" + text + "\"");
        }
        return cpus;
    }
}
