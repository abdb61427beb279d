package io.flowgate.daemon.openflow;

import static io.flowgate.daemon.openflow.OfClient.OF13;
import static io.flowgate.daemon.openflow.OfClient.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.errormsg.OFBadRequestErrorMsg;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * Traffic between the datapath and its controllers: a rule's controller action (and a table-miss
 * rule's) reaches the controller as an unbuffered PACKET_IN with the whole frame; a PACKET_OUT's
 * frame leaves through the actions it names, FLOOD, ALL, IN_PORT and TABLE (the pipeline) among
 * them; a controller that does not read costs packet-ins, counted, never forwarding.
 */
@Timeout(120)
class OfControllerTrafficTest {
    @TempDir
    Path dir;

    private Bridge dp;
    private OfServer server;
    private OfClient controller;
    private long xid = 100;

    @BeforeEach
    void start() throws Exception {
        final List<PortSpec> ports = List.of(PortSpec.parse(1, "ring:a"), PortSpec.parse(2, "ring:b"),
                PortSpec.parse(3, "ring:c"));
        dp = new Bridge(BridgeConfig.of(ports, null, false), new RulePipeline());
        dp.start();
        final Path socket = dir.resolve("sw.mgmt");
        server = new OfServer(new OfSwitch(dp, 1), List.of(OfTarget.parse("punix:" + socket)));
        server.start();
        controller = asController(new OfClient(socket));
        await(() -> dp.packetIns().listening(), "the datapath sees a controller");
    }

    @AfterEach
    void stop() throws Exception {
        controller.close();
        server.close();
        dp.close();
    }

    /**
     * A connection made to the switch takes asynchronous messages once it sets a miss_send_len (as
     * OVS's service connections); a controller does so first.
     */
    private static OfClient asController(final OfClient c) throws Exception {
        c.send(bytes(OF13.buildSetConfig().setXid(1).setMissSendLen(0xffff).build()));
        return c;
    }

