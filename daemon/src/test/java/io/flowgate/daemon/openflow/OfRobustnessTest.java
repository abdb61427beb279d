package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.ofproto.RulePipeline;

import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * Bad input on an OpenFlow connection gets an error or a closed connection, as from OVS, and
 * never stops the switch: each kind of malformed message once, then 100,000 mutated ones.
 */
@Timeout(300)
class OfRobustnessTest {
    private static final OFFactory OF13 = OFFactories.getFactory(OFVersion.OF_13);
    private static final int ERROR = 1;

    @TempDir
    Path dir;

    private Bridge dp;
    private OfServer server;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        final List<PortSpec> ports = List.of(PortSpec.parse(1, "ring:a"), PortSpec.parse(2, "ring:b"));
        dp = new Bridge(BridgeConfig.of(ports, null, false), new RulePipeline());
        dp.start();
        socket = dir.resolve("sw.mgmt");
        server = new OfServer(new OfSwitch(dp, 1), List.of(OfTarget.parse("punix:" + socket)));
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        dp.close();
    }

    private static int errorType(final byte[] m) {
        return ByteBuffer.wrap(m).getShort(8) & 0xFFFF;
    }

    private static int errorCode(final byte[] m) {
        return ByteBuffer.wrap(m).getShort(10) & 0xFFFF;
    }

    private static byte[] header(final int version, final int type, final int length, final int xid) {
        return ByteBuffer.allocate(Math.max(8, length)).put((byte) version).put((byte) type).putShort((short) length)
                .putInt(xid).array();
    }

    @Test
    void eachKindOfMalformedMessageGetsWhatOvsGives() throws Exception {
        try (OfClient c = new OfClient(socket)) {
            // An unknown message type: OFPET_BAD_REQUEST / OFPBRC_BAD_TYPE, the request echoed.
            c.send(header(4, 0x60, 8, 7));
            byte[] m = c.next();
            assertEquals(ERROR, m[1]);
            assertEquals(List.of(1, 1), List.of(errorType(m), errorCode(m)));
            assertEquals(7, ByteBuffer.wrap(m).getInt(4), "the error answers the request's xid");
            assertEquals(0x60, m[12 + 1], "the request comes back as the data");
            // Another version than the one agreed: OFPBRC_BAD_VERSION.
            c.send(header(1, 2, 8, 8));
            m = c.next();
            assertEquals(List.of(1, 0), List.of(errorType(m), errorCode(m)));
            // A FLOW_MOD cut short (its length says 20 bytes): OFPBRC_BAD_LEN.
            c.send(header(4, 14, 20, 9));
            m = c.next();
            assertEquals(ERROR, m[1]);
            assertEquals(1, errorType(m));
            // A multipart type that does not exist: OFPBRC_BAD_STAT... or BAD_LEN for its body.
            final byte[] mp = ByteBuffer.allocate(16).put((byte) 4).put((byte) 18).putShort((short) 16).putInt(10)
                    .putShort((short) 0x7777).array();
            c.send(mp);
            m = c.next();
            assertEquals(ERROR, m[1]);
            assertEquals(1, errorType(m));
            assertNotNull(c.roundTrip(11), "the connection still answers");
        }
        try (OfClient c = new OfClient(socket)) {
            // A length below the header's own: the stream cannot be read on; the switch hangs up.
            c.send(header(4, 2, 4, 12));
            assertNull(c.next(), "the connection is closed");
        }
        try (OfClient c = new OfClient(socket)) {
            assertNotNull(c.roundTrip(13), "the switch serves new connections");
        }
    }

    @Test
    void aHundredThousandMutatedMessagesNeverStopTheSwitch() throws Exception {
        final List<byte[]> corpus = List.of(
                OfClient.bytes(OF13.buildFlowAdd().setXid(1).setPriority(10).setMatch(OF13.buildMatch()
                        .setExact(MatchField.ETH_TYPE, EthType.IPv4).setExact(MatchField.IP_PROTO, IpProtocol.UDP)
                        .setExact(MatchField.UDP_DST, TransportPort.of(53))
                        .setMasked(MatchField.IPV4_SRC, IPv4Address.of("10.0.0.0"), IPv4Address.of("255.0.0.0")).build())
                        .setInstructions(List.of(OF13.instructions().applyActions(List.of(
                                OF13.actions().output(OFPort.of(2), 0))), OF13.instructions().gotoTable(
                                        org.projectfloodlight.openflow.types.TableId.of(3)))).build()),
                OfNiciraTest.flowModAsOvsOfctlSendsIt(),
                OfClient.bytes(OF13.buildFlowDelete().setXid(2).setTableId(org.projectfloodlight.openflow.types.TableId.ALL)
                        .setMatch(OF13.buildMatch().build()).build()),
                OfClient.bytes(OF13.buildFlowStatsRequest().setXid(3).setMatch(OF13.buildMatch().build())
                        .setTableId(org.projectfloodlight.openflow.types.TableId.ALL).build()),
                OfClient.bytes(OF13.buildPortStatsRequest().setXid(4).setPortNo(OFPort.ANY).build()),
                OfClient.bytes(OF13.buildFeaturesRequest().setXid(5).build()),
                OfClient.bytes(OF13.buildBarrierRequest().setXid(6).build()),
                OfClient.bytes(OF13.buildSetConfig().setXid(7).setMissSendLen(128).build()),
                OfClient.bytes(OF13.buildPortDescStatsRequest().setXid(8).build()),
                OfClient.bytes(OF13.buildEchoRequest().setXid(9).setData(new byte[] {1, 2, 3, 4}).build()),
                // Controller traffic and configuration: a packet-out, a group, a port change.
                OfClient.bytes(OF13.buildPacketOut().setXid(10).setBufferId(org.projectfloodlight.openflow.types.OFBufferId
                        .NO_BUFFER).setInPort(OFPort.CONTROLLER).setActions(List.of(OF13.actions().output(OFPort.TABLE, 0),
                                OF13.actions().output(OFPort.FLOOD, 0))).setData(io.flowgate.fastpath.testing.PacketBuilder
                        .eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 53).payload(8).build()).build()),
                OfClient.bytes(OF13.buildGroupAdd().setXid(11).setGroup(org.projectfloodlight.openflow.types.OFGroup.of(7))
                        .setGroupType(org.projectfloodlight.openflow.protocol.OFGroupType.SELECT).setBuckets(List.of(
                                OF13.buildBucket().setWeight(2).setWatchPort(OFPort.ANY).setWatchGroup(
                                        org.projectfloodlight.openflow.types.OFGroup.ANY).setActions(List.of(
                                                OF13.actions().output(OFPort.of(2), 0))).build())).build()),
                OfClient.bytes(OF13.buildPortMod().setXid(12).setPortNo(OFPort.of(2)).setHwAddr(
                        org.projectfloodlight.openflow.types.MacAddress.of(0x0200_0000_0002L))
                        .setConfig(java.util.EnumSet.noneOf(org.projectfloodlight.openflow.protocol.OFPortConfig.class))
                        .setMask(java.util.EnumSet.of(org.projectfloodlight.openflow.protocol.OFPortConfig.NO_FWD))
                        .setAdvertise(0).build()));
        final SplittableRandom r = new SplittableRandom(20261203);
        int hangUps = 0;
        int sent = 0;
        boolean lied = false; // a length below 8 was sent on this connection: it may be closed
        OfClient c = new OfClient(socket);
        try {
            while (sent < 100_000) {
                final byte[] m = corpus.get(r.nextInt(corpus.size())).clone();
                final int flips = 1 + r.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    final int at = r.nextInt(m.length);
                    m[at] = (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : m[at] ^ (1 << r.nextInt(8)));
                }
                final int len = ByteBuffer.wrap(m).getShort(2) & 0xFFFF;
                if (len != m.length) {
                    // A wrong length desynchronises the stream: patch it back, except now and then
                    // a length below the header's, to see the hang-up too.
                    if (len >= 8 || r.nextInt(100) != 0) {
                        ByteBuffer.wrap(m).putShort(2, (short) m.length);
                    }
                }
                final boolean lie = (ByteBuffer.wrap(m).getShort(2) & 0xFFFF) < 8;
                boolean open = true;
                try {
                    c.send(m);
                } catch (IOException e) {
                    open = false;
                }
                lied |= lie;
                sent++;
                if (open && (lie || sent % 1000 == 0)) {
                    final List<byte[]> got = c.roundTrip(0x7000_0000L + sent);
                    open = got != null;
                    if (open) {
                        for (byte[] reply : got) {
                            assertWellFormed(reply);
                        }
                    }
                }
                if (!open) {
                    assertTrue(lied, "the switch hung up only after a length below the header's (message " + sent + ")");
                    hangUps++;
                    c.close();
                    c = new OfClient(socket);
                    lied = false;
                }
            }
            assertNotNull(c.roundTrip(1), "still serving after " + sent + " mutated messages");
            assertTrue(hangUps > 0, "the mutations included lengths below the header's");
        } finally {
            c.close();
        }
        try (OfClient fresh = new OfClient(socket)) {
            assertNotNull(fresh.roundTrip(2));
        }
        assertTrue(dp.failure() == null, "the datapath is fine: " + dp.failure());
    }

    /**
     * A reply reads as an OpenFlow message: by the codec (a FLOW_REMOVED's Nicira match fields
     * kept out of its sight), or, for flow statistics (whose matches and actions may carry Nicira
     * fields and actions the codec does not read), by walking its entries, each entry's match and
     * instructions within it.
     */
    private static void assertWellFormed(final byte[] reply) throws Exception {
        assertEquals(reply.length, OfNicira.u16(reply, 2), "the reply's length");
        if ((reply[1] & 0xFF) != 19 || OfNicira.u16(reply, 8) != 1) {
            assertNotNull(OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(OfNicira.forCodec(reply))),
                    "every reply is a well-formed OpenFlow message");
            return;
        }
        for (int at = 16; at < reply.length; ) {
            final int len = OfNicira.u16(reply, at);
            final int match = OfNicira.u16(reply, at + OfNicira.MATCH_AT + 2);
            assertTrue(len >= OfNicira.MATCH_AT + 8 && at + len <= reply.length && match >= 4
                    && OfNicira.MATCH_AT + ((match + 7) & ~7) <= len, "a flow-stats entry within its reply");
            int in = at + OfNicira.MATCH_AT + ((match + 7) & ~7);
            while (in < at + len) {
                final int inLen = OfNicira.u16(reply, in + 2);
                assertTrue(inLen >= 8 && in + inLen <= at + len, "an instruction within its entry");
                in += inLen;
            }
            at += len;
        }
    }
}
