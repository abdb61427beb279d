package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --controller-rate-limit} and {@code --controller-burst-limit}: a controller the switch
 * connects to gets packet-ins at most at the rate (after a first burst), the excess waits and is
 * then dropped, and {@code openflow/show} accounts for every packet-in with OVS's status keys.
 */
@Timeout(120)
class PacketInRateLimitTest {
    private static final int PACKETS = 100;
    private static final int RATE = 10;
    private static final int BURST = 5;
    private static final int ECHO_REQUEST = 2;
    private static final int PACKET_IN = 10;

    @TempDir
    Path dir;

    @Test
    void aRateLimitedControllerGetsNoMoreThanTheRateAndEveryPacketInIsAccountedFor() throws Exception {
        final Path socket = dir.resolve("controller.sock");
        final RulePipeline pipeline = new RulePipeline();
        final Rule miss = FlowSyntax.parseRule("t", 1, "priority=0,actions=controller", 0);
        pipeline.apply(e -> e.addRule(miss));
        final Bridge dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:a")), null, false), pipeline);
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            dp.start();
            try (OfServer server = OfClient.switchConnectingTo(dp, socket, new PacketInLimit(RATE, BURST));
                 OfClient controller = connect(listener)) {
                final long start = System.nanoTime();
                for (int i = 0; i < PACKETS; i++) {
                    final byte[] f = PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000 + i, 53).payload(18)
                            .build();
                    assertTrue(((RingPort) dp.port(1)).inject(f), "the port took frame " + i);
                }
                final List<byte[]> got = new ArrayList<>();
                long bypassed;
                long queued;
                long dropped;
                long backlog;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                do {
                    final int seen = got.size();
                    controller.drainInto(got);
                    // A controller answers the switch's inactivity probes (a slow run outlasts the 10 s).
                    for (byte[] m : got.subList(seen, got.size())) {
                        if (m[1] == ECHO_REQUEST) {
                            controller.send(OfClient.bytes(OfClient.OF13.buildEchoReply()
                                    .setXid(OfClient.parse(m).getXid()).setData(new byte[0]).build()));
                        }
                    }
                    final String show = server.show();
                    bypassed = counter(show, "packet-in-miss-bypassed");
                    queued = counter(show, "packet-in-miss-queued");
                    dropped = counter(show, "packet-in-miss-dropped");
                    backlog = counter(show, "packet-in-miss-backlog");
                    final long packetIns = got.stream().filter(m -> m[1] == PACKET_IN).count();
                    if (bypassed + queued == PACKETS && backlog == 0 && packetIns == bypassed + queued - dropped) {
                        break;
                    }
                    Thread.sleep(20);
                } while (System.nanoTime() < deadline);
                final double seconds = (System.nanoTime() - start) / 1e9;
                final long packetIns = got.stream().filter(m -> m[1] == PACKET_IN).count();
                assertEquals(PACKETS, bypassed + queued, "every packet-in went through the limit: " + server.show()
                        + "controller actions dropped by the datapath: " + dp.totals().drops(DropReason.CONTROLLER));
                assertEquals(0, backlog);
                assertEquals(bypassed + queued - dropped, packetIns, "what was not dropped reached the controller");
                assertTrue(packetIns <= BURST + RATE * seconds + 1, packetIns + " packet-ins in " + seconds
                        + " s: no more than the bucket's " + BURST + " and " + RATE + " a second");
                assertTrue(dropped > 0, "a burst of " + PACKETS + " overflows " + BURST + " waiting");
                assertEquals(0, counter(server.show(), "packet-in-action-queued"), "table misses are counted apart");
                assertTrue(server.show().contains("controller packet-in rate limit: 10 packet-ins/s, burst 5"),
                        server.show());
            }
        } finally {
            dp.close();
        }
    }

    private static OfClient connect(final ServerSocketChannel listener) throws Exception {
        final OfClient c = new OfClient(listener.accept());
        assertEquals(1, c.roundTrip(1).size(), "the switch answers its controller");
        return c;
    }

    private static long counter(final String show, final String key) {
        final Matcher m = Pattern.compile(key + "=(\\d+)").matcher(show);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
