package io.flowgate.daemon.cli;

import io.flowgate.daemon.control.UnixctlClient;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code run --detach}, as OVS daemons detach: the same command runs again in the background, in
 * a session of its own, with / as its working directory (unless {@code --no-chdir}; names given
 * relative to where flowgate was run are resolved against that directory, passed on), and this
 * process returns only once the daemon answers on its control socket (exit 0), or reports why it
 * did not start (exit 1). With {@code --monitor}, the background process is the monitor and the
 * daemon its child. The background daemon's standard output is discarded and its standard error
 * goes to {@code RUNDIR/NAME.stderr} (NAME: flowgate, or the pid file's name).
 */
final class Detach {
    private static final long START_TIMEOUT_SECONDS = 120;

    private Detach() {
    }

    /**
     * This process's command line (the JVM and its options included) without the options in
     * {@code drop} and with {@code extra} added at the end, or null if it cannot be told. The
     * arguments come from /proc/self/cmdline: ProcessHandle.Info gives none once the command line
     * is longer than the JDK reads (a long class path is enough).
     */
    static List<String> relaunch(final Set<String> drop, final List<String> extra) {
        final Optional<String> executable = ProcessHandle.current().info().command();
        final List<String> argv;
        try {
            argv = List.of(new String(Files.readAllBytes(Path.of("/proc/self/cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return null;
        }
        if (executable.isEmpty() || argv.size() < 2) {
            return null;
        }
        final List<String> command = new ArrayList<>();
        command.add(executable.get());
        for (String a : argv.subList(1, argv.size())) {
            if (!drop.contains(a)) {
                command.add(a);
            }
        }
        command.addAll(extra);
        return command;
    }

    static int run(final Path rundir, final Path pidFile, final boolean chdir, final boolean monitor,
                   final PrintWriter out, final PrintWriter err) throws InterruptedException {
        final Path here = Path.of("").toAbsolutePath();
        final List<String> relaunched = relaunch(Set.of("--detach"),
                chdir ? List.of("--relative-to=" + here) : List.of());
        if (relaunched == null) {
            err.println("flowgate: --detach: cannot tell how this process was started");
            return 1;
        }
        final List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // a session of its own: a closing terminal's SIGHUP stays away
        }
        command.addAll(relaunched);
        final String name = PidFile.daemonName(pidFile);
        final Path log = rundir.toAbsolutePath().resolve(name + ".stderr");
        final Process child;
        try {
            Files.createDirectories(rundir);
            final ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile());
            if (chdir) {
                pb.directory(Path.of("/").toFile()); // so that the file system it was started in can be unmounted
            }
            child = pb.start();
        } catch (IOException e) {
            err.println("flowgate: --detach: " + FlowgateCommand.describe(e));
            return 1;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                err.print(tail(log));
                err.println("flowgate: --detach: the " + (monitor ? "monitor" : "daemon") + " exited with status "
                        + child.exitValue() + " before it was ready");
                return 1;
            }
            final Optional<Long> pid = answering(rundir, pidFile, name, child.pid(), monitor);
            if (pid.isPresent()) {
                out.println("flowgate: running in the background as pid " + pid.get()
                        + (monitor ? " under monitor pid " + child.pid() : "") + " (run directory " + rundir
                        + ", standard error in " + log + ")");
                return 0;
            }
            Thread.sleep(50);
        }
        child.destroy();
        err.println("flowgate: --detach: the daemon did not answer within " + START_TIMEOUT_SECONDS + " s; stopped it");
        return 1;
    }

    /**
     * The daemon's pid once the one in the pid file is ours (the background process, or its
     * child when that is the monitor) and answers on its control socket.
     */
    private static Optional<Long> answering(final Path rundir, final Path pidFile, final String name,
                                            final long child, final boolean monitor) {
        try {
            final long pid = Long.parseLong(Files.readString(pidFile).strip());
            final boolean ours = monitor
                    ? ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L) == child
                    : pid == child;
            if (!ours) {
                return Optional.empty();
            }
            final UnixctlClient.Reply r = UnixctlClient.call(rundir.resolve(name + "." + pid + ".ctl"), "version",
                    List.of(), 5_000);
            return r.error() == null ? Optional.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException | UnixctlClient.ClientException e) {
            return Optional.empty();
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
