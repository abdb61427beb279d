package io.flowgate.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.daemon.testing.Pcaps;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripting a running datapath the way OVS's tests do: frames put into dummy port p1 with
 * {@code netdev-dummy/receive}, as hex or as flows, are forwarded by {@code in_port=1,actions=output:2}
 * and come out in p2's {@code tx_pcap} capture as the frames real OVS 3.1 makes of the same
 * flows; what OVS refuses is refused with OVS's message, and nothing of a refused command is
 * received. Also through the real ovs-appctl.
 */
class NetdevDummyCommandsTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", ".."));
    private static final Path ORACLE = ROOT.resolve("fastpath/src/test/resources/oracle/compose");
    /** tests/pmd.at's ICMP echo flow and the frame OVS makes of it (also the first line of compose.txt). */
    private static final String ICMP_FLOW = "in_port(1),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),"
            + "eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)";
    private static final String ICMP_FRAME = "50540000000a50540000000908004500005c000000004001669f0a0000020a00000108"
            + "0013fc00000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
            + "2c2d2e2f303132333435363738393a3b3c3d3e3f";

    @TempDir
    static Path tmp;

    private static Bridge dp;
    private static ControlSocket control;
    private static Path p2;

    @BeforeAll
    static void start() throws Exception {
        p2 = tmp.resolve("p2.pcap");
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final List<Rule> rules = FlowSyntax.parseFlows("t", "in_port=1,actions=output:2\n", 0);
        pipeline.apply(e -> rules.forEach(e::addRule));
        dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "dummy:p1"),
                PortSpec.parse(2, "dummy:p2,tx_pcap=" + p2), PortSpec.parse(3, "ring:r3")), null, false), pipeline);
        dp.start();
        control = new ControlSocket(Files.createDirectories(tmp.resolve("run")), dp, () -> { }, null);
        control.start();
    }

    @AfterAll
    static void stop() {
        if (control != null) {
            control.close();
        }
        if (dp != null) {
            dp.close();
        }
    }

    private UnixctlClient.Reply call(final String... args) throws Exception {
        return UnixctlClient.call(control.path(), "netdev-dummy/receive", List.of(args), 30_000);
    }

    /** Sends one command that must succeed and returns the frames p2 sent because of it. */
    private List<String> receive(final int frames, final String... args) throws Exception {
        final int before = Pcaps.packetsSoFar(p2).size();
        final UnixctlClient.Reply r = call(args);
        assertNull(r.error(), () -> Arrays.toString(args) + ": " + r.error());
        assertEquals("", r.result());
        return awaitFrames(before, frames);
    }

    /** Waits (with a deadline) until p2's capture holds {@code frames} more frames than {@code before}. */
    private List<String> awaitFrames(final int before, final int frames) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> all = Pcaps.packetsSoFar(p2);
        while (all.size() < before + frames && System.nanoTime() < deadline) {
            Thread.sleep(20);
            all = Pcaps.packetsSoFar(p2);
        }
        assertEquals(before + frames, all.size(), "frames in p2's tx_pcap");
        return all.subList(before, all.size());
    }

    /** What real OVS composed for each line of inputs.txt: --len, tab, flow, tab, frame. */
    private static List<String[]> ovsComposed() throws IOException {
        return Files.readAllLines(ORACLE.resolve("compose.txt")).stream().map(l -> l.split("\t")).toList();
    }

    @Test
    void aHexFrameLeavesPort2Unchanged() throws Exception {
        assertEquals(List.of(ICMP_FRAME), receive(1, "p1", ICMP_FRAME));
        // OVS's hex reader also takes spaces and dots between the bytes.
        final String spaced = String.join(" ", ICMP_FRAME.split("(?<=\\G.{8})"));
        assertEquals(List.of(ICMP_FRAME), receive(1, "p1", spaced));
    }

    @Test
    void flowsBecomeTheFramesOvsMakesOfThem() throws Exception {
        for (String[] c : ovsComposed()) {
            final List<String> got = c[0].equals("-") ? receive(1, "p1", c[1]) : receive(1, "p1", c[1], "--len", c[0]);
            assertEquals(List.of(c[2]), got, c[1]);
        }
    }

    @Test
    void oneCommandMayCarrySeveralPacketsOnAQueueByPortNumber() throws Exception {
        final List<String[]> ovs = ovsComposed();
        final List<String> expected = new ArrayList<>(List.of(ICMP_FRAME, ovs.get(1)[2], ovs.get(30)[2]));
        final List<String> got = new ArrayList<>(receive(3, "1", "--qid", "0", ICMP_FRAME, ovs.get(1)[1],
                ovs.get(30)[1], "--len", ovs.get(30)[0]));
        // Different flows may leave in another order (each waits for its own upcall).
        expected.sort(null);
        got.sort(null);
        assertEquals(expected, got);
    }

    @Test
    void anOfctlFlowMakesTheFrameOfTheSameDatapathFlow() throws Exception {
        final String odp = "eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),eth_type(0x8100),vlan(vid=10,pcp=0),"
                + "encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),"
                + "tcp(src=1234,dst=80),tcp_flags(syn|ack))";
        final String ofctl = "tcp,dl_vlan=10,dl_src=50:54:00:00:00:05,dl_dst=50:54:00:00:00:07,nw_src=10.0.0.1,"
                + "nw_dst=10.0.0.2,nw_ttl=64,tp_src=1234,tp_dst=80,tcp_flags=+syn+ack";
        final List<String> fromOdp = receive(1, "p1", odp);
        assertEquals(fromOdp, receive(1, "p1", ofctl));
        assertTrue(fromOdp.getFirst().startsWith("505400000007505400000005" + "8100000a" + "0800"), fromOdp.getFirst());
    }

    @Test
    void whatOvsRefusesIsRefusedWithItsMessageAndNothingIsReceived() throws Exception {
        final int before = Pcaps.packetsSoFar(p2).size();
        for (String line : Files.readAllLines(ORACLE.resolve("errors.txt"))) {
            final String[] f = line.split("\t");
            final String ovsError = f[f.length - 1].replaceAll("; the flow key in error is: .*", "");
            final List<String> args = new ArrayList<>();
            if (f[0].equals("(port p9)")) {
                args.addAll(List.of("p9", "eth()"));
            } else {
                // A good packet first (after --qid, which must follow the port): a refused command
                // receives none of its packets.
                final List<String> given = Arrays.asList(f).subList(0, f.length - 1);
                final int qid = given.getFirst().equals("--qid") ? 2 : 0;
                args.add("p1");
                args.addAll(given.subList(0, qid));
                args.add(ICMP_FRAME);
                args.addAll(given.subList(qid, given.size()));
            }
            final UnixctlClient.Reply r = call(args.toArray(new String[0]));
            assertNull(r.result(), args + " should be refused");
            assertTrue(r.error().startsWith(ovsError), "OVS: " + ovsError + "\nhere: " + r.error());
        }
        assertEquals(before, Pcaps.packetsSoFar(p2).size(), "nothing was received");
    }

    @Test
    void whereOvsSaysLittleOrNothingTheRefusalSaysWhy() throws Exception {
        assertEquals("no such dummy netdev \"r3\": port 3 (r3) is a ring port\n", call("r3", "eth()").error());
        assertEquals("no such dummy netdev \"3\": port 3 (r3) is a ring port\n", call("3", "eth()").error());
        assertEquals("bad rx queue id. (--qid x: p1 has 1 receive queue, numbered from 0)\n",
                call("p1", "--qid", "x", "eth()").error());
        assertEquals("too small packet len (--len 59; the least is 60)\n",
                call("p1", "eth(),eth_type(0x0800)", "--len", "59").error());
        assertEquals("--len needs a packet length in bytes\n", call("p1", "eth()", "--len").error());
        // OVS answers an empty error here, which ovs-appctl reports as success.
        final String v6 = "eth(),eth_type(0x86dd),ipv6(proto=6),tcp(src=1,dst=2)";
        assertEquals("--len 70 is too short for flow \"" + v6 + "\": the packet is 74 bytes long, more than 70\n",
                call("p1", v6, "--len", "70").error());
        assertEquals("flow \"tcp,tp_dst=http\", column 12: \"http\" is not a number (tp_dst takes decimal or 0x-hex)\n",
                call("p1", "tcp,tp_dst=http").error());
    }

    @Test
    void theRealOvsAppctlDrivesIt() throws Exception {
        final int before = Pcaps.packetsSoFar(p2).size();
        final List<String> cmd = List.of("ovs-appctl", "-t", control.path().toString(), "netdev-dummy/receive", "p1",
                ICMP_FLOW);
        final Process p = new ProcessBuilder(cmd).start();
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ovs-appctl hung");
        assertEquals(0, p.exitValue(), err);
        assertEquals(List.of(ICMP_FRAME), awaitFrames(before, 1));

        final Process bad = new ProcessBuilder("ovs-appctl", "-t", control.path().toString(), "netdev-dummy/receive",
                "p1", "in_port(1),eth(src=zz)").start();
        final String badErr = new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(60, TimeUnit.SECONDS), "ovs-appctl hung");
        assertEquals(2, bad.exitValue());
        assertTrue(badErr.startsWith("syntax error at eth(src=zz): eth src \"zz\" is not an Ethernet address\n"
                + "ovs-appctl: "), badErr);
    }
}
