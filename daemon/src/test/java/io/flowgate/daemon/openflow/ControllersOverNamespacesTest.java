package io.flowgate.daemon.openflow;

import static io.flowgate.daemon.testing.Netns.quietly;
import static io.flowgate.daemon.testing.Netns.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.daemon.testing.Netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real controllers program Flowgate for real traffic. Two network namespaces on one subnet are
 * joined only through {@code flowgate run}'s DPDK ports (net_af_packet over veth pairs), started
 * without a rule file, so its tables hold nothing but what a learning-switch controller puts there: OVS's
 * ovs-testcontroller, or an os-ken app in the shape of os-ken's simple_switch_13. Ping and a TCP
 * transfer pass; the controller's flows show in ovs-ofctl dump-flows; then another ping and
 * transfer go through megaflows without a single packet-in.
 */
@Timeout(300)
class ControllersOverNamespacesTest {
    private static final Pattern PACKET_INS = Pattern.compile("packet-in-(?:miss|action)-(?:bypassed|queued)=(\\d+)");

    @TempDir
    Path tmp;

    private final String tag = Netns.tag();
    private final String nsA = "fgcA" + tag;
    private final String nsB = "fgcB" + tag;
    private final String vethA = "fgca" + tag;
    private final String vethB = "fgcb" + tag;
    private Process controller;
    private Path log;
    private Path rundir;

    @AfterEach
    void stop() throws Exception {
        if (controller != null) {
            controller.destroy();
            controller.waitFor(30, TimeUnit.SECONDS);
        }
        quietly("ip", "netns", "del", nsA);
        quietly("ip", "netns", "del", nsB);
        quietly("ip", "link", "del", vethA + "r");
        quietly("ip", "link", "del", vethB + "r");
    }

    @Test
    void ovsTestcontrollerLearnsTheHostsAndFlowgateForwardsTheirTrafficByItsFlows() throws Exception {
        final Path socket = tmp.resolve("controller.sock");
        log = tmp.resolve("controller.log");
        controller = new ProcessBuilder("ovs-testcontroller", "-O", "OpenFlow13", "-w", "--no-chdir",
                "--unixctl=" + tmp.resolve("controller.ctl"), "punix:" + socket)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await(() -> Files.exists(socket), "the controller listens");
        learningSwitchBetweenNamespaces("unix:" + socket);
    }

    @Test
    void anOsKenLearningSwitchDoesTheSame() throws Exception {
        final int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        final Path app = Path.of(System.getProperty("flowgate.test.resources", "src/test/resources"))
                .resolve("osken/learning_switch.py").toAbsolutePath();
        log = tmp.resolve("controller.log");
        controller = new ProcessBuilder("/usr/bin/osken-manager", "--ofp-listen-host", "127.0.0.1",
                "--ofp-tcp-listen-port", Integer.toString(port), app.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        learningSwitchBetweenNamespaces("tcp:127.0.0.1:" + port); // Flowgate connects until os-ken listens
    }

    private void learningSwitchBetweenNamespaces(final String controllerTarget) throws Exception {
        namespaces();
        rundir = tmp.resolve("run");
        // No rule file: the controller programs the switch. A rate limit far above this traffic: it
        // only makes openflow/show count the packet-ins.
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--controller", controllerTarget, "--controller-rate-limit", "100000",
                "--port", "1=dpdk:net_af_packet0,iface=" + vethA + "r",
                "--port", "2=dpdk:net_af_packet1,iface=" + vethB + "r", "--pmd-idle", "backoff")) {
            d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            await(() -> ofctl("dump-flows", "flowgate").contains("priority=0 actions=CONTROLLER"),
                    "the controller's table-miss rule");

            final String ping = sh("ip", "netns", "exec", nsA, "ping", "-c", "3", "-W", "5", "10.0.9.2");
            assertTrue(ping.contains("3 received"), ping);
            Netns.tcpTransfer(tmp, nsA, nsB, "10.0.9.2");
            final long packetIns = packetIns();
            assertTrue(packetIns > 0, "the controller learned from packet-ins: " + appctl("openflow/show"));
            // The learned flows forward: their counters move as the revalidators push the megaflows'.
            await(() -> learnedFlows().size() >= 2 && learnedFlows().stream().allMatch(
                    l -> !l.contains("n_packets=0,")), "learned flows in both directions with traffic");

            final List<String> before = learnedFlows();
            sh("ip", "netns", "exec", nsA, "ping", "-c", "3", "-W", "5", "10.0.9.2");
            Netns.tcpTransfer(tmp, nsA, nsB, "10.0.9.2");
            assertEquals(packetIns, packetIns(), "the second transfer went by megaflows, no packet-in: "
                    + appctl("openflow/show"));
            assertEquals(before.size(), learnedFlows().size(), "no flow added: " + learnedFlows());
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
        }
    }

    /** A (10.0.9.1) and B (10.0.9.2) on one subnet, IPv6 off so that only the test's traffic flows. */
    private void namespaces() throws Exception {
        int host = 1;
        for (String[] nv : new String[][] {{nsA, vethA}, {nsB, vethB}}) {
            final String ns = nv[0];
            final String dev = nv[1];
            sh("ip", "netns", "add", ns);
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1");
            sh("ip", "link", "add", dev, "type", "veth", "peer", "name", dev + "r");
            sh("sysctl", "-qw", "net.ipv6.conf." + dev + "r.disable_ipv6=1");
            sh("ip", "link", "set", dev, "netns", ns);
            sh("ip", "link", "set", dev + "r", "up");
            sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "address", "02:00:00:00:09:0" + host);
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", "10.0.9." + host + "/24", "dev", dev);
            sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "up");
            // Checksums the kernel leaves to the NIC would reach the other side unfinished.
            sh("ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off");
            host++;
        }
    }

    /** The rules other than the table-miss rule, as ovs-ofctl dumps them. */
    private List<String> learnedFlows() {
        final List<String> out = new ArrayList<>();
        for (String l : ofctl("dump-flows", "flowgate").split("\n")) {
            if (l.contains("actions=") && !l.contains("priority=0 ")) {
                out.add(l.strip());
            }
        }
        return out;
    }

    /** Packet-ins sent to the controller so far, as openflow/show counts them. */
    private long packetIns() {
        final Matcher m = PACKET_INS.matcher(appctl("openflow/show"));
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        return n;
    }

    private String ofctl(final String... args) {
        final List<String> cmd = new ArrayList<>(List.of("ovs-ofctl", "-O", "OpenFlow13"));
        cmd.addAll(List.of(args));
        try {
            final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("OVS_RUNDIR", rundir.toString());
            final Process p = pb.start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ovs-ofctl finished");
            return out;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private String appctl(final String method) {
        try {
            final UnixctlClient.Reply r = UnixctlClient.call(UnixctlClient.resolve("flowgate", rundir), method,
                    List.of(), 30_000);
            assertEquals(null, r.error(), method);
            return r.result();
        } catch (UnixctlClient.ClientException e) {
            throw new AssertionError(e);
        }
    }

    private void await(final BooleanSupplier condition, final String what) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; controller said:\n"
                    + (log != null && Files.exists(log) ? Files.readString(log) : ""));
            assertTrue(controller.isAlive(), "the controller exited:\n" + Files.readString(log));
            Thread.sleep(20);
        }
    }
}
