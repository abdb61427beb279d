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

/**
 * The calling thread's nice value, through libc's {@code setpriority(PRIO_PROCESS, gettid(), n)}:
 * on Linux a thread id names one thread, so background threads (the estimators) can yield to the
 * rest of the process, as IPVS's {@code est_nice} does for its kthreads.
 */
public final class ThreadNice {
    private static final int PRIO_PROCESS = 0;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SET;
    private static final MethodHandle GET;
    private static final MethodHandle GETTID;

    static {
        final Linker linker = Linker.nativeLinker();
        final Linker.Option errno = Linker.Option.captureCallState("errno");
        SET = linker.downcallHandle(linker.defaultLookup().find("setpriority").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT), errno);
        GET = linker.downcallHandle(linker.defaultLookup().find("getpriority").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
        GETTID = linker.downcallHandle(linker.defaultLookup().find("gettid").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    private ThreadNice() {
    }

    /** Sets the calling thread's nice value (-20 to 19; below the current one needs CAP_SYS_NICE). */
    public static void setCurrentThread(final int nice) {
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("nice " + nice + " is outside -20..19");
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CAPTURE);
            final int rc = (int) SET.invokeExact(state, PRIO_PROCESS, (int) GETTID.invokeExact(), nice);
            if (rc != 0) {
                throw new IllegalStateException("setpriority to nice " + nice + " failed: errno "
                        + (int) ERRNO.get(state, 0L));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The calling thread's nice value. */
    public static int currentThread() {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CAPTURE);
            // getpriority may return -1 legitimately; errno tells (it is not cleared here, so
            // only a failed call sets it to non-zero in the captured state).
            ERRNO.set(state, 0L, 0);
            final int rc = (int) GET.invokeExact(state, PRIO_PROCESS, (int) GETTID.invokeExact());
            if (rc == -1 && (int) ERRNO.get(state, 0L) != 0) {
                throw new IllegalStateException("getpriority failed: errno " + (int) ERRNO.get(state, 0L));
            }
            return rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
