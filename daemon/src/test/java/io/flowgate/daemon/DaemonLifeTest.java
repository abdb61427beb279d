package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.daemon.testing.FlowgateProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's life as OVS daemons live it: {@code --pidfile[=FILE]} (FILE relative to the run
 * directory; the control socket takes the pid file's name, so {@code ovs-appctl -t NAME} finds
 * it), {@code --detach} changing to / unless {@code --no-chdir} (names given relative to where
 * flowgate ran still mean what they meant), and {@code --monitor} starting the daemon again after
 * a crash, and only after a crash. Before, each of these options was refused as unknown.
 */
@Timeout(300)
class DaemonLifeTest {
    @TempDir
    Path dir;

    private Path flows() throws IOException {
        return Files.writeString(dir.resolve("r.flows"), "priority=5,ip,actions=output:2\n");
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    /** As {@link #await}, failing at once with its standard error if the process ended. */
    private static void await(final Daemon d, final BooleanSupplier condition, final String what)
            throws InterruptedException {
        await(() -> {
            assertTrue(d.process().isAlive() || condition.getAsBoolean(), "it exited: " + d.err());
            return condition.getAsBoolean();
        }, what);
    }

    private static long pidIn(final Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isNewDaemon(final long pid, final long old) {
        return pid > 0 && pid != old;
    }

    private static String version(final Path socket) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(socket, "version", List.of(), 10_000);
        assertNull(r.error());
        return r.result();
    }

    private static List<String> rundirFiles(final Path rundir) throws IOException {
        try (Stream<Path> s = Files.list(rundir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".stderr")).sorted().toList();
        }
    }

