package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The calling thread's nice value, through libc's {@code setpriority(PRIO_PROCESS, gettid(), n)}:
 * on Linux a thread id names one thread, so background threads (the estimators) can yield to the
 * rest of the process, as IPVS's {@code est_nice} does for its kthreads.
 */
public final class ThreadNice {
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle SET = Libc.withErrno("setpriority",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GET = Libc.withErrno("getpriority",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle GETTID = Libc.plain("gettid", FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private ThreadNice() {
    }

    /** Sets the calling thread's nice value (-20 to 19; below the current one needs CAP_SYS_NICE). */
    public static void setCurrentThread(final int nice) {
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("nice " + nice + " is outside -20..19");
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Libc.errnoState(arena);
            final int rc = (int) SET.invokeExact(state, PRIO_PROCESS, (int) GETTID.invokeExact(), nice);
            if (rc != 0) {
                throw new IllegalStateException("setpriority to nice " + nice + " failed: errno "
                        + Libc.errno(state));
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
            // getpriority may return -1 legitimately; errno tells (the state starts at 0, so
            // only a failed call sets it to non-zero).
            final MemorySegment state = Libc.errnoState(arena);
            final int rc = (int) GET.invokeExact(state, PRIO_PROCESS, (int) GETTID.invokeExact());
            if (rc == -1 && Libc.errno(state) != 0) {
                throw new IllegalStateException("getpriority failed: errno " + Libc.errno(state));
            }
            return rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
