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
}
