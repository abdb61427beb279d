package io.flowgate.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Sends a signal to another process through libc's {@code kill(2)}: ProcessHandle can only send
 * SIGTERM and SIGKILL, and a monitor passes SIGINT and SIGHUP on as well.
 */
public final class ProcessSignal {
    /** Linux signal numbers. */
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGTERM = 15;

    private static final int ESRCH = 3;
    private static final MethodHandle KILL = Libc.withErrno("kill",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private ProcessSignal() {
    }

    /**
     * Sends {@code signal} to process {@code pid}.
     *
     * @return false if there is no such process (it has exited)
     */
    public static boolean send(final long pid, final int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a process id: " + pid); // kill(0 or -N) signals groups
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = Libc.errnoState(arena);
            final int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            if (rc == 0) {
                return true;
            }
            if (Libc.errno(state) == ESRCH) {
                return false;
            }
            throw new IllegalStateException("kill(" + pid + ", " + signal + ") failed: errno " + Libc.errno(state));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
