package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real controllers drive Flowgate: OVS's own {@code ovs-testcontroller} (a learning switch,
 * OpenFlow 1.3, matching in_port and the Ethernet addresses), connecting to the switch's socket
 * or connected to by it, and a learning switch written on os-ken (the Ryu framework's successor,
 * Debian's python3-os-ken; {@code osken/learning_switch.py}) listening on TCP, as controllers
 * usually do. Each installs its table-miss rule, floods what it has not learned yet with
 * PACKET_OUTs, and installs a flow once it knows where a destination is, after which the
 * datapath forwards without asking it.
 */
@Timeout(120)
class LearningSwitchControllersTest {
    private static final String A = "50:54:00:00:00:0a";
    private static final String B = "50:54:00:00:00:0b";

    @TempDir
    Path dir;

    private Bridge dp;
    private OfServer server;
    private Process controller;
    private Path log;
    private final Map<Integer, List<String>> sent = new TreeMap<>();

    @BeforeEach
    void start() throws Exception {
        dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:a"), PortSpec.parse(2, "ring:b"),
                PortSpec.parse(3, "ring:c")), null, false), new RulePipeline());
        dp.start();
        log = dir.resolve("controller.log");
    }

    private void startController(final String method) throws IOException {
        controller = new ProcessBuilder("ovs-testcontroller", "-O", "OpenFlow13", "-w", "--no-chdir",
                "--unixctl=" + dir.resolve("controller.ctl"), "-vconsole:dbg", method)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The controller connects to the switch's passive socket (as ovs-ofctl does). */
    private void controllerConnects() throws Exception {
        final Path socket = dir.resolve("sw.mgmt");
        server = new OfServer(new OfSwitch(dp, 1), List.of(OfTarget.parse("punix:" + socket)));
        server.start();
        startController("unix:" + socket);
    }

    /** The switch connects to an os-ken controller on TCP (--controller tcp:127.0.0.1:PORT). */
    private void switchConnectsToOsKen() throws Exception {
        final int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        final Path app = Path.of(System.getProperty("flowgate.test.resources", "src/test/resources"))
                .resolve("osken/learning_switch.py").toAbsolutePath();
        controller = new ProcessBuilder("/usr/bin/osken-manager", "--ofp-listen-host", "127.0.0.1",
                "--ofp-tcp-listen-port", Integer.toString(port), app.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        server = new OfServer(new OfSwitch(dp, 1), List.of(), List.of(OfTarget.parse("tcp:127.0.0.1:" + port)),
                PacketInLimit.NONE);
        server.start(); // it connects again (backing off) until os-ken listens
    }

    /** The switch connects to the controller (--controller unix:PATH), as switches usually do. */
    private void switchConnects() throws Exception {
        final Path socket = dir.resolve("controller.sock");
        startController("punix:" + socket);
        await(() -> Files.exists(socket), "the controller listens");
        server = new OfServer(new OfSwitch(dp, 1), List.of(), List.of(OfTarget.parse("unix:" + socket)), PacketInLimit.NONE);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (controller != null) {
            controller.destroy();
            controller.waitFor();
        }
        if (server != null) {
            server.close();
        }
        dp.close();
    }

    private String controllerLog() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; controller said:\n"
                    + controllerLog());
            assertTrue(controller == null || controller.isAlive(), "ovs-testcontroller exited:\n" + controllerLog());
            Thread.sleep(10);
        }
    }

    private static byte[] frame(final String src, final String dst) {
        return PacketBuilder.eth(dst, src).ipv4("10.0.0.1", "10.0.0.2").udp(1000, 2000).payload(10).build();
    }

    private void inject(final int port, final byte[] frame) {
        assertTrue(((RingPort) dp.port(port)).inject(frame));
    }

    /** Frames each port sent so far, waiting until {@code port} has sent {@code n}. */
    private List<String> sentOn(final int port, final int n) throws InterruptedException {
        await(() -> {
            for (int p = 1; p <= 3; p++) {
                final List<String> out = sent.computeIfAbsent(p, k -> new ArrayList<>());
                ((RingPort) dp.port(p)).drainTransmitted(
                        f -> out.add(HexFormat.of().formatHex(f.toArray(ValueLayout.JAVA_BYTE))), 1 << 10);
            }
            return sent.get(port).size() >= n;
        }, n + " frame(s) on port " + port);
        return sent.get(port);
    }

    private List<Rule> rules() {
        final var t = dp.pipeline().current().table(0);
        return t == null ? List.of() : t.rules();
    }

    @Test
    void connectingToTheSwitchTheLearningSwitchFloodsUntilItKnowsThenInstallsAFlow() throws Exception {
        controllerConnects();
        learningSwitch();
    }

    @Test
    void connectedToByTheSwitchTheLearningSwitchDoesTheSame() throws Exception {
        switchConnects();
        learningSwitch();
    }

    @Test
    void anOsKenLearningSwitchTheSwitchConnectsToOnTcpDoesTheSame() throws Exception {
        switchConnectsToOsKen();
        learningSwitch();
    }

    private void learningSwitch() throws Exception {
        await(() -> rules().stream().anyMatch(r -> r.priority() == 0 && r.match().isCatchAll()
                && r.actions().size() == 1 && r.actions().getFirst() instanceof OfAction.Controller),
                "the controller's table-miss rule (priority=0 actions=CONTROLLER:128, its miss_send_len)");
        final byte[] ab = frame(A, B);
        inject(1, ab);
        final String hex = HexFormat.of().formatHex(ab);
        assertEquals(List.of(hex), sentOn(2, 1), "B unknown: flooded");
        assertEquals(List.of(hex), sentOn(3, 1));
        final byte[] ba = frame(B, A);
        inject(2, ba);
        assertEquals(List.of(HexFormat.of().formatHex(ba)), sentOn(1, 1), "A learned on port 1: sent there only");
        await(() -> rules().stream().anyMatch(r -> r.actions().equals(List.of(new OfAction.Output(1)))),
                "a flow to port 1 installed: " + rules());
        final Rule learned = rules().stream().filter(r -> r.actions().equals(List.of(new OfAction.Output(1))))
                .findFirst().orElseThrow();
        final String match = learned.match().toString();
        for (String part : List.of("in_port=2", "dl_src=" + B, "dl_dst=" + A)) { // in whatever order it sent them
            assertTrue(match.contains(part), part + " in the learned flow's match " + match);
        }
        // The megaflow of the first B->A packet sent to the controller until the revalidators bring
        // it in line with the learned flow: a packet before that goes up again (as in OVS), and the
        // controller adds the flow again (a new rule). So: send until the datapath forwards one by
        // whichever rule the learned flow is now; every one reaches port 1 only.
        final java.util.function.BooleanSupplier forwardedByFlow = () -> rules().stream().anyMatch(
                r -> r.actions().equals(List.of(new OfAction.Output(1))) && r.stats().packets() >= 1);
        int frames = 1;
        do {
            inject(2, ba);
            frames++;
            sentOn(1, frames);
            // The rule's counters move when the revalidators push the megaflow's statistics.
            final long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
            while (!forwardedByFlow.getAsBoolean() && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        } while (!forwardedByFlow.getAsBoolean() && frames < 20);
        assertTrue(forwardedByFlow.getAsBoolean(), "the datapath forwarded by the learned flow: " + rules());
        assertEquals(frames, sent.get(1).size());
        assertEquals(1, sent.get(2).size(), "nothing flooded since: " + sent);
        assertEquals(1, sent.get(3).size(), "nothing flooded since: " + sent);
    }
}
