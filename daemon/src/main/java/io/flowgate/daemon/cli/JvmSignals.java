package io.flowgate.daemon.cli;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * A handler for a POSIX signal, through the JVM's own signal dispatcher ({@code sun.misc.Signal}).
 * Flowgate takes SIGTERM and SIGINT as a request for an orderly stop and SIGHUP as a reload, as
 * ovs-vswitchd handles its signals, and the JDK has no public API for that. The handler runs on
 * the JVM's signal dispatch thread, not in signal context, so it may take locks and allocate.
 *
 * <p>The class is reached through method handles instead of being named in the source: javac 25
 * reports every use of {@code sun.misc} as a mandatory warning that neither
 * {@code @SuppressWarnings("sunapi")} nor {@code -XDenableSunApiLintControl} silences any more
 * (its {@code Check.checkSunAPI} no longer asks the lint settings), and the build compiles with
 * {@code -Werror}. The module {@code jdk.unsupported} exports the package, so no flag is needed.
 */
final class JvmSignals {
    private static final MethodHandle NEW_SIGNAL;
    private static final MethodHandle HANDLE;
    private static final MethodHandle RUN;
    private static final Class<?> SIGNAL;
    private static final Class<?> HANDLER;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            SIGNAL = Class.forName("sun.misc.Signal");
            HANDLER = Class.forName("sun.misc.SignalHandler");
            NEW_SIGNAL = lookup.findConstructor(SIGNAL, MethodType.methodType(void.class, String.class));
            HANDLE = lookup.findStatic(SIGNAL, "handle", MethodType.methodType(HANDLER, SIGNAL, HANDLER));
            RUN = lookup.findVirtual(Runnable.class, "run", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private JvmSignals() {
    }

    /**
     * Runs {@code action} each time signal {@code name} ("TERM", "HUP", ...) arrives, in place of
     * the JVM's handler. Throws IllegalArgumentException for a signal the JVM does not know or
     * keeps for itself.
     */
    static void handle(final String name, final Runnable action) {
        final MethodHandle body = MethodHandles.dropArguments(RUN.bindTo(action), 0, SIGNAL);
        final Object handler = MethodHandleProxies.asInterfaceInstance(HANDLER, body);
        try {
            HANDLE.invoke(NEW_SIGNAL.invoke(name), handler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("installing a handler for SIG" + name, e);
        }
    }
}
