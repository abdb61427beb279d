package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.testing.Daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real ovs-appctl (Debian's openvswitch-common) as the client of a running {@code flowgate run}
 * forwarding the example router's traffic in a loop.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OvsAppctlTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", ".."));
    private static final Pattern FLOW_LINE = Pattern.compile("recirc_id\\(0\\),in_port\\(\\d+\\),packet_type\\(ns=0,id=0\\),"
            + ".*eth_type\\(0x[0-9a-f]{4}\\).*, packets:\\d+, bytes:\\d+, used:(never|\\d+\\.\\d{3}s)(, flags:[SFPRU.ECN]+)?,"
            + " actions:.+");

    @TempDir
    static Path tmp;
    private static Daemon daemon;
    private static Path ctl;

    /** What one ovs-appctl run printed. */
    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        final Path ex = ROOT.resolve("examples/router");
        final List<String> args = new ArrayList<>(List.of("run", "--rundir", tmp.resolve("run").toString(),
                "--flows", ex.resolve("router.flows").toString(),
                "--port", "1=pcap:in=" + ex.resolve("traffic.pcap") + ",loop=true,pps=20000"));
        for (int p = 2; p <= 6; p++) {
            args.add("--port");
            args.add(p + "=pcap:out=" + tmp.resolve("out-" + p + ".pcap"));
        }
        args.addAll(List.of("--port", "7=dummy:d7", "--log-file", tmp.resolve("flowgate.log").toString()));
        daemon = Daemon.start(args.toArray(new String[0]));
        final String line = daemon.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (appctl("dpctl/show").out().contains("flows: 0") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @Test
    @Order(6)
    void vlogReopenOpensTheLogFileAgainAfterLogrotateMovedIt() throws Exception {
        final Path log = tmp.resolve("flowgate.log");
        final Path rotated = tmp.resolve("flowgate.log.1");
        java.nio.file.Files.move(log, rotated, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        final Run r = appctl("vlog/reopen");
        assertEquals(0, r.status(), r.err());
        assertTrue(java.nio.file.Files.readString(log).contains("|vlog|INFO|opened log file " + log),
                "a new file, started as OVS starts one");
        assertTrue(appctl("vlog/list").out().contains("lb "), "every module that logs is listed");
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    static Run appctl(final String... words) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("ovs-appctl", "-t", ctl.toString()));
        cmd.addAll(List.of(words));
        return run(cmd, Map.of());
    }

    static Run run(final List<String> cmd, final Map<String, String> env) throws IOException, InterruptedException {
        final ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ovs-appctl " + cmd + " hung");
        return new Run(p.exitValue(), out, err);
    }

    @Test
    @Order(1)
    void everyCommandAnswers() throws Exception {
        final Run list = appctl("list-commands");
        assertEquals(0, list.status(), list.err());
        assertTrue(list.out().startsWith("The available commands are:\n"), list.out());
        // Arguments for the commands that need them; "exit" is the last test.
        final Map<String, List<String>> args = Map.ofEntries(
                Map.entry("upcall/set-flow-limit", List.of("200000")),
                Map.entry("ofproto/trace", List.of("in_port=1,tcp,nw_dst=10.1.8.3,nw_ttl=64,tp_dst=80")),
                Map.entry("ofctl/add-flow", List.of("table=2,priority=1,actions=drop")),
                Map.entry("ofctl/add-flows", List.of(ROOT.resolve("examples/router/router.flows").toString())),
                Map.entry("ofctl/replace-flows", List.of(ROOT.resolve("examples/router/router.flows").toString())),
                Map.entry("ofctl/add-group", List.of("group_id=9,type=all,bucket=output:2")),
                Map.entry("ofctl/mod-group", List.of("group_id=9,type=all,bucket=output:3")),
                Map.entry("ofctl/mod-flows", List.of("table=9,actions=drop")), // selects nothing: added (OpenFlow 1.0)
                Map.entry("ofctl/dump-flows", List.of("table=0,tcp")),
                Map.entry("vlog/set", List.of("datapath:info")),
                Map.entry("config/set", List.of("flow-limit=200000", "max-idle=10000")),
                Map.entry("port/set", List.of("1", "pmd-rxq-affinity=")),
                Map.entry("netdev-dummy/receive", List.of("d7", "--qid", "0"))); // a queue and no packet: nothing received
        int checked = 0;
        for (String line : list.out().lines().skip(1).toList()) {
            final String name = line.strip().split("\\s+")[0];
            if (name.equals("exit")) {
                continue;
            }
            if (name.equals("ofctl/mod-group")) {
                // Listed after del-groups: the group to modify must exist again.
                assertEquals(0, appctl("ofctl/add-group", "group_id=9,type=all,bucket=output:2").status());
            }
            final List<String> words = new ArrayList<>(List.of(name));
            words.addAll(args.getOrDefault(name, List.of()));
            final Run r = appctl(words.toArray(new String[0]));
            assertEquals(0, r.status(), name + ": " + r.err());
            checked++;
        }
        assertEquals(47, checked, "every command but exit (the last test)");
    }

    @Test
    @Order(2)
    void dumpFlowsListsTheMegaflowsInOvsLineFormat() throws Exception {
        final Run r = appctl("dpctl/dump-flows");
        assertEquals(0, r.status(), r.err());
        final List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().matches("flow-dump from pmd on cpu core: \\d+"), lines.getFirst());
        final List<String> flows = lines.stream().filter(l -> l.startsWith("recirc_id")).toList();
        assertFalse(flows.isEmpty());
        for (String f : flows) {
            assertTrue(FLOW_LINE.matcher(f).matches(), f);
        }
        final Run verbose = appctl("dpctl/dump-flows", "-m");
        assertTrue(verbose.out().lines().filter(l -> l.startsWith("ufid:")).allMatch(l -> l.contains("in_port(pcap1)")),
                verbose.out());
    }

    @Test
    @Order(3)
    void upcallShowHasFlowsLimitAndDumpDuration() throws Exception {
        final Run r = appctl("upcall/show");
        assertEquals(0, r.status());
        assertTrue(r.out().matches("(?s)netdev@flowgate:\n  flows         : \\(current \\d+\\) \\(avg \\d+\\) \\(max \\d+\\)"
                + " \\(limit \\d+\\)\n  dump duration : \\d+ms\n.*\n  0: \\(keys \\d+\\)\n"), r.out());
    }

    @Test
    @Order(4)
    void anUnknownCommandGetsOvssErrorAndExitStatusTwo() throws Exception {
        final Run r = appctl("no/such-command");
        assertEquals(2, r.status());
        assertEquals("\"no/such-command\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n"
                + "ovs-appctl: " + ctl + ": server returned an error\n", r.err());
        final Run args = appctl("version", "extra");
        assertEquals(2, args.status());
        assertTrue(args.err().startsWith("\"version\" command takes at most 0 arguments\n"), args.err());
    }

    @Test
    @Order(5)
    void theTargetNameIsFoundThroughThePidfile() throws Exception {
        final Run r = run(List.of("ovs-appctl", "-t", "flowgate", "version"),
                Map.of("OVS_RUNDIR", tmp.resolve("run").toString()));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("flowgate "), r.out());
        assertEquals(Files.readString(tmp.resolve("run/flowgate.pid")).strip(),
                ctl.getFileName().toString().replaceAll("flowgate\\.(\\d+)\\.ctl", "$1"));
    }

    @Test
    @Order(6)
    void anAddedRuleChangesExistingMegaflowsWithinOneRound() throws Exception {
        // Traffic to the storage subnet that is routed (TTL 64; TTL 1 goes to the controller).
        final Pattern storage = Pattern.compile(".*ipv4\\(dst=10\\.1\\.8\\.\\d+/255\\.255\\.255\\.0,proto=\\d+,ttl=64,.*");
        final List<String> before = appctl("dpctl/dump-flows").out().lines().filter(l -> storage.matcher(l).matches())
                .toList();
        assertFalse(before.isEmpty(), "traffic to 10.1.8.0/24 has megaflows");
        assertTrue(before.stream().allMatch(l -> l.endsWith(",3")), before.toString());
        assertEquals(0, appctl("ofctl/add-flow", "table=1,priority=400,ip,nw_dst=10.1.8.0/24,actions=drop").status());
        assertEquals(0, appctl("revalidator/wait").status());
        final List<String> after = appctl("dpctl/dump-flows").out().lines().filter(l -> storage.matcher(l).matches())
                .toList();
        assertFalse(after.isEmpty());
        assertTrue(after.stream().allMatch(l -> l.endsWith("actions:drop")), "revalidated at once: " + after);
        assertEquals(0, appctl("ofctl/replace-flows", ROOT.resolve("examples/router/router.flows").toString()).status());
        assertEquals(0, appctl("revalidator/wait").status());
        assertTrue(appctl("dpctl/dump-flows").out().lines().filter(l -> storage.matcher(l).matches())
                .allMatch(l -> l.endsWith(",3")), "and back");
    }

    @Test
    @Order(8)
    void exitStopsTheDaemonCleanly() throws Exception {
        final Run r = appctl("exit");
        assertEquals(0, r.status(), r.err());
        assertEquals(0, daemon.awaitExit(30, TimeUnit.SECONDS), daemon.err());
        assertFalse(Files.exists(ctl), "the socket file is removed");
        assertFalse(Files.exists(tmp.resolve("run/flowgate.pid")), "and the pid file");
    }
}
