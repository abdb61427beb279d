package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.testing.TestResources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ofctl/dump-ports, ofctl/dump-tables, ofctl/dump-flows with a match, ofctl/mod-flows and
 * ofproto/trace against what real OVS 3.1 printed for the same rules and packets
 * (oracle/ofctl/make.sh recorded it: a bridge br0 with dummy ports 1 to 3). Where Flowgate differs
 * on purpose, the comparison says so: it has no LOCAL port, it counts port drops that OVS's dummy
 * ports leave unknown, it describes no table features, its bridge is named flowgate and its
 * datapath numbers ports as OpenFlow does, and its dump-flows prints no reply header.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class OfctlOracleTest {
    private static final String ORACLE = "daemon/src/test/resources/oracle/ofctl/";

    @TempDir
    static Path tmp;
    private static Daemon daemon;
    private static Path ctl;

    @BeforeAll
    static void start() throws Exception {
        daemon = Daemon.start("run", "--rundir", tmp.resolve("run").toString(), "--flows", oracle("flows.txt").toString(),
                "--pmd-idle", "backoff", "--port", "1=dummy:p1", "--port", "2=dummy:p2", "--port", "3=dummy:p3");
        final String line = daemon.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
        for (String packet : Files.readAllLines(oracle("packets.txt"))) {
            final String[] words = packet.split(" ", 2);
            call("netdev-dummy/receive", words[0], words[1]);
        }
        // Every packet through: port 1 received 7, ports 2 and 3 sent 1 and 5 (as in OVS).
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!call("ofctl/dump-ports").contains("tx pkts=5,") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        call("revalidator/wait"); // the megaflows' hits pushed to rules and tables
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    @Order(1)
    void dumpPortsPrintsEachPortsCountersAsOvsDoes() throws Exception {
        final String all = call("ofctl/dump-ports");
        assertEquals(ovsPorts("dump-ports.txt"), all.replaceAll("drop=\\d+", "drop=?"), all);
        assertTrue(all.lines().filter(l -> l.contains("drop=")).allMatch(l -> l.matches(".*drop=0,.*")),
                "Flowgate counts each port's drops (none here); OVS's dummy ports print '?': " + all);
        assertEquals(ovsPorts("dump-ports-3.txt"), call("ofctl/dump-ports", "3").replaceAll("drop=\\d+", "drop=?"));
        assertEquals(call("ofctl/dump-ports", "3"), call("ofctl/dump-ports", "p3"), "a port by name too");
        assertEquals("OFPST_PORT reply (xid=0x2): 0 ports\n", call("ofctl/dump-ports", "9"), "as OVS: no such port");
        assertEquals("flowgate: unknown port `nosuch'", error("ofctl/dump-ports", "nosuch"));
    }

    @Test
    @Order(2)
    void dumpTablesCountsRulesLookupsAndMatchesAsOvsDoes() throws Exception {
        // OVS also prints its tables' features (max_entries, matching fields); Flowgate has none to print.
        final String ovs = String.join("\n", Files.readAllLines(oracle("dump-tables.txt")).stream()
                .filter(l -> !l.matches(" {4}(max_entries=.*|matching:|\\(same features\\))") && !l.startsWith("      exact"))
                .toList()) + "\n";
        assertEquals(ovs, call("ofctl/dump-tables"));
        assertTrue(ovs.contains("  table 0:\n    active=8, lookup=9, matched=8\n"), "the IPv6 packet missed: " + ovs);
    }

    @Test
    @Order(3)
    void dumpFlowsWithAMatchSelectsTheRulesOvsSelects() throws Exception {
        assertEquals(ovsFlows("dump-flows-table1.txt"), flows(call("ofctl/dump-flows", "table=1")));
        // Loosely: every rule at least as specific as the match, whatever its table.
        assertEquals(ovsFlows("dump-flows-nw_dst.txt"), flows(call("ofctl/dump-flows", "ip,nw_dst=10.0.0.0/8")));
    }

    @Test
    @Order(4)
    void traceTakesABridgeNameAPacketInHexAndGenerate() throws Exception {
        final String flow = "in_port=1,tcp,nw_dst=10.2.0.1,tp_dst=80";
        final String hex = Files.readString(oracle("trace-packet.hex")).strip();
        assertSameTrace(read("trace-flow.txt"), call("ofproto/trace", "br0", flow), "3");
        assertEquals(call("ofproto/trace", "br0", flow), call("ofproto/trace", "flowgate", flow), "its own name");
        assertEquals(call("ofproto/trace", "br0", flow), call("ofproto/trace", flow), "or none");
        assertSameTrace(read("trace-packet.txt"), call("ofproto/trace", "br0", "in_port=1", hex), "3");
        assertSameTrace(read("trace-generate.txt"), call("ofproto/trace", "br0", flow, "-generate"), "3");
        // Resubmits that do not end their rule nest, a table miss drops, as OVS prints them.
        assertSameTrace(read("trace-nested.txt"), call("ofproto/trace", "br0", "in_port=3,tcp,nw_dst=10.2.0.1"), "2");
        // A datapath flow, after the datapath's name or alone (OVS's own form).
        final String odp = "in_port(1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),eth_type(0x0800),"
                + "ipv4(src=10.0.0.9,dst=10.2.0.1,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)";
        assertSameTrace(read("trace-odp.txt"), call("ofproto/trace", "ovs-netdev", odp), "3");
        assertEquals(call("ofproto/trace", "ovs-netdev", odp), call("ofproto/trace", odp));
        assertEquals("Cannot find the datapath", error("ofproto/trace", "br0", odp));
        // A resubmit loop stops where OVS's does (only resubmits back to a table count towards the depth).
        assertSameTrace(read("trace-loop.txt"), call("ofproto/trace", "br0", "in_port=2,arp"), "drop");
        assertEquals(read("trace-errors.txt"), error("ofproto/trace", "br9", "in_port=1,tcp") + "\n"
                + error("ofproto/trace", "br0", "in_port=1", "zz" + hex) + "\n"
                + error("ofproto/trace", "br0", "in_port=1", "0000") + "\n"
                + error("ofproto/trace", "br0", "in_port=1,tcp", "-frobnicate") + "\n");
        final CliTest.Run offline = CliTest.run("trace", "--flows", oracle("flows.txt").toString(), "br0", "in_port=1",
                hex);
        assertEquals(0, offline.status(), offline.err());
        assertEquals(call("ofproto/trace", "br0", "in_port=1", hex), offline.out(), "flowgate trace reads the same");
    }

    @Test
    @Order(5)
    void modFlowsChangesActionsKeepsCountersAndAddsWhenNothingIsSelected() throws Exception {
        // hard_age shows once it differs from the duration in whole seconds, as in OVS's run.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (call("ofctl/dump-flows").contains("duration=0.") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        call("ofctl/mod-flows", "ip,nw_dst=10.0.0.0/8,actions=output:1");
        assertEquals(ovsFlows("mod-flows-loose.txt"), flows(call("ofctl/dump-flows")));
        call("ofctl/mod-flows", "table=1,actions=drop");
        assertEquals(ovsFlows("mod-flows-table1.txt"), flows(call("ofctl/dump-flows")));
        call("ofctl/mod-flows", "actions=output:3");
        assertEquals(ovsFlows("mod-flows-all.txt"), flows(call("ofctl/dump-flows")));
        call("ofctl/mod-flows", "table=5,priority=3,udp,actions=drop");
        assertEquals(ovsFlows("mod-flows-adds.txt"), flows(call("ofctl/dump-flows", "table=5")));
    }

    /**
     * Flowgate's and OVS's traces agree line for line, indentation included, but for the bridge's
     * name and the datapath's port numbers: OVS's datapath numbers its ports apart from OpenFlow's
     * (here p2 is 1, p3 is 2), Flowgate's as OpenFlow does.
     */
    private static void assertSameTrace(final String ovs, final String flowgate, final String datapathActions) {
        assertEquals(traceLines(ovs), traceLines(flowgate), flowgate);
        assertTrue(flowgate.contains("\nbridge(\"flowgate\")\n------------------\n"), flowgate);
        assertTrue(flowgate.contains("\nDatapath actions: " + datapathActions + "\n"), flowgate);
    }

    private static List<String> traceLines(final String trace) {
        return trace.lines().filter(l -> !l.startsWith("bridge(") && !l.matches("-+")
                && !l.startsWith("Datapath actions:")).toList();
    }

    /** OVS's port reply without its LOCAL port, which Flowgate's bridge does not have. */
    private static String ovsPorts(final String file) throws Exception {
        final List<String> lines = new ArrayList<>(Files.readAllLines(oracle(file)));
        final int local = lines.indexOf(lines.stream().filter(l -> l.startsWith("  port LOCAL:")).findFirst().orElse(""));
        if (local > 0) {
            lines.remove(local);
            lines.remove(local);
            final int n = Integer.parseInt(lines.getFirst().replaceAll(".*: (\\d+) ports", "$1"));
            lines.set(0, lines.getFirst().replaceAll(": \\d+ ports", ": " + (n - 1) + " ports"));
        }
        return String.join("\n", lines) + "\n";
    }

    /** OVS's dump-flows without its reply header. */
    private static List<String> ovsFlows(final String file) throws Exception {
        final List<String> lines = Files.readAllLines(oracle(file));
        assertTrue(lines.getFirst().startsWith("NXST_FLOW reply"), lines.getFirst());
        return flows(String.join("\n", lines.subList(1, lines.size())));
    }

    /** Rule lines with their times (which differ from run to run) left out, in order. */
    private static List<String> flows(final String dump) {
        return dump.lines().map(l -> l.replaceAll("duration=\\d+\\.\\d+s", "duration=?")
                .replaceAll("(idle_age|hard_age)=\\d+", "$1=?")).sorted().toList();
    }

    private static Path oracle(final String file) {
        return TestResources.repo(ORACLE + file);
    }

    private static String read(final String file) throws Exception {
        return Files.readString(oracle(file));
    }

    private static String call(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertNull(r.error(), method + " " + List.of(args) + ": " + r.error());
        return r.result();
    }

    private static String error(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertTrue(r.error() != null, method + " " + List.of(args) + " answered " + r.result());
        return r.error().strip();
    }
}