    private static byte[] frame(final int udpPort, final int payload) {
        return PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, udpPort).payload(payload).build();
    }

    private void addFlow(final int priority, final long cookie, final Match match, final List<OFAction> actions)
            throws Exception {
        controller.send(bytes(OF13.buildFlowAdd().setXid(xid++).setPriority(priority).setCookie(U64.of(cookie))
                .setMatch(match).setInstructions(List.of(OF13.instructions().applyActions(actions))).build()));
        barrier();
    }

    /** Sends a BARRIER and returns what came before its reply. */
    private List<OFMessage> barrier() throws Exception {
        final long id = xid++;
        controller.send(bytes(OF13.buildBarrierRequest().setXid(id).build()));
        final List<OFMessage> before = new ArrayList<>();
        while (true) {
            final OFMessage m = OfClient.parse(controller.next());
            if (m.getType() == org.projectfloodlight.openflow.protocol.OFType.BARRIER_REPLY && m.getXid() == id) {
                return before;
            }
            before.add(m);
        }
    }

    private OFPacketIn nextPacketIn() throws Exception {
        while (true) {
            final OFMessage m = OfClient.parse(controller.next());
            if (m instanceof OFPacketIn p) {
                return p;
            }
        }
    }

    private void inject(final int port, final byte[] frame) {
        assertTrue(((RingPort) dp.port(port)).inject(frame), "port " + port + " took the frame");
    }

    /** Frames sent on {@code port} so far (hex), waiting until there are at least {@code n}. */
    private List<String> sent(final int port, final int n) throws InterruptedException {
        final List<String> out = new ArrayList<>();
        await(() -> {
            ((RingPort) dp.port(port)).drainTransmitted(
                    f -> out.add(HexFormat.of().formatHex(f.toArray(ValueLayout.JAVA_BYTE))), 1 << 16);
            return out.size() >= n;
        }, n + " frame(s) on port " + port);
        return out;
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void aTableMissRuleSendsTheWholeFrameUnbufferedWithReasonNoMatch() throws Exception {
        addFlow(0, 0x42, OF13.buildMatch().build(), List.of(OF13.actions().output(OFPort.CONTROLLER, 128)));
        final byte[] frame = frame(53, 300);
        inject(1, frame);
        final OFPacketIn p = nextPacketIn();
        assertEquals(OFPacketInReason.NO_MATCH, p.getReason());
        assertEquals(OFBufferId.NO_BUFFER, p.getBufferId());
        assertEquals(0, p.getTableId().getValue());
        assertEquals(U64.of(0x42), p.getCookie());
        assertEquals(OFPort.of(1), p.getMatch().get(MatchField.IN_PORT));
        assertEquals(frame.length, p.getTotalLen());
        assertArrayEquals(frame, p.getData(), "the whole frame, though max_len is 128");
    }

    @Test
    void aControllerActionSendsThePacketAsItIsThenAndTheRuleGoesOn() throws Exception {
        addFlow(10, 7, OF13.buildMatch().setExact(MatchField.ETH_TYPE, EthType.IPv4).build(), List.of(
                OF13.actions().setField(OF13.oxms().ethDst(org.projectfloodlight.openflow.types.MacAddress.of(
                        "02:00:00:00:00:99"))),
                OF13.actions().output(OFPort.CONTROLLER, 65535), OF13.actions().output(OFPort.of(2), 0)));
        final byte[] frame = frame(80, 20);
        inject(1, frame);
        final OFPacketIn p = nextPacketIn();
        assertEquals(OFPacketInReason.ACTION, p.getReason());
        final byte[] rewritten = frame.clone();
        System.arraycopy(new byte[] {2, 0, 0, 0, 0, (byte) 0x99}, 0, rewritten, 0, 6);
        assertArrayEquals(rewritten, p.getData(), "as it was at the controller action: eth_dst set");
        assertEquals(List.of(HexFormat.of().formatHex(rewritten)), sent(2, 1));
    }

    @Test
    void packetOutFloodsAllAndInPortReachWhatTheyName() throws Exception {
        final byte[] frame = frame(9, 10);
        final String hex = HexFormat.of().formatHex(frame);
        packetOut(OFPort.of(1), OF13.actions().output(OFPort.FLOOD, 0));
        assertEquals(List.of(hex), sent(2, 1));
        assertEquals(List.of(hex), sent(3, 1));
        packetOut(OFPort.CONTROLLER, OF13.actions().output(OFPort.ALL, 0));
        assertEquals(List.of(hex), sent(1, 1), "from the controller, ALL includes every port");
        assertEquals(List.of(hex), sent(2, 1));
        assertEquals(List.of(hex), sent(3, 1));
        packetOut(OFPort.of(3), OF13.actions().output(OFPort.IN_PORT, 0));
        assertEquals(List.of(hex), sent(3, 1));
        assertTrue(barrier().isEmpty(), "no error for any of them");
        assertEquals(List.of(), sent(1, 0), "FLOOD from port 1 did not go back to it");
    }

    private void packetOut(final OFPort inPort, final OFAction action) throws Exception {
        controller.send(bytes(OF13.buildPacketOut().setXid(xid++).setBufferId(OFBufferId.NO_BUFFER).setInPort(inPort)
                .setActions(List.of(action)).setData(frame(9, 10)).build()));
    }

    @Test
    void packetOutToTableRunsThePipelineAsIfTheFrameCameInOnItsInPort() throws Exception {
        addFlow(5, 1, OF13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(2)).build(),
                List.of(OF13.actions().output(OFPort.of(3), 0)));
        packetOut(OFPort.of(2), OF13.actions().output(OFPort.TABLE, 0));
        assertEquals(1, sent(3, 1).size());
        packetOut(OFPort.of(1), OF13.actions().output(OFPort.TABLE, 0)); // no rule for port 1: dropped
        assertTrue(barrier().isEmpty());
        assertEquals(List.of(), sent(3, 0));
        assertEquals(1, dp.pipeline().current().table(0).rules().getFirst().stats().packets(),
                "the rule counted the packet-out's frame");
    }

    @Test
    void aBufferedPacketOutIsRefusedAsOvsRefusesAnUnknownBuffer() throws Exception {
        controller.send(bytes(OF13.buildPacketOut().setXid(77).setBufferId(OFBufferId.of(5)).setInPort(OFPort.CONTROLLER)
                .setActions(List.of(OF13.actions().output(OFPort.of(2), 0))).build()));
        final OFErrorMsg e = assertInstanceOf(OFErrorMsg.class, barrier().getFirst());
        assertEquals(77, e.getXid());
        assertEquals(OFBadRequestCode.BUFFER_UNKNOWN, assertInstanceOf(OFBadRequestErrorMsg.class, e).getCode());
    }

    @Test
    void aControllerThatDoesNotReadCostsPacketInsNeverForwarding() throws Exception {
        addFlow(10, 0, OF13.buildMatch().build(), List.of(OF13.actions().output(OFPort.CONTROLLER, 65535),
                OF13.actions().output(OFPort.of(2), 0)));
        final int n = 20_000;
        final RingPort in = (RingPort) dp.port(1);
        final RingPort out = (RingPort) dp.port(2);
        final byte[] frame = frame(7, 1200);
        final int[] forwarded = new int[1];
        int offered = 0;
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (forwarded[0] < n) {
            assertTrue(System.nanoTime() < deadline, "forwarded " + forwarded[0] + " of " + offered + "; dropped at tx: "
                    + dp.totals().drops(DropReason.TX_FAILED));
            // At most 512 frames on their way, far below what port 2's ring holds: however late this
            // thread drains it (a loaded machine), the output never overflows; only packet-ins may.
            if (offered < n && offered - forwarded[0] < 512 && in.inject(frame)) {
                offered++;
            }
            out.drainTransmitted(f -> forwarded[0]++, 1 << 10); // as fast as a wire takes them
        }
        assertEquals(0, dp.totals().drops(DropReason.TX_FAILED));
        await(() -> dp.totals().get(PmdCounter.PACKET_INS) + dp.totals().get(PmdCounter.PACKET_IN_OVERFLOWS) == n,
                "every packet-in queued or counted as overflowing");
        assertTrue(dp.totals().get(PmdCounter.PACKET_IN_OVERFLOWS) + server.refusedPacketIns() > 0,
                "a full queue (the datapath's or the connection's) refused some");
        assertEquals(0, dp.totals().drops(DropReason.CONTROLLER));
    }

    @Test
    void aConnectionThatSetNoMissSendLenIsNoController() throws Exception {
        controller.close();
        await(() -> !dp.packetIns().listening(), "the controller gone");
        try (OfClient ofctl = new OfClient(dir.resolve("sw.mgmt"))) {
            assertEquals(1, ofctl.roundTrip(3).size());
            assertTrue(!dp.packetIns().listening(), "ovs-ofctl's kind of connection takes no packet-ins");
        }
    }

    @Test
    void withoutAControllerTheDatapathCountsControllerActionsAsDrops() throws Exception {
        addFlow(10, 0, OF13.buildMatch().build(), List.of(OF13.actions().output(OFPort.CONTROLLER, 65535)));
        controller.close();
        await(() -> !dp.packetIns().listening(), "the datapath sees no controller");
        inject(1, frame(1, 10));
        await(() -> dp.totals().drops(DropReason.CONTROLLER) == 1, "the packet counted as dropped");
        assertEquals(0, dp.totals().get(PmdCounter.PACKET_INS));
    }

    @Test
    void portModNoFwdKeepsFloodAndRulesOffThePortAndTheOtherControllersHearOfIt() throws Exception {
        try (OfClient other = asController(new OfClient(dir.resolve("sw.mgmt")));
             OfClient ofctl = new OfClient(dir.resolve("sw.mgmt"))) {
            addFlow(10, 0, OF13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build(),
                    List.of(OF13.actions().output(OFPort.of(2), 0), OF13.actions().output(OFPort.of(3), 0)));
            inject(1, frame(5, 10));
            assertEquals(1, sent(2, 1).size());
            assertEquals(1, sent(3, 1).size());
            controller.send(bytes(OF13.buildPortMod().setXid(xid++).setPortNo(OFPort.of(2))
                    .setHwAddr(org.projectfloodlight.openflow.types.MacAddress.of(0x0200_0000_0002L))
                    .setConfig(java.util.EnumSet.of(org.projectfloodlight.openflow.protocol.OFPortConfig.NO_FWD))
                    .setMask(java.util.EnumSet.of(org.projectfloodlight.openflow.protocol.OFPortConfig.NO_FWD))
                    .setAdvertise(0).build()));
            assertTrue(barrier().isEmpty(), "PORT_MOD accepted");
            final OFMessage status = OfClient.parse(other.next());
            final org.projectfloodlight.openflow.protocol.OFPortStatus ps =
                    assertInstanceOf(org.projectfloodlight.openflow.protocol.OFPortStatus.class, status);
            assertEquals(OFPort.of(2), ps.getDesc().getPortNo());
            assertTrue(ps.getDesc().getConfig().contains(org.projectfloodlight.openflow.protocol.OFPortConfig.NO_FWD));
            assertEquals(1, ofctl.roundTrip(5).size(), "a connection that set no miss_send_len got no PORT_STATUS");
            packetOut(OFPort.of(1), OF13.actions().output(OFPort.FLOOD, 0));
            assertEquals(1, sent(3, 1).size(), "flooded to port 3");
            assertEquals(0, ((RingPort) dp.port(2)).drainTransmitted(f -> { }, 1 << 10), "not to the no_fwd port");
            // The rule's flow is translated again: once it is, port 2 gets nothing any more.
            final RingPort two = (RingPort) dp.port(2);
            await(() -> {
                inject(1, frame(5, 10));
                try {
                    sent(3, 1);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return two.drainTransmitted(f -> { }, 1 << 10) == 0;
            }, "the flow translated again");
            for (int i = 0; i < 10; i++) {
                inject(1, frame(5, 10));
            }
            assertEquals(10, sent(3, 10).size());
            assertEquals(0, two.drainTransmitted(f -> { }, 1 << 10), "nothing for the no_fwd port");
        }
    }

    @Test
    void aRuleThatAsksIsReportedWhenRemovedWithWhyAndOthersAreNot() throws Exception {
        final var udp = OF13.buildMatch().setExact(MatchField.ETH_TYPE, EthType.IPv4)
                .setExact(MatchField.IP_PROTO, org.projectfloodlight.openflow.types.IpProtocol.UDP).build();
        final var flag = java.util.EnumSet.of(org.projectfloodlight.openflow.protocol.OFFlowModFlags.SEND_FLOW_REM);
        final List<OFAction> toTwo = List.of(OF13.actions().output(OFPort.of(2), 0));
        controller.send(bytes(OF13.buildFlowAdd().setXid(xid++).setPriority(30).setCookie(U64.of(9)).setHardTimeout(1)
                .setFlags(flag).setMatch(udp).setInstructions(List.of(OF13.instructions().applyActions(toTwo))).build()));
        controller.send(bytes(OF13.buildFlowAdd().setXid(xid++).setPriority(31).setCookie(U64.of(10)).setFlags(flag)
                .setMatch(udp).setInstructions(List.of(OF13.instructions().applyActions(toTwo))).build()));
        controller.send(bytes(OF13.buildFlowAdd().setXid(xid++).setPriority(32).setCookie(U64.of(11))
                .setMatch(udp).setInstructions(List.of(OF13.instructions().applyActions(toTwo))).build()));
        assertTrue(barrier().isEmpty());
        for (int priority : new int[] {31, 32}) {
            controller.send(bytes(OF13.buildFlowDeleteStrict().setXid(xid++).setPriority(priority).setMatch(udp)
                    .setTableId(org.projectfloodlight.openflow.types.TableId.of(0)).build()));
        }
        final List<String> removed = new ArrayList<>();
        while (removed.size() < 2) {
            if (OfClient.parse(controller.next()) instanceof org.projectfloodlight.openflow.protocol.OFFlowRemoved r) {
                removed.add(r.getCookie().getValue() + " " + r.getReason() + " priority " + r.getPriority());
            }
        }
        assertEquals(List.of("10 DELETE priority 31", "9 HARD_TIMEOUT priority 30"), removed,
                "the deleted rule at once, the one with a hard timeout when it expired; none for cookie 11");
    }
}
