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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
     * ofctl/replace-flows as ovs-ofctl replace-flows (its diff, checked against OVS 3.1): an
     * identical file changes nothing, every rule keeps its duration and counters; a file differing
     * in some rules replaces only those (new actions: a new rule, counters from zero, as OVS) and
     * adds and deletes the rules only one side has, the others untouched.
     */
    @Test
    @Timeout(120)
    void replaceFlowsTouchesOnlyTheRulesThatDiffer() throws Exception {
        final String same = "priority=10,udp,tp_dst=53,actions=output:2\npriority=10,udp,tp_dst=123,actions=output:2\n"
                + "priority=5,tcp,actions=output:2\ntable=1,priority=1,actions=drop\n";
        final Path flows = Files.writeString(dir.resolve("r.flows"), same);
        final Path differing = Files.writeString(dir.resolve("d.flows"), same
                .replace("tp_dst=53,actions=output:2", "tp_dst=53,actions=output:3")
                .replace("priority=5,tcp", "priority=6,tcp"));
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=dummy:p1", "--port", "2=dummy:p2", "--port", "3=dummy:p3")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            for (String port : List.of("53", "123")) {
                call(ctl, "netdev-dummy/receive", "p1", "in_port(1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),"
                        + "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),"
                        + "udp(src=1000,dst=" + port + ")");
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (call(ctl, "ofctl/dump-flows", "udp").split("n_packets=1,", -1).length < 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            final Map<String, String> before = byRule(call(ctl, "ofctl/dump-flows"));
            assertEquals(4, before.size(), before.toString());
            call(ctl, "ofctl/replace-flows", flows.toString());
            final Map<String, String> again = byRule(call(ctl, "ofctl/dump-flows"));
            assertEquals(before.keySet(), again.keySet(), "an identical file: the same rules");
            for (Map.Entry<String, String> r : before.entrySet()) {
                final String now = again.get(r.getKey());
                assertEquals(withoutDuration(r.getValue()), withoutDuration(now), "unchanged but for the duration");
                assertTrue(duration(now) >= duration(r.getValue()), "kept, its duration going on: " + r.getValue()
                        + " then " + now);
            }
            call(ctl, "ofctl/replace-flows", differing.toString());
            final Map<String, String> after = byRule(call(ctl, "ofctl/dump-flows"));
            assertEquals(Set.of("priority=10,udp,tp_dst=53 actions=output:3", "priority=10,udp,tp_dst=123 actions=output:2",
                    "priority=6,tcp actions=output:2", "priority=1 actions=drop"), after.keySet());
            final String kept = after.get("priority=10,udp,tp_dst=123 actions=output:2");
            final String keptBefore = before.get("priority=10,udp,tp_dst=123 actions=output:2");
            assertTrue(kept.contains("n_packets=1,") && duration(kept) >= duration(keptBefore),
                    "the rule the files agree on is kept with its counters and duration: " + kept);
            assertEquals(withoutDuration(before.get("priority=1 actions=drop")),
                    withoutDuration(after.get("priority=1 actions=drop")), "so is table 1's");
            assertTrue(after.get("priority=10,udp,tp_dst=53 actions=output:3").contains("n_packets=0,"),
                    "new actions: a new rule, as OVS replaces it: " + after);
            assertTrue(after.get("priority=6,tcp actions=output:2").contains("n_packets=0,"), after.toString());
        }
    }

    /** ofctl/dump-flows lines by what defines the rule (priority, match and actions). */
    private static Map<String, String> byRule(final String dump) {
        final Map<String, String> m = new TreeMap<>();
        dump.lines().forEach(l -> m.put(l.substring(l.indexOf(" priority=") + 1), l));
        return m;
    }

    private static String withoutDuration(final String line) {
        return line.replaceFirst(", duration=[0-9.]+s", "").replaceFirst(", idle_age=\\d+", "");
    }

    private static double duration(final String line) {
        return Double.parseDouble(line.replaceAll(".*, duration=([0-9.]+)s.*", "$1"));
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
