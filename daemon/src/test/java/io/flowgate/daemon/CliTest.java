package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.cli.FlowgateCommand;
import io.flowgate.fastpath.testing.TestResources;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

class CliTest {
    record Run(int status, String out, String err) {
    }

    static Run run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cl = FlowgateCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommands() {
        final Run r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("Usage: flowgate"), r.out());
        assertTrue(r.out().contains("version") && r.out().contains("parse-pcap"), r.out());
    }

    @Test
    void versionPrintsFlowgateJavaAndDpdkVersions() {
        final Run r = run("version");
        assertEquals(0, r.status());
        final String[] lines = r.out().split("\n");
        assertEquals("flowgate " + Version.get(), lines[0]);
        assertTrue(Version.get().matches("\\d+\\.\\d+\\.\\d+.*"), Version.get());
        assertTrue(lines[1].startsWith("Java 25"), lines[1]);
        assertTrue(lines[2].startsWith("DPDK 22.11"), lines[2]);
    }

    @Test
    void unknownSubcommandAndBadOptionsExitWithTwoAndNameTheProblem() {
        final Run unknown = run("frobnicate");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("frobnicate"), unknown.err());

        final Run badLimit = run("parse-pcap", "--vlan-limit", "7", "x.pcap");
        assertEquals(2, badLimit.status());
        assertTrue(badLimit.err().contains("--vlan-limit: vlan-limit must be 0..2, not 7"), badLimit.err());
    }

    @Test
    void parsePcapPrintsOneFlowPerPacketAndNamesAMissingFile() {
        final Run r = run("parse-pcap", TestResources.repo("fastpath/src/test/resources/oracle/parse/packets.pcap").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(68, r.out().lines().count());
        assertTrue(r.out().startsWith("udp,in_port=1,vlan_tci=0x0000,dl_src=02:00:00:00:00:0a"), r.out());
        assertTrue(r.err().contains("68 packets") && r.err().contains("later IP fragment, no L4 fields: 3"), r.err());

        final Run missing = run("parse-pcap", "/nonexistent/x.pcap");
        assertEquals(1, missing.status());
        assertEquals("flowgate: /nonexistent/x.pcap: no such file", missing.err().strip());
    }

    @Test
    void traceShowsTheRuleHitTheMegaflowAndTheDatapathActionsAsOvsDoes() {
        final String dir = "slowpath/src/test/resources/oracle/trace/scenarios/";
        final Run r = run("trace", "--flows", TestResources.repo(dir + "01-l3-routing.flows").toString(),
                "in_port=1,tcp,nw_src=172.16.0.1,nw_dst=10.1.8.9,nw_ttl=64,tp_src=1000,tp_dst=80");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains(" 0. ip,nw_dst=10.1.8.0/24, priority 300\n"), r.out());
        assertTrue(r.out().contains("\nMegaflow: recirc_id=0,eth,tcp,in_port=1,dl_src=00:00:00:00:00:00,"
                + "dl_dst=00:00:00:00:00:00,nw_dst=10.1.8.0/24,nw_ttl=64,nw_frag=no\n"), r.out());
        assertTrue(r.out().endsWith("Datapath actions: set(eth(src=02:00:00:00:01:00,dst=02:00:00:00:00:03)),"
                + "set(ipv4(ttl=63)),3\n"), r.out());
    }

    @Test
    void traceReportsABadRuleFileWithItsPosition() throws Exception {
        final java.nio.file.Path f = java.nio.file.Files.createTempFile("bad", ".flows");
        java.nio.file.Files.writeString(f, "priority=1,ip,actions=drop\nip,nw_dstt=1.2.3.4,actions=drop\n");
        final Run r = run("trace", "--flows", f.toString(), "in_port=1,ip");
        assertEquals(1, r.status());
        assertEquals("flowgate: " + f + ":2:4: unknown field \"nw_dstt\"", r.err().strip());
    }
}
