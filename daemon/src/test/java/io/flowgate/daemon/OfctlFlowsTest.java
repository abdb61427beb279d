package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ofctl/dump-flows with a match, and ofctl/mod-flows, as ovs-ofctl's dump-flows and mod-flows. */
class OfctlFlowsTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void dumpFlowsSelectsByMatchAndModFlowsChangesActionsKeepingCounters() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "priority=10,udp,tp_dst=53,actions=output:2\n"
                + "priority=10,udp,tp_dst=123,actions=output:2\npriority=5,tcp,actions=output:2\n"
                + "table=1,priority=1,actions=drop\n");
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=dummy:p1", "--port", "2=dummy:p2", "--port", "3=dummy:p3")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            String dump = call(ctl, "ofctl/dump-flows", "udp");
            assertEquals(2, dump.lines().count(), dump);
            assertTrue(dump.contains("tp_dst=53") && dump.contains("tp_dst=123"), dump);
            assertEquals(1, call(ctl, "ofctl/dump-flows", "table=1").lines().count());
            assertEquals(1, call(ctl, "ofctl/dump-flows", "udp,tp_dst=53").lines().count());
            // A packet through the tp_dst=53 rule, then new actions for every udp rule.
            call(ctl, "netdev-dummy/receive", "p1", "in_port(1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),"
                    + "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),"
                    + "udp(src=1000,dst=53)");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!call(ctl, "ofctl/dump-flows", "udp,tp_dst=53").contains("n_packets=1,")
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            call(ctl, "ofctl/mod-flows", "udp,actions=output:3");
            dump = call(ctl, "ofctl/dump-flows", "udp");
            assertEquals(2, dump.lines().count(), dump);
            assertFalse(dump.contains("output:2"), dump);
            final String dns = call(ctl, "ofctl/dump-flows", "udp,tp_dst=53");
            assertTrue(dns.contains("n_packets=1,") && dns.contains("actions=output:3"),
                    "new actions, the counters kept: " + dns);
            assertTrue(call(ctl, "ofctl/dump-flows", "tcp").contains("actions=output:2"), "tcp untouched");
        }
    }

    /**
     * A rule file named relative to where the operator is: `flowgate appctl` sends it made
     * absolute, so the daemon, running elsewhere, reads the right file; a relative name from
     * another client (ovs-appctl sends names as typed) is refused naming the daemon's directory.
     */
    @Test
    @Timeout(120)
    void addFlowsReadsTheFileTheClientNamed() throws Exception {
        final Path here = Path.of("").toAbsolutePath();
        final Path file = Files.writeString(Files.createTempFile(here.resolve("target"), "client", ".flows"),
                "priority=7,arp,actions=output:2\n");
        final String relative = here.relativize(file).toString();
        final Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        final Path start = Files.writeString(dir.resolve("start.flows"), "priority=1,ip,actions=output:2\n");
        try (Daemon d = Daemon.startIn(elsewhere, "run", "--rundir", dir.resolve("run").toString(), "--flows",
                start.toString(), "--pmd-idle", "backoff", "--port", "1=dummy:p1", "--port", "2=dummy:p2")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            final UnixctlClient.Reply asTyped = UnixctlClient.call(ctl, "ofctl/add-flows", List.of(relative), 30_000);
            assertTrue(asTyped.error() != null && asTyped.error().contains(relative + ": no such file")
                    && asTyped.error().contains(elsewhere.toRealPath().toString()), String.valueOf(asTyped.error()));
            final CliTest.Run r = CliTest.run("appctl", "--rundir", dir.resolve("run").toString(), "ofctl/add-flows",
                    relative);
            assertEquals(0, r.status(), r.err());
            assertTrue(call(ctl, "ofctl/dump-flows").contains("priority=7,arp actions=output:2"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String call(final Path ctl, final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertNull(r.error(), method + " " + List.of(args) + ": " + r.error());
        return r.result();
    }
}
