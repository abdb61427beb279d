package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.daemon.testing.FlowgateProcess;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight clients send commands in a loop for a minute (longer with -Dflowgate.load.seconds=N) to a
 * daemon forwarding looping traffic: every request is answered without error and the daemon's
 * resident memory stays flat.
 */
class ControlLoadTest {
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
            final List<Long> rss = new ArrayList<>();
            while (System.nanoTime() < end) {
                Thread.sleep(5_000);
                rss.add(FlowgateProcess.rssBytes(d.pid()));
            }
            for (Thread t : clients) {
                t.join();
            }
            final UnixctlClient.Reply show = UnixctlClient.call(ctl, "dpctl/show", List.of(), 30_000);
            System.out.printf("control load: %,d requests in %d s, 0 failed; RSS samples (MB) %s; %s%n", ok.get(),
                    SECONDS, rss.stream().map(b -> b >> 20).toList(), show.result().lines().skip(1).findFirst().orElse(""));
            assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " failed");
            assertTrue(ok.get() > 1_000, ok.get() + " requests");
            // Flat: after the first third of the run, resident memory grows by less than 32 MB.
            final long settled = rss.get(rss.size() / 3);
            final long last = rss.getLast();
            assertTrue(last - settled < 32L << 20, "RSS " + (settled >> 20) + " MB -> " + (last >> 20) + " MB: " + rss);
            assertTrue(show.result().contains("lookups: hit:"), "traffic flowed: " + show.result());
        }
    }
}
