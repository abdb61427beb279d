package io.flowgate.daemon;

import static io.flowgate.daemon.testing.Netns.quietly;
import static io.flowgate.daemon.testing.Netns.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.daemon.testing.FlowgateProcess;
import io.flowgate.daemon.testing.Netns;
import io.flowgate.daemon.testing.Pcaps;
import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flowgate on real DPDK devices (each run is its own process: DPDK's EAL starts once per process).
 * (a) A replay through DPDK net_pcap devices writes what the Java pcap ports write, which is what
 * OVS transmits. (b) Two network namespaces joined only through Flowgate on net_af_packet over veth
 * pairs, routed with MAC rewrite and dec_ttl: ping and a TCP transfer pass. (c) The same over
 * net_tap. And DPDK's refusals end Flowgate with an error naming the device, not a hang.
 */
class DpdkEndToEndTest {
    private static final String ROUTES = """
            in_port=1,ip,nw_dst=10.0.2.0/24,actions=dec_ttl,mod_dl_src:02:00:00:00:01:02,mod_dl_dst:02:00:00:00:0b:01,output:2
            in_port=2,ip,nw_dst=10.0.1.0/24,actions=dec_ttl,mod_dl_src:02:00:00:00:01:01,mod_dl_dst:02:00:00:00:0a:01,output:1
            """;

    @TempDir
    Path tmp;

    // ---- (a) replay through net_pcap ----

    @ParameterizedTest
    @ValueSource(strings = {"l3-routing", "acl", "vlan", "ipv6", "rewrite-groups"})
    void aReplayThroughDpdkNetPcapWritesWhatThePcapPortsWrite(final String scenario) throws Exception {
        final Path dir = TestResources.path("oracle/replay/scenarios/" + scenario);
        final List<String> args = new ArrayList<>(List.of("replay", "--io", "dpdk", "--no-progress", "--flows",
                dir.resolve("flows.txt").toString()));
        if (Files.exists(dir.resolve("groups.txt"))) {
            args.addAll(List.of("--groups", dir.resolve("groups.txt").toString()));
        }
        for (int port = 1; port <= 9; port++) {
            if (Files.exists(dir.resolve("in-" + port + ".pcap"))) {
                args.addAll(List.of("--in", port + "=" + dir.resolve("in-" + port + ".pcap")));
            }
            args.addAll(List.of("--out", port + "=" + tmp.resolve("out-" + port + ".pcap")));
        }
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), args.toArray(new String[0]))
                .redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        for (int port = 1; port <= 9; port++) {
            assertEquals(Pcaps.packets(dir.resolve("expected-" + port + ".pcap")),
                    Pcaps.packets(tmp.resolve("out-" + port + ".pcap")), scenario + " port " + port + "\n" + out);
        }
    }

    /** Progress through DPDK counts packets against the inputs' (net_pcap tells no file position). */
    @org.junit.jupiter.api.Test
    void aReplayThroughDpdkShowsItsProgress() throws Exception {
        final Path dir = TestResources.path("oracle/replay/scenarios/l3-routing");
        final List<String> args = new ArrayList<>(List.of("replay", "--io", "dpdk", "--progress-interval", "10",
                "--flows", dir.resolve("flows.txt").toString()));
        for (int port = 1; port <= 9; port++) {
            if (Files.exists(dir.resolve("in-" + port + ".pcap"))) {
                args.addAll(List.of("--in", port + "=" + dir.resolve("in-" + port + ".pcap")));
            }
        }
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), args.toArray(new String[0])).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out + err);
        final List<String> progress = err.lines().filter(l -> l.startsWith("replay: ")).toList();
        assertTrue(!progress.isEmpty() && progress.getLast().contains(" 100% of input"), err);
    }

    // ---- dpctl/show on a DPDK port ----

    /** A classic pcap of {@code frames} Ethernet frames of these lengths (IPv4/UDP, zero-padded). */
    private static Path capture(final Path file, final int... lengths) throws IOException {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24 + java.util.Arrays.stream(lengths)
                .map(l -> 16 + l).sum()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int len : lengths) {
            b.putInt(1_700_000_000).putInt(0).putInt(len).putInt(len);
            final byte[] f = new byte[len];
            final byte[] head = java.util.HexFormat.of().parseHex("020000000002020000000001080045000000"
                    + "00000000401100000a0000010a000002");
            System.arraycopy(head, 0, f, 0, head.length);
            f[16] = (byte) ((len - 14) >> 8); // IP total length
            f[17] = (byte) (len - 14);
            b.put(f);
        }
        return Files.write(file, b.array());
    }

    /**
     * dpctl/show -s on DPDK ports prints the device's own counters (rte_eth_stats) with OVS's
     * configuration keys and the names the ports were given; a frame that spans two mbufs (a
     * 4,042-byte frame; mbufs hold 2,048) is dropped by name and counted, not cut.
     */
    @Test
    void dpctlShowGivesDpdkPortsTheirDeviceCountersAndNames() throws Exception {
        final Path in = capture(tmp.resolve("jumbo.pcap"), 60, 60, 4042, 60);
        final Path flows = Files.writeString(tmp.resolve("fwd.flows"), "in_port=1,actions=output:2\n");
        final Path rundir = tmp.resolve("show");
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--flows", flows.toString(),
                "--port", "wan0=1=dpdk:net_pcap0,rx_pcap=" + in, "--port", "2=dpdk:net_null0,no-rx=1,name=sink",
                "--pmd-idle", "backoff")) {
            d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            // The log says what each port is as it is added: the device's driver, queues and link (net_null: 10G, up).
            final String added = d.awaitErr(l -> l.contains("|datapath|INFO|added interface sink on port 2 "), 5,
                    TimeUnit.SECONDS);
            assertTrue(added.matches(".*\\(dpdk:net_null0[^)]*\\): driver net_null, 1 rx queue\\(s\\), \\d+ tx"
                    + " queue\\(s\\), mtu 1500, link up at 10000 Mbps"), added);
            final Path socket = UnixctlClient.resolve("flowgate", rundir);
            final String show = showOnceSent(socket, 3);
            assertTrue(show.contains("  port 1: wan0 (dpdk: configured_rx_queues=1, configured_rxq_descriptors=1024,"
                    + " configured_tx_queues="), show);
            assertTrue(show.contains(", lsc_interrupt_mode=false, mtu=1500, requested_rx_queues=1,"), show);
            assertTrue(show.contains("  port 2: sink (dpdk: "), show);
            assertTrue(show.contains("    RX packets:4 errors:0 dropped:1 overruns:? frame:?\n"
                    + "    TX packets:0 errors:0 dropped:0 aborted:? carrier:?\n    collisions:?\n"
                    + "    RX bytes:4222 (4.1 KiB)  TX bytes:0\n"), "net_pcap counted 4, the jumbo dropped: " + show);
            assertTrue(show.contains("    TX packets:3 errors:0 dropped:0 aborted:? carrier:?\n"), show);
            final String coverage = appctl(socket, "coverage/show");
            assertTrue(coverage.lines().anyMatch(l -> l.startsWith("netdev_dpdk_rx_multi_segment")
                    && l.endsWith("total: 1")), coverage);
            assertTrue(appctl(socket, "dpctl/dump-flows", "-m").contains("in_port(wan0)"), "names where OVS shows them");
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
        }
    }

    /**
     * mtu_request as OVS takes it: the pool's mbufs are sized at start for the largest, so the
     * 4,042-byte frame is forwarded whole; a device that does not set MTUs (net_pcap) keeps its
     * own, with OVS's warning; one that does (net_tap, up to 1,500) reports it and can change it
     * at run time within what the mbufs hold (beyond that is refused naming the reason).
     */
    @Test
    void mtuRequestLetsJumboFramesThroughWhole() throws Exception {
        final Path in = capture(tmp.resolve("jumbo.pcap"), 60, 4042, 60);
        final Path flows = Files.writeString(tmp.resolve("fwd.flows"), "in_port=1,actions=output:2\n");
        final Path rundir = tmp.resolve("mtu");
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--flows", flows.toString(),
                "--port", "1=dpdk:net_pcap0,rx_pcap=" + in, "--port", "2=dpdk:net_null0,no-rx=1",
                "--port", "3=dpdk:net_tap0,iface=fgmtu" + Netns.tag(), "--port-set", "1:mtu_request=9000",
                "--port-set", "3:mtu_request=1400", "--pmd-idle", "backoff")) {
            d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path socket = UnixctlClient.resolve("flowgate", rundir);
            final String show = showOnceSent(socket, 3);
            assertTrue(show.contains("    RX packets:3 errors:0 dropped:0 overruns:? frame:?\n"
                    + "    TX packets:0 errors:0 dropped:0 aborted:? carrier:?\n    collisions:?\n"
                    + "    RX bytes:4162 (4.1 KiB)  TX bytes:0\n"), "the jumbo frame received whole: " + show);
            assertTrue(show.contains("    TX packets:3 errors:0 dropped:0 "), "and sent: " + show);
            assertTrue(d.err().contains("|dpdk|WARN|Interface net_pcap0 does not support MTU configuration, max packet"
                    + " size supported is 1500."), d.err());
            assertTrue(port(show, 3).contains(", mtu=1400, "), show);
            assertTrue(appctl(socket, "config/show").contains("port.3.mtu_request=1400\n"));
            assertEquals("", appctl(socket, "port/set", "3", "mtu_request=1280"));
            assertTrue(port(appctl(socket, "dpctl/show"), 3).contains(", mtu=1280, "), "changed at run time");
            final UnixctlClient.Reply tooBig = UnixctlClient.call(socket, "port/set", List.of("3", "mtu_request=9702"),
                    30_000);
            assertTrue(tooBig.error() != null && tooBig.error().contains("mtu_request 9702 needs mbufs of 10368 bytes,"
                    + " the pool's have 9344"), String.valueOf(tooBig.error()));
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
        }
    }

    /** dpctl/show -s once a port has sent {@code packets} (the capture's packets went through). */
    private static String showOnceSent(final Path socket, final int packets) throws Exception {
        String show = "";
        for (int i = 0; i < 300 && !show.contains("TX packets:" + packets + " "); i++) {
            Thread.sleep(100);
            show = appctl(socket, "dpctl/show", "-s");
        }
        return show;
    }

    private static String port(final String show, final int number) {
        return show.lines().filter(l -> l.startsWith("  port " + number + ": ")).findFirst().orElseThrow();
    }



    /**
     * DPDK's net_pcap opens its tx_pcap when the device is probed, before the datapath is whole: a
     * replay that failed after that (here the mbuf pool does not fit in 24 MB) used to leave an
     * earlier output truncated to a pcap header. It now writes beside the output and renames at the end.
     */
    @org.junit.jupiter.api.Test
    void aDpdkReplayThatFailsAfterProbingLeavesAnEarlierOutputAsItWas() throws Exception {
        final Path dir = TestResources.path("oracle/replay/scenarios/l3-routing");
        final byte[] old = "an earlier capture\n".getBytes(StandardCharsets.US_ASCII);
        final Path out = Files.write(tmp.resolve("out-2.pcap"), old);
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), "replay", "--io", "dpdk", "--no-progress",
                "--dpdk-args", "-l 0 --no-huge -m 24 --no-shconf --no-telemetry --no-pci", "--flows",
                dir.resolve("flows.txt").toString(), "--in", "1=" + dir.resolve("in-1.pcap"), "--out", "2=" + out)
                .redirectErrorStream(true).start();
        final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), text);
        assertTrue(text.contains("cannot create mbuf pool"), text);
        org.junit.jupiter.api.Assertions.assertArrayEquals(old, Files.readAllBytes(out), text);
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList(), "no temporary file left");
        }
        // And a replay that finishes replaces it:
        final Process q = FlowgateProcess.builder(List.of("-Xmx256m"), "replay", "--io", "dpdk", "--no-progress",
                "--flows", dir.resolve("flows.txt").toString(), "--in", "1=" + dir.resolve("in-1.pcap"), "--out",
                "2=" + out).redirectErrorStream(true).start();
        final String text2 = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(q.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, q.exitValue(), text2);
        assertEquals(Pcaps.packets(dir.resolve("expected-2.pcap")), Pcaps.packets(out), text2);
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList(), "no temporary file left");
        }
    }

    // ---- (b), (c) network namespaces ----

    /** Two namespaces, A (10.0.1.2) and B (10.0.2.2), each routing through Flowgate's MACs. */
    private static void address(final String ns, final String dev, final String mac, final String ip, final String gw,
                                final String gwMac) throws Exception {
        sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "address", mac);
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", ip, "dev", dev);
        sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "up");
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        sh("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", gw);
        sh("ip", "netns", "exec", ns, "ip", "neigh", "add", gw, "lladdr", gwMac, "dev", dev);
        // Checksums the kernel leaves to the NIC would reach the other side unfinished.
        sh("ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off");
    }

    private Daemon router(final String port1, final String port2) throws Exception {
        final Path flows = tmp.resolve("routes.flows");
        Files.writeString(flows, ROUTES);
        final Daemon d = Daemon.start("run", "--rundir", tmp.resolve("run").toString(), "--flows", flows.toString(),
                "--port", "1=" + port1, "--port", "2=" + port2, "--pmd-idle", "backoff");
        d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        return d;
    }

    /** Ping (TTL decremented once on the way) and 2 MB over TCP from A to B, checked by SHA-256. */
    private void pingAndTcp(final String a, final String b) throws Exception {
        final String ping = sh("ip", "netns", "exec", a, "ping", "-c", "3", "-W", "2", "10.0.2.2");
        assertTrue(ping.contains("3 received"), ping);
        assertTrue(ping.contains("ttl=63"), "dec_ttl happened once: " + ping);
        Netns.tcpTransfer(tmp, a, b, "10.0.2.2");
    }

    @Test
    void twoNamespacesTalkThroughFlowgateOnAfPacketOverVeths() throws Exception {
        final String tag = Netns.tag();
        final String a = "fgA" + tag;
        final String b = "fgB" + tag;
        final String va = "fga" + tag;
        final String vb = "fgb" + tag;
        try {
            sh("ip", "netns", "add", a);
            sh("ip", "netns", "add", b);
            sh("ip", "link", "add", va, "type", "veth", "peer", "name", va + "r");
            sh("ip", "link", "add", vb, "type", "veth", "peer", "name", vb + "r");
            sh("ip", "link", "set", va, "netns", a);
            sh("ip", "link", "set", vb, "netns", b);
            sh("ip", "link", "set", va + "r", "up");
            sh("ip", "link", "set", vb + "r", "up");
            address(a, va, "02:00:00:00:0a:01", "10.0.1.2/24", "10.0.1.1", "02:00:00:00:01:01");
            address(b, vb, "02:00:00:00:0b:01", "10.0.2.2/24", "10.0.2.1", "02:00:00:00:01:02");
            try (Daemon d = router("dpdk:net_af_packet0,iface=" + va + "r", "dpdk:net_af_packet1,iface=" + vb + "r")) {
                pingAndTcp(a, b);
                d.signal("TERM");
                assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
            }
        } finally {
            quietly("ip", "netns", "del", a);
            quietly("ip", "netns", "del", b);
            quietly("ip", "link", "del", va + "r");
            quietly("ip", "link", "del", vb + "r");
        }
    }

    @Test
    void theSameOverTapDevices() throws Exception {
        final String tag = Netns.tag();
        final String a = "fgTA" + tag;
        final String b = "fgTB" + tag;
        final String ta = "fgta" + tag;
        final String tb = "fgtb" + tag;
        try (Daemon d = router("dpdk:net_tap0,iface=" + ta, "dpdk:net_tap1,iface=" + tb)) {
            sh("ip", "netns", "add", a);
            sh("ip", "netns", "add", b);
            // The tap devices Flowgate's DPDK made move into the namespaces; DPDK keeps their queues.
            sh("ip", "link", "set", ta, "netns", a);
            sh("ip", "link", "set", tb, "netns", b);
            address(a, ta, "02:00:00:00:0a:01", "10.0.1.2/24", "10.0.1.1", "02:00:00:00:01:01");
            address(b, tb, "02:00:00:00:0b:01", "10.0.2.2/24", "10.0.2.1", "02:00:00:00:01:02");
            pingAndTcp(a, b);
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
        } finally {
            quietly("ip", "netns", "del", a);
            quietly("ip", "netns", "del", b);
        }
    }

    // ---- (d) several receive queues ----

    /**
     * Two PMDs on one port with two receive queues (net_af_packet with qpairs=2: the kernel spreads
     * flows over its sockets): 2,000 UDP 5-tuples sent into the veth are received on both queues,
     * by both PMDs, and all of them are forwarded; pmd-rxq-show shows the assignment as OVS does.
     */
    @Test
    void twoPmdsShareAPortWithTwoReceiveQueues() throws Exception {
        final String tag = Netns.tag();
        final String a = "fgQ" + tag;
        final String va = "fgq" + tag;
        try {
            sh("ip", "netns", "add", a);
            sh("ip", "link", "add", va, "type", "veth", "peer", "name", va + "r");
            sh("ip", "link", "set", va, "netns", a);
            sh("ip", "link", "set", va + "r", "up");
            address(a, va, "02:00:00:00:0a:01", "10.0.1.2/24", "10.0.1.1", "02:00:00:00:01:01");
            final Path flows = tmp.resolve("sink.flows");
            Files.writeString(flows, "priority=1,udp,in_port=1,actions=output:2\n");
            final Path rundir = tmp.resolve("mq");
            try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--flows", flows.toString(),
                    "--port", "1=dpdk:net_af_packet0,iface=" + va + "r,qpairs=2", "--port", "2=dpdk:net_null0,no-rx=1",
                    "--pmd-cpu-mask", "0x3", "--pmd-idle", "backoff")) {
                d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
                final Path socket = UnixctlClient.resolve("flowgate", rundir);
                final Path sender = tmp.resolve("sender.py");
                Files.writeString(sender, """
                        import socket, time
                        for port in range(20000, 22000):
                            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                            s.bind(("10.0.1.2", port))
                            s.sendto(b"x" * 32, ("10.0.2.2", 5000))
                            s.close()
                            if port % 20 == 0:
                                time.sleep(0.005)  # within what a backing-off PMD drains from the kernel's rings
                        """);
                sh("ip", "netns", "exec", a, "/usr/bin/python3", sender.toString());
                long forwarded = 0;
                String stats = "";
                for (int i = 0; i < 100 && forwarded < 2000; i++) {
                    stats = appctl(socket, "dpif-netdev/pmd-stats-show");
                    forwarded = 0;
                    for (String line : stats.lines().toList()) {
                        if (line.strip().startsWith("packets received:")) {
                            forwarded += Long.parseLong(line.strip().substring("packets received:".length()).strip());
                        }
                    }
                    Thread.sleep(100);
                }
                assertTrue(forwarded >= 2000, "every packet received: " + stats);
                final String rxq = appctl(socket, "dpif-netdev/pmd-rxq-show");
                assertTrue(rxq.startsWith("Displaying last 60 seconds pmd usage %\n"), rxq);
                assertTrue(rxq.contains("pmd thread numa_id 0 core_id 0:\n  isolated : false\n  port: net_af_packet0"
                        + "    queue-id:  0 (enabled)   pmd usage: "), rxq);
                assertTrue(rxq.contains("pmd thread numa_id 0 core_id 1:\n  isolated : false\n  port: net_af_packet0"
                        + "    queue-id:  1 (enabled)   pmd usage: "), rxq);
                // Both PMDs received some of the flows.
                final List<Long> perPmd = new ArrayList<>();
                for (String line : stats.lines().toList()) {
                    if (line.strip().startsWith("packets received:")) {
                        perPmd.add(Long.parseLong(line.strip().substring("packets received:".length()).strip()));
                    }
                }
                assertEquals(2, perPmd.size(), stats);
                assertTrue(perPmd.get(0) > 200 && perPmd.get(1) > 200, "both queues and both PMDs forward: " + perPmd);
                final String config = appctl(socket, "config/show");
                assertTrue(config.contains("port.1.n_rxq=2\n"), config);
                assertTrue(config.contains("pmd-cpu-mask=0x3\n"), config);
                d.signal("TERM");
                assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
            }
        } finally {
            quietly("ip", "netns", "del", a);
            quietly("ip", "link", "del", va + "r");
        }
    }

    private static String appctl(final Path socket, final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(socket, method, List.of(args), 30_000);
        assertEquals(null, r.error(), method);
        return r.result();
    }

    // ---- refusals ----

    private String[] run(final String... args) throws Exception {
        final List<String> all = new ArrayList<>(List.of("run", "--rundir", tmp.resolve("err").toString(), "--flows",
                Files.writeString(tmp.resolve("f.flows"), ROUTES).toString()));
        all.addAll(List.of(args));
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), all.toArray(new String[0])).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no hang");
        return new String[] {Integer.toString(p.exitValue()), out, err};
    }

    @Test
    void dpdkRefusalsEndWithAnErrorNamingTheDevice() throws Exception {
        String[] r = run("--port", "1=dpdk:net_null0", "--dpdk-args", "--no-such-eal-option");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("flowgate: DPDK's EAL did not start: Invalid argument (22) (EAL arguments:"
                + " --no-such-eal-option --vdev=net_null0)"), r[2]);

        r = run("--port", "1=dpdk:net_pcap0,rx_pcap=/nonexistent/in.pcap");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("flowgate: dpdk port 1 (net_pcap0): no such DPDK device; it did not probe"), r[2]);

        r = run("--port", "1=dpdk:0000:99:00.0");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("flowgate: dpdk port 1 (0000:99:00.0): no such DPDK device"), r[2]);

        r = run("--port", "1=dpdk:net_af_packet0,iface=lo", "--pmds", "2");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("flowgate: dpdk port 1 (net_af_packet0): the device has 1 transmit queue(s), Flowgate"
                + " needs 2 (one per PMD; for net_af_packet add qpairs=2)"), r[2]);
        assertTrue(!Files.exists(tmp.resolve("err/flowgate.pid")), "nothing left behind");
    }
}
