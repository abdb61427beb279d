package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
            try (OfServer server = new OfServer(new OfSwitch(dp, 1), List.of(),
                    List.of(OfTarget.parse("unix:" + socket)), PacketInLimit.NONE)) {
                server.start();
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
}
