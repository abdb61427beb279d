package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.upcall.PacketInRing;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.types.U64;

/**
 * Whether the datapath sends packet-ins follows the connections as they change: a controller
 * takes them from the moment its HELLO is read (the packet right after its first reply reaches
 * it), a slave takes none, one that hung up takes none, and none is taken once the packet-in
 * thread is closed. Here that thread never runs, so nothing but the connections' own changes can
 * set the datapath's flag.
 */
@Timeout(60)
class OfPacketInsTest {
    @TempDir
    Path dir;

    @Test
    void theDatapathListensFromAControllersHelloUntilItIsASlaveOrGone() throws Exception {
        final Bridge dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:a")), null, false),
                new RulePipeline());
        try (PacketInRing ring = new PacketInRing(1 << 16);
             ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            final Set<OfConnection> connections = ConcurrentHashMap.newKeySet();
            final OfPacketIns packetIns = new OfPacketIns(ring, connections); // not started
            listener.bind(UnixDomainSocketAddress.of(dir.resolve("controller.sock")));
            final SocketChannel controllerSide = SocketChannel.open(StandardProtocolFamily.UNIX);
            controllerSide.connect(listener.getLocalAddress());
            final OfConnection c = new OfConnection(listener.accept(), "controller", new OfSwitch(dp, 1),
                    connections::remove, packetIns::listenersChanged, true, PacketInLimit.NONE);
            connections.add(c);
            final Thread served = Thread.ofVirtual().start(c);
            assertFalse(ring.listening(), "no version agreed yet");
            try (OfClient controller = new OfClient(controllerSide)) {
                assertEquals(1, controller.roundTrip(1).size());
                assertTrue(ring.listening(), "a controller that has said HELLO takes the next packet-in");

                controller.send(OfClient.bytes(OfClient.OF13.buildRoleRequest().setXid(2)
                        .setRole(OFControllerRole.ROLE_SLAVE).setGenerationId(U64.ZERO).build()));
                assertEquals(2, controller.roundTrip(3).size(), "the role reply, then the echo reply");
                assertFalse(ring.listening(), "a slave takes no packet-ins");

                controller.send(OfClient.bytes(OfClient.OF13.buildRoleRequest().setXid(4)
                        .setRole(OFControllerRole.ROLE_EQUAL).setGenerationId(U64.ZERO).build()));
                assertEquals(2, controller.roundTrip(5).size());
                assertTrue(ring.listening(), "equal again");

                packetIns.close();
                assertFalse(ring.listening(), "nobody reads the ring of a closed packet-in thread");
                controller.send(OfClient.bytes(OfClient.OF13.buildRoleRequest().setXid(6)
                        .setRole(OFControllerRole.ROLE_MASTER).setGenerationId(U64.ZERO).build()));
                assertEquals(2, controller.roundTrip(7).size());
                assertFalse(ring.listening(), "and a connection's change does not turn it back on");
            }
            served.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(served.isAlive(), "the connection ended with the controller's hang-up");
            assertFalse(ring.listening(), "a controller that hung up takes no packet-ins");
        } finally {
            dp.close();
        }
    }
}
