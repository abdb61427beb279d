package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight clients send commands in a loop for a minute (longer with -Dflowgate.load.seconds=N) to a
 * daemon forwarding looping traffic: every request is answered without error, and the daemon
 * keeps nothing of a finished client: its open file descriptors and threads come back to what
 * they were before the load (counted in /proc, not its resident memory, which the JVM's heap
 * sizing moves without any leak).
 */
class ControlLoadTest {
    /**
     * Entries of /proc/PID/{@code what}: fd, open file descriptors; task, threads other than the
     * JVM's own compiler and GC workers (which it starts and stops as it likes).
     */
    private static int count(final long pid, final String what) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(Path.of("/proc", Long.toString(pid), what))) {
            return (int) s.filter(e -> !what.equals("task") || !jvmWorker(e)).count();
        }
    }

    private static boolean jvmWorker(final Path task) {
        try {
            final String name = java.nio.file.Files.readString(task.resolve("comm")).strip();
            return name.contains("CompilerThre") || name.startsWith("GC Thread") || name.startsWith("G1 ");
        } catch (java.io.IOException e) {
            return true; // ended meanwhile
        }
    }

    private static final long SECONDS = Long.getLong("flowgate.load.seconds", 60);
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", ".."));
    private static final List<List<String>> COMMANDS = List.of(List.of("version"), List.of("dpctl/show", "-s"),
            List.of("dpctl/dump-flows"), List.of("upcall/show"), List.of("dpif-netdev/pmd-stats-show"),
            List.of("coverage/show"), List.of("ofctl/dump-flows"), List.of("memory/show"),
            List.of("ofproto/trace", "in_port=1,udp,nw_dst=10.1.2.3,nw_ttl=64,tp_dst=53"), List.of("list-commands"));

    @TempDir
    Path tmp;

    @Test
    void eightClientsForAMinuteWithTrafficFlowing() throws Exception {
        final Path ex = ROOT.resolve("examples/router");
        final List<String> args = new ArrayList<>(List.of("run", "--rundir", tmp.resolve("run").toString(),
                "--flows", ex.resolve("router.flows").toString(),
                "--port", "1=pcap:in=" + ex.resolve("traffic.pcap") + ",loop=true,pps=20000"));
        for (int p = 2; p <= 6; p++) {
            args.add("--port");
            args.add(p + "=pcap:out=" + tmp.resolve("out-" + p + ".pcap"));
        }
        try (Daemon d = Daemon.start(args.toArray(new String[0]))) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            for (List<String> cmd : COMMANDS) { // each command once first: classes and jars it needs are loaded
                assertEquals(null, UnixctlClient.call(ctl, cmd.getFirst(), cmd.subList(1, cmd.size()), 30_000).error());
            }
            final int fds = count(d.pid(), "fd");
            final int threads = count(d.pid(), "task");
            final AtomicLong ok = new AtomicLong();
            final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            final List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                final int id = c;
                clients.add(Thread.ofPlatform().start(() -> {
                    int i = id;
                    while (System.nanoTime() < end) {
                        final List<String> cmd = COMMANDS.get(i++ % COMMANDS.size());
                        try {
                            final UnixctlClient.Reply r = UnixctlClient.call(ctl, cmd.getFirst(),
                                    cmd.subList(1, cmd.size()), 30_000);
                            if (r.error() != null) {
                                failures.add(cmd + ": " + r.error());
                            } else {
                                ok.incrementAndGet();
                            }
                        } catch (UnixctlClient.ClientException e) {
                            failures.add(cmd + ": " + e.getMessage());
                        }
                    }
                }));
            }
            for (Thread t : clients) {
                t.join();
            }
            final UnixctlClient.Reply show = UnixctlClient.call(ctl, "dpctl/show", List.of(), 30_000);
            System.out.printf("control load: %,d requests in %d s, %d failed; %s%n", ok.get(), SECONDS,
                    failures.size(), show.result().lines().skip(1).findFirst().orElse(""));
            assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " failed");
            assertTrue(ok.get() > 1_000, ok.get() + " requests");
            assertTrue(show.result().contains("lookups: hit:"), "traffic flowed: " + show.result());
            // Every client has hung up: the daemon closes their sockets and ends their threads.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((count(d.pid(), "fd") > fds || count(d.pid(), "task") > threads) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(count(d.pid(), "fd") <= fds, "file descriptors " + fds + " -> " + count(d.pid(), "fd"));
            assertTrue(count(d.pid(), "task") <= threads, "threads " + threads + " -> " + count(d.pid(), "task"));
        }
    }
}