    private static String ovsAppctl(final Path rundir, final String target) throws Exception {
        final ProcessBuilder pb = new ProcessBuilder("ovs-appctl", "-t", target, "version").redirectErrorStream(true);
        pb.environment().put("OVS_RUNDIR", rundir.toString());
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void pidfileNamesTheFileRelativeToTheRunDirectoryAndOvsAppctlFindsTheDaemonByItsName() throws Exception {
        final Path rundir = dir.resolve("run");
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--pidfile=edge-a.pid", "--flows",
                flows().toString(), "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")) {
            final Path pidFile = rundir.resolve("edge-a.pid");
            await(d, () -> Files.exists(pidFile), "the pid file appears");
            assertEquals(d.pid(), pidIn(pidFile));
            assertEquals(List.of("edge-a." + d.pid() + ".ctl", "edge-a.mgmt", "edge-a.pid", "edge-a.pid.lock"),
                    rundirFiles(rundir), "no flowgate.pid beside it; the control and OpenFlow sockets take the pid"
                            + " file's name");
            assertTrue(ovsAppctl(rundir, "edge-a").startsWith("flowgate "), "ovs-appctl -t edge-a answered");
            d.signal("TERM");
            assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS), d.err());
        }
        assertEquals(List.of(), rundirFiles(rundir), "pid file, lock and sockets are gone");
    }

    @Test
    void pidfileAloneIsTheDefaultAndAnAbsoluteFileGoesWhereItSays() throws Exception {
        final Path rundir = dir.resolve("run");
        final Path elsewhere = dir.resolve("pids/fg.pid");
        // First, with a run directory that does not exist yet: it is made for the socket.
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--pidfile=" + elsewhere, "--flows",
                flows().toString(), "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")) {
            await(d, () -> Files.exists(elsewhere), "the pid file appears where it was asked for");
            assertEquals(d.pid(), pidIn(elsewhere));
            assertTrue(version(rundir.resolve("fg." + d.pid() + ".ctl")).startsWith("flowgate "));
            d.signal("TERM");
            assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS), d.err());
        }
        assertFalse(Files.exists(elsewhere));
        assertEquals(List.of(), rundirFiles(rundir));
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--pidfile", "--flows", flows().toString(),
                "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")) {
            await(d, () -> Files.exists(rundir.resolve("flowgate.pid")), "the default pid file appears");
            assertTrue(ovsAppctl(rundir, "flowgate").startsWith("flowgate "));
            d.signal("TERM");
            assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS), d.err());
        }
        assertEquals(List.of(), rundirFiles(rundir));
    }

    /** Runs {@code flowgate run --detach ...} from {@code from}; returns the daemon's pid. */
    private long detach(final Path from, final String... args) throws Exception {
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), args).directory(from.toFile()).start();
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "--detach returned");
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + err);
        final Matcher m = Pattern.compile("running in the background as pid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static void stop(final long pid) throws Exception {
        final var h = ProcessHandle.of(pid);
        if (h.isPresent()) {
            h.get().destroy();
            h.get().onExit().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void detachChangesToTheRootDirectoryAndRelativeNamesKeepTheirMeaning() throws Exception {
        flows();
        Files.createDirectories(dir.resolve("work"));
        final long pid = detach(dir, "run", "--detach", "--rundir", "run", "--flows", "r.flows", "--pmd-idle",
                "backoff", "--port", "1=ring:a", "--port", "2=pcap:out=work/out.pcap");
        try {
            assertEquals(Path.of("/"), Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")),
                    "the daemon does not hold the directory it was started from");
            final Path rundir = dir.resolve("run");
            assertTrue(version(UnixctlClient.resolve("flowgate", rundir)).startsWith("flowgate "));
            // The rules file is read again, by the name it was given, on SIGHUP:
            Files.writeString(dir.resolve("r.flows"), "priority=5,ip,actions=output:2\npriority=6,arp,actions=drop\n");
            new ProcessBuilder("kill", "-HUP", Long.toString(pid)).start().waitFor();
            await(() -> stderrOf(rundir).contains("SIGHUP: reloaded the rules"), "the rules were reloaded: "
                    + stderrOf(rundir));
        } finally {
            stop(pid);
        }
        assertTrue(Files.exists(dir.resolve("work/out.pcap")), "the output went where it was named");
        assertFalse(Files.exists(Path.of("/work/out.pcap")));
    }

    @Test
    void noChdirKeepsTheWorkingDirectory() throws Exception {
        flows();
        final long pid = detach(dir, "run", "--detach", "--no-chdir", "--rundir", "run", "--flows", "r.flows",
                "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b");
        try {
            assertEquals(dir.toRealPath(), Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
        } finally {
            stop(pid);
        }
    }

    private static String stderrOf(final Path rundir) {
        try {
            return Files.readString(rundir.resolve("flowgate.stderr"));
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void theMonitorStartsACrashedDaemonAgainAndSigtermStopsBoth() throws Exception {
        final Path rundir = dir.resolve("run");
        final Path pidFile = rundir.resolve("flowgate.pid");
        try (Daemon monitor = Daemon.startIn(dir, "run", "--monitor", "--rundir", rundir.toString(), "--flows",
                flows().toString(), "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")) {
            await(monitor, () -> pidIn(pidFile) > 0, "the daemon is ready");
            final long first = pidIn(pidFile);
            assertNotEquals(monitor.pid(), first, "the daemon is the monitor's child, not the monitor");
            assertEquals(monitor.pid(), ProcessHandle.of(first).orElseThrow().parent().orElseThrow().pid());
            new ProcessBuilder("kill", "-ABRT", Long.toString(first)).start().waitFor(); // as a JVM crash ends
            // One read per check: read twice, the old pid (first read) and the file the monitor
            // removes once it sees the crash (second read, -1) passed for "a new daemon".
            await(monitor, () -> isNewDaemon(pidIn(pidFile), first), "a new daemon is ready");
            final long second = pidIn(pidFile);
            try {
                assertTrue(version(UnixctlClient.resolve("flowgate", rundir)).startsWith("flowgate "));
            } catch (Exception | AssertionError e) {
                // Say what the monitor saw.
                throw new AssertionError("the new daemon " + second + " did not answer; monitor's stderr: "
                        + monitor.err(), e);
            }
            assertFalse(Files.exists(rundir.resolve("flowgate." + first + ".ctl")), "the dead daemon's socket went");
            monitor.awaitErr(l -> l.equals("flowgate: monitor: daemon pid " + first
                    + " died, killed by SIGABRT, restarting"), 10, TimeUnit.SECONDS);
            monitor.signal("TERM");
            assertEquals(0, monitor.awaitExit(60, TimeUnit.SECONDS), monitor.err());
            assertTrue(ProcessHandle.of(second).isEmpty() || !ProcessHandle.of(second).get().isAlive(),
                    "the daemon stopped with its monitor");
            assertTrue(monitor.err().contains("flowgate: SIGTERM: stopping"), "passed on: " + monitor.err());
        }
        assertEquals(List.of(), rundirFiles(rundir), "no pid file, lock or socket left");
    }

    @Test
    void aDaemonKilledByTheOperatorIsNotStartedAgain() throws Exception {
        final Path rundir = dir.resolve("run");
        final Path pidFile = rundir.resolve("flowgate.pid");
        try (Daemon monitor = Daemon.startIn(dir, "run", "--monitor", "--rundir", rundir.toString(), "--flows",
                flows().toString(), "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")) {
            await(monitor, () -> pidIn(pidFile) > 0, "the daemon is ready");
            final long pid = pidIn(pidFile);
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
            assertEquals(128 + 9, monitor.awaitExit(60, TimeUnit.SECONDS), monitor.err());
            assertTrue(monitor.err().contains("flowgate: monitor: daemon pid " + pid
                    + " died, killed by SIGKILL, exiting"), monitor.err());
        }
        assertEquals(List.of(), rundirFiles(rundir), "what the killed daemon left is removed");
    }

    @Test
    void detachWithMonitorReturnsOnceTheMonitorsDaemonAnswers() throws Exception {
        flows();
        final long pid = detach(dir, "run", "--detach", "--monitor", "--rundir", "run", "--flows", "r.flows",
                "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b");
        final long monitor = ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid();
        try {
            assertEquals(pid, pidIn(dir.resolve("run/flowgate.pid")));
            assertEquals(Path.of("/"), Files.readSymbolicLink(Path.of("/proc", Long.toString(monitor), "cwd")));
        } finally {
            stop(monitor);
        }
        assertTrue(ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive());
        assertEquals(List.of(), rundirFiles(dir.resolve("run")));
    }
}
