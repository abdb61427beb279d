package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ovs-ofctl -O OpenFlow13} programs a running {@code flowgate run} the way it
 * programs OVS: it finds the switch by name (OVS_RUNDIR/flowgate.mgmt, as OVS's br0.mgmt), and
 * its rules, dumps, errors and version negotiation behave as against OVS 3.1.
 */
@Timeout(180)
class OvsOfctlTest {
    private static final String RULES = "priority=10,udp,tp_dst=53,actions=output:2\n"
            + "priority=5,tcp,nw_dst=10.0.0.0/8,actions=mod_nw_dst:10.1.1.1,output:3\n"
            + "priority=20,ip,in_port=1,nw_src=192.168.0.0/16,actions=resubmit(,1)\n"
            + "table=1,priority=1,arp,actions=output:2\n";

    @TempDir
    Path dir;

    private Daemon daemon;
    private Path rundir;
    private Path ctl;

    @BeforeEach
    void start() throws Exception {
        rundir = dir.resolve("run");
        final Path flows = Files.writeString(dir.resolve("r.flows"), RULES);
        daemon = Daemon.start("run", "--rundir", rundir.toString(), "--flows", flows.toString(), "--pmd-idle",
                "backoff", "--port", "1=dummy:p1", "--port", "2=dummy:p2", "--port", "3=dummy:p3");
        final String line = daemon.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
        daemon.awaitErr(l -> l.contains("OpenFlow on punix:" + rundir.resolve("flowgate.mgmt")), 60, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    /** ovs-ofctl's output (standard output and error) and exit status. */
    private record Run(int status, String out) {
    }

    private Run ofctl(final String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("ovs-ofctl", "-O", "OpenFlow13"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private Run run(final List<String> cmd) throws IOException, InterruptedException {
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OVS_RUNDIR", rundir.toString());
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ovs-ofctl " + cmd + " finished");
        return new Run(p.exitValue(), out);
    }

    private Run ok(final String... args) throws IOException, InterruptedException {
        final Run r = ofctl(args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r.out());
        return r;
    }

    /** The rules of a dump (ovs-ofctl's or ofctl/dump-flows'): table, priority, match and actions, sorted. */
    private static TreeSet<String> rules(final String dump) {
        final TreeSet<String> out = new TreeSet<>();
        for (String l : dump.split("\n")) {
            if (!l.contains("actions=")) {
                continue;
            }
            final String table = l.replaceAll(".*table=(\\d+),.*", "$1");
            final String rule = l.replaceAll(".*(n_bytes=\\d+|hard_age=\\d+|idle_age=\\d+), ", "").strip();
            out.add("table=" + table + " " + rule);
        }
        return out;
    }

    private String appctl(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertEquals(null, r.error(), method + ": " + r.error());
        return r.result();
    }

    @Test
    void showDescribesTheSwitchAndItsPortsAndDumpFlowsShowsTheRulesAsOfctlDumpFlows() throws Exception {
        final String show = ok("show", "flowgate").out();
        assertTrue(show.contains("OFPT_FEATURES_REPLY (OF1.3)") && show.contains("n_tables:254"), show);
        for (String port : List.of(" 1(p1): addr:", " 2(p2): addr:", " 3(p3): addr:")) {
            assertTrue(show.contains(port), port + " in " + show);
        }
        assertTrue(show.contains("OFPT_GET_CONFIG_REPLY (OF1.3)"), show);
        final TreeSet<String> fromOfctl = rules(ok("dump-flows", "flowgate").out());
        assertEquals(4, fromOfctl.size(), fromOfctl.toString());
        assertEquals(rules(appctl("ofctl/dump-flows")), fromOfctl);
        assertTrue(ok("dump-aggregate", "flowgate").out().contains("flow_count=4"));
        assertTrue(ok("dump-flows", "flowgate", "table=1").out().contains("arp actions=output:2"));
        assertEquals(3, rules(ok("dump-flows", "flowgate", "ip").out()).size(), "the udp, tcp and ip rules: a loose "
                + "match selects the rules at least as specific");
    }

    @Test
    void rulesAddedByOpenFlowMakeThePipelineTheSameRulesFromAFileMake() throws Exception {
        final TreeSet<String> fromFile = rules(appctl("ofctl/dump-flows"));
        ok("del-flows", "flowgate");
        assertEquals(0, rules(appctl("ofctl/dump-flows")).size());
        final StringBuilder more = new StringBuilder(RULES);
        for (int i = 0; i < 9_996; i++) { // with the file's four: ovs-ofctl add-flows of 10,000 rules
            more.append("priority=100,udp,nw_src=10.").append(i / 250).append('.').append(i % 250)
                    .append(".1,tp_dst=").append(1000 + i).append(",actions=output:").append(2 + i % 2).append('\n');
        }
        final Path file = Files.writeString(dir.resolve("more.flows"), more.toString());
        ok("add-flows", "flowgate", file.toString());
        final TreeSet<String> viaOpenFlow = rules(appctl("ofctl/dump-flows"));
        assertEquals(10_000, viaOpenFlow.size());
        assertTrue(viaOpenFlow.containsAll(fromFile), "the file's rules, read back identically: " + fromFile);
        // The same file through ofctl/replace-flows changes nothing: the pipelines are the same.
        appctl("ofctl/replace-flows", file.toString());
        assertEquals(viaOpenFlow, rules(appctl("ofctl/dump-flows")));
        assertEquals(rules(ok("dump-flows", "flowgate").out()), viaOpenFlow);
    }

    @Test
    void modFlowsAndDelFlowsSelectAsOpenFlowSays() throws Exception {
        ok("add-flow", "flowgate", "priority=7,udp,tp_dst=54,actions=output:2");
        ok("mod-flows", "flowgate", "udp,actions=output:3");
        final String udp = ok("dump-flows", "flowgate", "udp").out();
        assertTrue(udp.contains("tp_dst=53 actions=output:3") && udp.contains("tp_dst=54 actions=output:3"), udp);
        // OpenFlow 1.3's modify adds nothing when it selects nothing.
        ok("mod-flows", "flowgate", "sctp,actions=output:3");
        assertEquals(0, rules(ok("dump-flows", "flowgate", "sctp").out()).size());
        // Strict: only the rule with exactly this priority and match.
        ok("--strict", "del-flows", "flowgate", "priority=7,udp,tp_dst=54");
        assertEquals(1, rules(ok("dump-flows", "flowgate", "udp").out()).size());
        ok("--strict", "del-flows", "flowgate", "priority=8,udp,tp_dst=53"); // another priority: nothing
        assertEquals(1, rules(ok("dump-flows", "flowgate", "udp").out()).size());
        // Loose: every rule at least as specific, in every table.
        ok("del-flows", "flowgate", "ip");
        assertEquals(List.of("table=1 priority=1,arp actions=output:2"),
                List.copyOf(rules(ok("dump-flows", "flowgate").out())));
        ok("del-flows", "flowgate", "table=1");
        assertEquals(0, rules(appctl("ofctl/dump-flows")).size());
    }

    @Test
    void aRuleTheSwitchRefusesGetsTheErrorOvsGivesAndTheSwitchKeepsServing() throws Exception {
        // ovs-ofctl cannot know which groups exist: the switch refuses, as OVS does.
        final Run r = ofctl("add-flow", "flowgate", "priority=9,actions=group:99");
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("OFPT_ERROR (OF1.3)") && r.out().contains("OFPBAC_BAD_OUT_GROUP"), r.out());
        assertTrue(r.out().contains("OFPT_FLOW_MOD (OF1.3)"), "the request comes back with the error: " + r.out());
        assertEquals(4, rules(ok("dump-flows", "flowgate").out()).size(), "nothing changed");
        ok("add-flow", "flowgate", "priority=9,actions=drop");
        assertEquals(5, rules(appctl("ofctl/dump-flows")).size());
    }

    /**
     * OpenFlow 1.3 has no OXM for nw_ttl or ip_frag: ovs-ofctl sends them in Nicira's NXM class, as
     * OVS does, and the switch takes them, matches with them and reports them in its dumps.
     */
    @Test
    void nwTtlAndIpFragTravelInNiciraFieldsAsOvsSendsThem() throws Exception {
        ok("add-flow", "flowgate", "priority=30,ip,nw_ttl=1,actions=controller");
        ok("add-flow", "flowgate", "priority=31,udp,ip_frag=later,actions=drop");
        ok("add-flow", "flowgate", "priority=32,tcp,nw_frag=not_later,nw_ttl=64,tp_dst=80,actions=output:3");
        final TreeSet<String> fromOfctl = rules(ok("dump-flows", "flowgate").out());
        assertEquals(rules(appctl("ofctl/dump-flows")), fromOfctl);
        assertTrue(fromOfctl.contains("table=0 priority=30,ip,nw_ttl=1 actions=CONTROLLER:65535"), fromOfctl.toString());
        assertTrue(fromOfctl.contains("table=0 priority=31,udp,nw_frag=later actions=drop"), fromOfctl.toString());
        assertTrue(fromOfctl.contains("table=0 priority=32,tcp,nw_ttl=64,nw_frag=not_later,tp_dst=80 actions=output:3"),
                fromOfctl.toString());
        assertEquals(1, rules(ok("dump-flows", "flowgate", "ip,nw_ttl=1").out()).size(), "a dump selects by nw_ttl");
        ok("--strict", "del-flows", "flowgate", "priority=31,udp,ip_frag=later");
        ok("del-flows", "flowgate", "ip,nw_ttl=64");
        assertEquals(5, rules(ok("dump-flows", "flowgate").out()).size(), "the file's four and the nw_ttl=1 rule");
        // A field Flowgate does not match on (a register, in Nicira's class too): OVS's error for it.
        final Run reg = ofctl("add-flow", "flowgate", "priority=33,reg0=1,actions=drop");
        assertTrue(reg.status() != 0 && reg.out().contains("OFPT_ERROR (OF1.3)") && reg.out().contains("OFPBMC_BAD_FIELD")
                && reg.out().contains("ADD priority=33,reg0=0x1 actions=drop"), reg.out());
    }

    /**
     * What OpenFlow 1.3 has no action for goes as OVS sends it: load and a masked set_field as
     * NXAST_REG_LOAD, a set_field of vlan_tci, nw_tos or nw_ttl with an NXM field, a controller
     * action with a reason or an id as NXAST_CONTROLLER; the switch takes each as the same rule the
     * flow syntax makes, and ovs-ofctl reads each back as ofctl/dump-flows shows it.
     */
    @Test
    void loadsNxmSetFieldsAndControllerReasonsTravelAsOvsSendsThem() throws Exception {
        final List<String> actions = List.of("load:0x5->NXM_OF_TCP_SRC[0..7]", "load:0x1->NXM_OF_TCP_SRC[4..7]",
                "controller(reason=no_match,id=3)", "controller(max_len=60,id=7)", "set_field:5->nw_ttl",
                "set_field:0x1234->vlan_tci", "set_field:16->nw_tos", "load:0x1->NXM_OF_VLAN_TCI[12]",
                "load:0xf->NXM_NX_IPV6_SRC[60..63],load:0xfff->NXM_NX_IPV6_SRC[64..75]",
                "load:0x1->NXM_NX_IPV6_LABEL[0]", "set_field:65535->tcp_src");
        ok("del-flows", "flowgate");
        for (int i = 0; i < actions.size(); i++) {
            ok("add-flow", "flowgate", "priority=" + (100 + i) + ",tcp6,actions=" + actions.get(i));
        }
        final TreeSet<String> fromOfctl = rules(ok("dump-flows", "flowgate").out());
        assertEquals(rules(appctl("ofctl/dump-flows")), fromOfctl);
        for (int i = 0; i < actions.size(); i++) {
            assertTrue(fromOfctl.contains("table=0 priority=" + (100 + i) + ",tcp6 actions=" + actions.get(i)),
                    actions.get(i) + " in " + fromOfctl);
        }
        final Run reg = ofctl("add-flow", "flowgate", "priority=9,tcp6,actions=load:1->NXM_NX_REG0[]");
        assertTrue(reg.status() != 0 && reg.out().contains("OFPBAC_BAD_SET_TYPE"), "no registers: " + reg.out());
    }

    @Test
    void echoAnswersAndAnOpenFlow10OnlyClientIsToldTheVersionsDoNotMeet() throws Exception {
        final Run ping = ok("ping", "flowgate", "16");
        assertTrue(ping.out().contains("bytes from flowgate: xid="), ping.out());
        final Run old = run(List.of("ovs-ofctl", "-O", "OpenFlow10", "show", "flowgate"));
        assertEquals(1, old.status(), old.out());
        assertTrue(old.out().contains("version negotiation failed (we support version 0x01, peer supports version 0x04)"),
                old.out());
        ok("show", "flowgate"); // still serving
    }

    @Test
    void groupsAddedModifiedAndDeletedByOfctlAreThePipelinesGroups() throws Exception {
        ok("add-group", "flowgate", "group_id=1,type=select,bucket=weight:3,output:2,bucket=weight:1,output:3");
        ok("add-group", "flowgate", "group_id=2,type=all,bucket=output:2,bucket=output:3");
        ok("add-flow", "flowgate", "priority=20,udp,tp_dst=99,actions=group:1");
        final String groups = ok("dump-groups", "flowgate").out();
        assertTrue(groups.contains("group_id=1,type=select,bucket=weight:3,actions=output:2,bucket=actions=output:3"),
                groups);
        assertTrue(groups.contains("group_id=2,type=all,bucket=actions=output:2,bucket=actions=output:3"), groups);
        assertTrue(appctl("ofctl/dump-groups").contains("group_id=2,type=all"), "the pipeline has them");
        final Run exists = ofctl("add-group", "flowgate", "group_id=1,type=all,bucket=output:2");
        assertTrue(exists.status() != 0 && exists.out().contains("OFPGMFC_GROUP_EXISTS"), exists.out());
        ok("mod-group", "flowgate", "group_id=2,type=indirect,bucket=output:3");
        assertTrue(ok("dump-groups", "flowgate").out().contains("group_id=2,type=indirect,bucket=actions=output:3"));
        final Run ff = ofctl("add-group", "flowgate", "group_id=3,type=ff,bucket=watch_port:2,output:2");
        assertTrue(ff.status() != 0 && ff.out().contains("OFPGMFC_BAD_TYPE"), ff.out());
        ok("del-groups", "flowgate", "group_id=1");
        assertEquals(0, rules(ok("dump-flows", "flowgate", "udp,tp_dst=99").out()).size(),
                "the rule that sent to group 1 went with it, as in OVS");
        final String features = ok("dump-group-features", "flowgate").out();
        assertTrue(features.contains("select") && features.contains("indirect"), features);
    }

    /**
     * dump-group-stats counts what went through each group as OVS does: the group and the bucket a
     * select group chose get each packet, every bucket of an all group gets every packet; ref_count
     * is the rules that send to the group; a mod-group starts the counters again from zero.
     */
    @Test
    void dumpGroupStatsCountsThePacketsOfEachGroupAndBucket() throws Exception {
        ok("add-group", "flowgate", "group_id=1,type=select,bucket=output:2,bucket=output:3");
        ok("add-group", "flowgate", "group_id=2,type=all,bucket=output:2,bucket=output:3");
        ok("add-flow", "flowgate", "priority=20,udp,tp_dst=99,actions=group:1");
        ok("add-flow", "flowgate", "priority=20,udp,tp_dst=98,actions=group:2");
        ok("add-flow", "flowgate", "priority=20,udp,tp_dst=97,actions=group:2");
        receive(99, 3);
        receive(98, 2);
        final String stats = awaitGroupStats("group_id=1,.*packet_count=3,.*", "group_id=2,.*packet_count=2,.*");
        final String g1 = line(stats, "group_id=1,");
        final long frame = Long.parseLong(g1.replaceAll(".*,byte_count=(\\d+),bucket0.*", "$1")) / 3;
        assertTrue(g1.matches(".*ref_count=1,packet_count=3,byte_count=" + 3 * frame
                + ",bucket0:packet_count=(3,byte_count=" + 3 * frame + ",bucket1:packet_count=0,byte_count=0"
                + "|0,byte_count=0,bucket1:packet_count=3,byte_count=" + 3 * frame + ")"), "one bucket per flow: " + g1);
        assertTrue(line(stats, "group_id=2,").matches(".*ref_count=2,packet_count=2,byte_count=" + 2 * frame
                + ",bucket0:packet_count=2,byte_count=" + 2 * frame + ",bucket1:packet_count=2,byte_count=" + 2 * frame),
                "every bucket of an all group counts each packet: " + stats);
        assertTrue(ok("dump-flows", "flowgate", "udp,tp_dst=99").out().contains("n_packets=3,"), "as the rule counted");

        ok("mod-group", "flowgate", "group_id=2,type=all,bucket=output:3");
        final String after = line(ok("dump-group-stats", "flowgate", "group_id=2").out(), "group_id=2,");
        assertTrue(after.matches(".*ref_count=2,packet_count=0,byte_count=0,bucket0:packet_count=0,byte_count=0"),
                "a modified group counts from zero: " + after);
        assertEquals("", line(ok("dump-group-stats", "flowgate", "group_id=7").out(), "group_id="),
                "no group 7: an empty reply, as OVS");
    }

    /**
     * monitor shows the packet-ins a table-miss rule sends; packet-out sends a frame through its
     * actions; dump-ports counts both, as the datapath counted them.
     */
    @Test
    void monitorShowsPacketInsPacketOutSendsAndDumpPortsCountsThem() throws Exception {
        ok("add-flow", "flowgate", "priority=0,actions=controller:65535");
        final ProcessBuilder pb = new ProcessBuilder("ovs-ofctl", "-O", "OpenFlow13", "monitor", "flowgate", "65535")
                .redirectErrorStream(true);
        pb.environment().put("OVS_RUNDIR", rundir.toString());
        final Process monitor = pb.start();
        try {
            final java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8));
            // The monitor's connection takes packet-ins once its SET_CONFIG is in: send until one shows.
            final java.util.concurrent.CompletableFuture<String> packetIn = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            for (String l; (l = lines.readLine()) != null; ) {
                                if (l.contains("OFPT_PACKET_IN")) {
                                    return l + "\n" + lines.readLine();
                                }
                            }
                            return "";
                        } catch (IOException e) {
                            return e.toString();
                        }
                    });
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!packetIn.isDone()) {
                assertTrue(System.nanoTime() < deadline, "monitor showed no packet-in");
                receive(77, 1);
                Thread.sleep(100);
            }
            final String shown = packetIn.get();
            assertTrue(shown.contains("total_len=") && shown.contains("in_port=1") && shown.contains("tp_dst=77")
                    && shown.contains("(via no_match)") && shown.contains("(unbuffered)"), shown);
        } finally {
            monitor.destroy();
            monitor.waitFor(30, TimeUnit.SECONDS);
        }
        final String before = line(ok("dump-ports", "flowgate", "2").out(), "port  2:");
        final long txBefore = Long.parseLong(ok("dump-ports", "flowgate", "2").out()
                .replaceAll("(?s).*tx pkts=(\\d+),.*", "$1"));
        ok("packet-out", "flowgate", "1", "output:2",
                "505400000007505400000005080045000020000000004011f9c40a0000010a00000203e8004d000c0000");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String ports;
        do {
            ports = ok("dump-ports", "flowgate", "2").out();
            Thread.sleep(20);
            assertTrue(System.nanoTime() < deadline, "packet-out's frame never counted on port 2: " + ports
                    + " (before: " + before + ")");
        } while (Long.parseLong(ports.replaceAll("(?s).*tx pkts=(\\d+),.*", "$1")) != txBefore + 1);
        final String all = ok("dump-ports", "flowgate").out();
        assertTrue(all.contains("OFPST_PORT reply (OF1.3)") && all.contains("port  1: rx pkts=")
                && all.contains("port  3: rx pkts="), all);
    }

    /** Sends {@code n} UDP packets to port {@code dst} into port p1. */
    private void receive(final int dst, final int n) throws Exception {
        for (int i = 0; i < n; i++) {
            appctl("netdev-dummy/receive", "p1", "in_port(1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),"
                    + "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),"
                    + "udp(src=1000,dst=" + dst + ")");
        }
    }

    /** dump-group-stats once each pattern matches one of its lines (the revalidators push every few hundred ms). */
    private String awaitGroupStats(final String... patterns) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String out;
        do {
            out = ok("dump-group-stats", "flowgate").out();
            final String o = out;
            if (java.util.Arrays.stream(patterns).allMatch(p -> o.lines().anyMatch(l -> l.strip().matches(p)))) {
                return out;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("dump-group-stats never showed " + List.of(patterns) + ": " + out);
    }

    private static String line(final String out, final String prefix) {
        return out.lines().map(String::strip).filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    @Test
    void modPortSetsTheConfigurationDumpPortsDescReportsIt() throws Exception {
        ok("mod-port", "flowgate", "p2", "no-forward");
        final String desc = ok("dump-ports-desc", "flowgate").out();
        assertTrue(desc.matches("(?s).* 2\\(p2\\): .*config: +NO_FWD.*"), desc);
        ok("mod-port", "flowgate", "p2", "down");
        assertTrue(ok("dump-ports-desc", "flowgate").out().matches("(?s).* 2\\(p2\\): .*state: +LINK_DOWN.*"));
        ok("mod-port", "flowgate", "p2", "up");
        ok("mod-port", "flowgate", "p2", "forward");
        final String back = ok("dump-ports-desc", "flowgate").out();
        assertTrue(back.matches("(?s).* 2\\(p2\\): .*config: +0\n.*"), back);
        final Run bad = ofctl("mod-port", "flowgate", "p9", "down");
        assertTrue(bad.status() != 0, bad.out());
    }
}
