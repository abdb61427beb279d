package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * An active connection to a controller ({@code --controller unix:PATH} or {@code tcp:IP:PORT}),
 * kept as OVS keeps it: connected again after the controller hangs up, probed with an echo
 * request when quiet, and dropped (then connected again) when the probe goes unanswered.
 */
@Timeout(120)
class OfControllerLinkTest {
    private static final int ECHO_REQUEST = 2;

    @TempDir
    Path dir;

    @Test
    void theSwitchConnectsAgainAfterAHangUpAndDropsAControllerThatStopsAnswering() throws Exception {
        final Path socket = dir.resolve("controller.sock");
        final Bridge dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:a")), null, false),
                new RulePipeline());
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            dp.start();
            try (OfServer server = OfClient.switchConnectingTo(dp, socket, PacketInLimit.NONE)) {
                try (OfClient first = new OfClient(listener.accept())) {
                    final List<byte[]> echo = first.roundTrip(1);
                    assertEquals(1, echo.size(), "the switch answers its controller");
                    assertEquals(List.of("unix:" + socket), List.copyOf(server.connectedControllers()));
                }
                // Hung up on: the switch comes back on its own.
                try (OfClient second = new OfClient(listener.accept())) {
                    // Quiet: the switch asks whether the controller is still there, then gives up on it.
                    final byte[] probe = second.next();
                    assertEquals(ECHO_REQUEST, probe[1], "an inactivity probe");
                    assertNull(second.next(), "no answer to the probe: the switch disconnects");
                }
                try (OfClient third = new OfClient(listener.accept())) {
                    assertEquals(1, third.roundTrip(2).size(), "and connects again");
                }
            }
        } finally {
            dp.close();
        }
    }

    /**
     * Fail mode "secure", as Flowgate always behaves: the rules a controller installed stay and keep
     * forwarding while it is gone, and are there when it connects again (OVS's "standalone", which
     * falls back to a NORMAL learning switch, has no counterpart: Flowgate has no NORMAL action).
     */
    @Test
    void aControllersRulesStayAndForwardWhileItIsGoneAndWhenItComesBack() throws Exception {
        final Path socket = dir.resolve("controller.sock");
        final Bridge dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:a"), PortSpec.parse(2, "ring:b")),
                null, false), new RulePipeline());
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            dp.start();
            try (OfServer server = OfClient.switchConnectingTo(dp, socket, PacketInLimit.NONE)) {
                try (OfClient controller = new OfClient(listener.accept())) {
                    controller.send(OfClient.bytes(OfClient.OF13.buildFlowAdd().setXid(7).setPriority(10)
                            .setMatch(OfClient.OF13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build())
                            .setInstructions(List.of(OfClient.OF13.instructions().applyActions(
                                    List.of(OfClient.OF13.actions().output(OFPort.of(2), 0))))).build()));
                    assertEquals(1, controller.roundTrip(8).size(), "the FLOW_MOD applied without an error");
                }
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (server.connectedControllers().contains("unix:" + socket)) {
                    assertTrue(System.nanoTime() < deadline, "the switch saw the hang-up");
                    Thread.sleep(5);
                }
                assertEquals(1, dp.pipeline().current().ruleCount(), "the rule stays without its controller");
                final byte[] frame = PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(10).build();
                assertTrue(((RingPort) dp.port(1)).inject(frame));
                final int[] sent = new int[1];
                while (sent[0] == 0) {
                    assertTrue(System.nanoTime() < deadline, "forwarded while the controller is gone");
                    ((RingPort) dp.port(2)).drainTransmitted(f -> sent[0]++, 16);
                    Thread.sleep(5);
                }
                try (OfClient back = new OfClient(listener.accept())) {
                    assertEquals(1, back.roundTrip(9).size());
                    assertEquals(1, dp.pipeline().current().ruleCount(), "and is there when it comes back");
                }
            }
        } finally {
            dp.close();
        }
    }
}
