package io.flowgate.daemon.cli;

import io.flowgate.bindings.ProcessSignal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code run --monitor}, as OVS daemons' monitor: this process runs the daemon as its child and
 * starts it again if it crashes, that is dies of a signal that means a programming error (OVS's
 * list: SIGABRT, SIGALRM, SIGBUS, SIGFPE, SIGILL, SIGPIPE, SIGSEGV, SIGXCPU, SIGXFSZ; a JVM that
 * crashes aborts). Restarts come at most once every 10 seconds. If the daemon exits, or dies of
 * another signal (SIGKILL, SIGTERM), the monitor exits with its status. SIGTERM, SIGINT and SIGHUP
 * sent to the monitor are passed on to the daemon; after SIGTERM or SIGINT nothing is restarted.
 * A daemon that died leaves its pid file and sockets behind; the monitor removes them.
 */
final class Monitor {
    /** Signal numbers (Linux) that mean the daemon crashed. */
    private static final Map<Integer, String> CRASHES = Map.of(6, "SIGABRT", 14, "SIGALRM", 7, "SIGBUS", 8, "SIGFPE",
            4, "SIGILL", 13, "SIGPIPE", 11, "SIGSEGV", 24, "SIGXCPU", 25, "SIGXFSZ");
    private static final Map<Integer, String> OTHERS = Map.of(1, "SIGHUP", 2, "SIGINT", 9, "SIGKILL", 15, "SIGTERM",
            3, "SIGQUIT");
    static final long RESTART_INTERVAL_SECONDS = 10;

    private final Path rundir;
    private final Path pidFile;
    private final PrintWriter err;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Process daemon;

    private Monitor(final Path rundir, final Path pidFile, final PrintWriter err) {
        this.rundir = rundir;
        this.pidFile = pidFile;
        this.err = err;
    }

    static int run(final Path rundir, final Path pidFile, final PrintWriter err) throws InterruptedException {
        final List<String> command = Detach.relaunch(Set.of("--monitor"), List.of());
        if (command == null) {
            err.println("flowgate: --monitor: cannot tell how this process was started");
            return 1;
        }
        return new Monitor(rundir, pidFile, err).supervise(command);
    }

    private int supervise(final List<String> command) throws InterruptedException {
        passOn("TERM", ProcessSignal.SIGTERM, true);
        passOn("INT", ProcessSignal.SIGINT, true);
        passOn("HUP", ProcessSignal.SIGHUP, false);
        long lastRestart = 0;
        boolean restarted = false;
        while (true) {
            final Process p;
            try {
                p = new ProcessBuilder(command).inheritIO().start();
            } catch (IOException e) {
                say("cannot start the daemon: " + FlowgateCommand.describe(e));
                return 1;
            }
            daemon = p;
            if (stop.getCount() == 0) {
                ProcessSignal.send(p.pid(), ProcessSignal.SIGTERM); // asked to stop while starting it
            }
            say("daemon started as pid " + p.pid());
            final int status = p.waitFor();
            cleanUp(p.pid());
            final int signal = status > 128 ? status - 128 : 0;
            final String how = signal == 0 ? "exited with status " + status
                    : "died, killed by " + CRASHES.getOrDefault(signal, OTHERS.getOrDefault(signal, "signal " + signal));
            if (stop.getCount() == 0 || !CRASHES.containsKey(signal)) {
                say("daemon pid " + p.pid() + " " + how + ", exiting");
                return status;
            }
            final long since = System.nanoTime() - lastRestart;
            final long interval = TimeUnit.SECONDS.toNanos(RESTART_INTERVAL_SECONDS);
            if (restarted && since < interval) {
                say("daemon pid " + p.pid() + " " + how + ", waiting until " + RESTART_INTERVAL_SECONDS
                        + " seconds since the last restart");
                if (stop.await(interval - since, TimeUnit.NANOSECONDS)) {
                    say("stopping instead");
                    return status;
                }
            }
            lastRestart = System.nanoTime();
            restarted = true;
            say("daemon pid " + p.pid() + " " + how + ", restarting");
        }
    }

    private void passOn(final String name, final int number, final boolean stops) {
        JvmSignals.handle(name, () -> {
            if (stops) {
                stop.countDown();
            }
            final Process p = daemon;
            if (p != null && p.isAlive()) {
                ProcessSignal.send(p.pid(), number);
            }
        });
    }

    /**
     * What a daemon that died could not remove: its pid file, its lock, its control socket and its
     * OpenFlow socket where it listens by default (one named elsewhere is replaced by the next daemon).
     */
    private void cleanUp(final long pid) {
        final String mine = Long.toString(pid);
        for (Path f : List.of(pidFile, PidFile.lockFile(pidFile))) {
            try {
                if (Files.readString(f, StandardCharsets.US_ASCII).strip().equals(mine)) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                // Not there (removed by the daemon as it stopped) or not readable: nothing to do.
            }
        }
        final String name = PidFile.daemonName(pidFile);
        for (Path socket : List.of(rundir.resolve(name + "." + pid + ".ctl"), rundir.resolve(name + ".mgmt"))) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                say("cannot remove " + socket + " of pid " + pid + ": " + FlowgateCommand.describe(e));
            }
        }
    }

    private void say(final String what) {
        err.println("flowgate: monitor: " + what);
        err.flush();
    }
}
