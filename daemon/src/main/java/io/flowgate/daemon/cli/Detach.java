package io.flowgate.daemon.cli;

import io.flowgate.daemon.control.UnixctlClient;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code run --detach}, as OVS daemons detach: the same command runs again in the background, in
 * a session of its own, and this process returns only once it answers on its control socket
 * (exit 0), or reports why it did not start (exit 1). The background daemon's standard output is
 * discarded and its standard error goes to {@code RUNDIR/flowgate.stderr}.
 */
final class Detach {
    private static final long START_TIMEOUT_SECONDS = 120;

    private Detach() {
    }

    static int run(final Path rundir, final PrintWriter out, final PrintWriter err) throws InterruptedException {
        final ProcessHandle.Info self = ProcessHandle.current().info();
        if (self.command().isEmpty() || self.arguments().isEmpty()) {
            err.println("flowgate: --detach: cannot tell how this process was started");
            return 1;
        }
        final List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // a session of its own: a closing terminal's SIGHUP stays away
        }
        command.add(self.command().get());
        for (String a : self.arguments().get()) {
            if (!a.equals("--detach")) {
                command.add(a);
            }
        }
        final Path log = rundir.resolve("flowgate.stderr");
        final Process child;
        try {
            Files.createDirectories(rundir);
            child = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        } catch (IOException e) {
            err.println("flowgate: --detach: " + FlowgateCommand.describe(e));
            return 1;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                err.print(tail(log));
                err.println("flowgate: --detach: the daemon exited with status " + child.exitValue()
                        + " before it was ready");
                return 1;
            }
            if (answers(rundir, child.pid())) {
                out.println("flowgate: running in the background as pid " + child.pid() + " (run directory "
                        + rundir + ", standard error in " + log + ")");
                return 0;
            }
            Thread.sleep(50);
        }
        child.destroy();
        err.println("flowgate: --detach: the daemon did not answer within " + START_TIMEOUT_SECONDS + " s; stopped it");
        return 1;
    }

    /** The daemon with this pid is the one in the pid file and answers there. */
    private static boolean answers(final Path rundir, final long pid) {
        try {
            final String inFile = Files.readString(rundir.resolve(PidFile.NAME)).strip();
            if (!inFile.equals(Long.toString(pid))) {
                return false;
            }
            final UnixctlClient.Reply r = UnixctlClient.call(UnixctlClient.resolve("flowgate", rundir), "version",
                    List.of(), 5_000);
            return r.error() == null;
        } catch (IOException | UnixctlClient.ClientException e) {
            return false;
        }
    }

    private static String tail(final Path log) {
        try {
            final List<String> lines = Files.readAllLines(log);
            final StringBuilder s = new StringBuilder();
            for (String l : lines.subList(Math.max(0, lines.size() - 20), lines.size())) {
                s.append(l).append('\n');
            }
            return s.toString();
        } catch (IOException e) {
            return "";
        }
    }
}
