package io.flowgate.daemon.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGHUP as a request to reload the rule and group files; SIGTERM and SIGINT as a request to stop: the daemon's main thread waits for one, shuts the
 * datapath down in order (flushing output files) and exits 0. Replacing the JVM's own handlers
 * (which would run shutdown hooks and exit 143 or 130) is what makes an orderly exit possible.
 */
final class StopSignals {
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String received;
    private final java.util.concurrent.atomic.AtomicInteger hangups = new java.util.concurrent.atomic.AtomicInteger();

    /** Installs the handlers for the life of the process. */
    static StopSignals install() {
        final StopSignals s = new StopSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            JvmSignals.handle(name, () -> s.request("SIG" + name));
        }
        // SIGHUP reloads the rule and group files (OVS daemons exit on it; operators want a reload).
        JvmSignals.handle("HUP", s.hangups::incrementAndGet);
        return s;
    }

    void request(final String why) {
        if (received == null) {
            received = why;
        }
        stop.countDown();
    }

    /** Waits up to the timeout; true once a stop was requested. */
    boolean await(final long timeout, final TimeUnit unit) throws InterruptedException {
        return stop.await(timeout, unit);
    }

    /** True (once per signal received since the last call) if a SIGHUP asked for a reload. */
    boolean takeReload() {
        return hangups.getAndSet(0) > 0;
    }

    /** The signal that asked to stop, e.g. "SIGTERM". */
    String received() {
        return received;
    }
}
