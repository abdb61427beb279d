package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.BitSet;

/**
 * The calling thread's CPU affinity, through libc's {@code sched_setaffinity}/{@code
 * sched_getaffinity} (pid 0 means the calling thread on Linux). PMD threads pin themselves to
 * their cores, as OVS's pmd-cpu-mask does; other threads keep off those cores.
 */
public final class CpuAffinity {
    /** glibc's cpu_set_t: 1024 bits. */
    private static final int SET_BYTES = 128;
    private static final FunctionDescriptor AFFINITY = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
    private static final MethodHandle SET = Libc.withErrno("sched_setaffinity", AFFINITY);
    private static final MethodHandle GET = Libc.withErrno("sched_getaffinity", AFFINITY);

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
            final MemorySegment state = Libc.errnoState(arena);
            final int rc = (int) SET.invokeExact(state, 0, (long) SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_setaffinity to CPUs " + cpus + " failed: errno "
                        + Libc.errno(state));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@code cpus}, if the calling thread may run on every one of them (the machine has them and
     * the process's cpuset allows them); otherwise an error naming the ones missing.
     */
    public static BitSet requireUsable(final BitSet cpus) {
        final BitSet usable = currentThread();
        final BitSet missing = (BitSet) cpus.clone();
        missing.andNot(usable);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("CPU " + toList(missing) + " not available to this process (usable: "
                    + toList(usable) + ")");
        }
        return cpus;
    }

    /** The CPUs the calling thread may run on. */
    public static BitSet currentThread() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment set = arena.allocate(SET_BYTES, 8);
            final MemorySegment state = Libc.errnoState(arena);
            final int rc = (int) GET.invokeExact(state, 0, (long) SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_getaffinity failed: errno " + Libc.errno(state));
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

    /**
     * Parses a CPU mask as OVS's pmd-cpu-mask takes it: hexadecimal, with or without 0x, the
     * lowest bit CPU 0 ("0x6" is CPUs 1 and 2).
     */
    public static BitSet parseMask(final String text) {
        final String hex = text.strip().startsWith("0x") || text.strip().startsWith("0X")
                ? text.strip().substring(2) : text.strip();
        if (hex.isEmpty()) {
            throw new IllegalArgumentException("empty CPU mask \"" + text + "\"");
        }
        final BitSet cpus = new BitSet();
        for (int i = 0; i < hex.length(); i++) {
            final int digit = Character.digit(hex.charAt(hex.length() - 1 - i), 16);
            if (digit < 0) {
                throw new IllegalArgumentException("\"" + text + "\" is not a hexadecimal CPU mask (bad digit '"
                        + hex.charAt(hex.length() - 1 - i) + "')");
            }
            for (int b = 0; b < 4; b++) {
                if ((digit & (1 << b)) != 0) {
                    if (i * 4 + b >= SET_BYTES * 8) {
                        throw new IllegalArgumentException("CPU mask \"" + text + "\" names CPUs beyond "
                                + (SET_BYTES * 8 - 1));
                    }
                    cpus.set(i * 4 + b);
                }
            }
        }
        if (cpus.isEmpty()) {
            throw new IllegalArgumentException("CPU mask \"" + text + "\" names no CPU");
        }
        return cpus;
    }

    /** {@code cpus} as a CPU list, the form {@link #parseList} reads: {@code 0-3,6}. */
    public static String toList(final BitSet cpus) {
        final StringBuilder s = new StringBuilder();
        for (int a = cpus.nextSetBit(0); a >= 0; ) {
            final int b = cpus.nextClearBit(a) - 1;
            if (!s.isEmpty()) {
                s.append(',');
            }
            s.append(a);
            if (b > a) {
                s.append('-').append(b);
            }
            a = cpus.nextSetBit(b + 1);
        }
        return s.toString();
    }

    /** A CPU set as a mask in OVS's form: "0x6". */
    public static String toMask(final BitSet cpus) {
        final StringBuilder s = new StringBuilder();
        for (int nibble = (cpus.length() + 3) / 4 - 1; nibble >= 0; nibble--) {
            int d = 0;
            for (int b = 0; b < 4; b++) {
                d |= cpus.get(nibble * 4 + b) ? 1 << b : 0;
            }
            s.append(Character.forDigit(d, 16));
        }
        return "0x" + (s.isEmpty() ? "0" : s);
    }
}
