package io.flowgate.daemon.openflow;

import static io.flowgate.daemon.openflow.OfClient.OF13;
import static io.flowgate.daemon.openflow.OfClient.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFAsyncGetReply;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFRoleReply;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.errormsg.OFBadRequestErrorMsg;
import org.projectfloodlight.openflow.protocol.errormsg.OFRoleRequestFailedErrorMsg;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * ROLE_REQUEST as OVS answers it: one master at a time (a new master makes the old one a slave),
 * generation ids that must not go back (OFPRRFC_STALE), and a slave that may look but not change
 * the switch (OFPBRC_IS_SLAVE); the asynchronous configuration (SET_ASYNC, GET_ASYNC) per role.
 */
@Timeout(120)
class OfRoleTest {
    @TempDir
    Path dir;

    private Bridge dp;
    private OfServer server;
    private OfClient a;
    private OfClient b;
    private long xid = 10;

    @BeforeEach
    void start() throws Exception {
        dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:a")), null, false), new RulePipeline());
        dp.start();
        final Path socket = dir.resolve("sw.mgmt");
        server = new OfServer(new OfSwitch(dp, 1), List.of(OfTarget.parse("punix:" + socket)));
        server.start();
        a = new OfClient(socket);
        b = new OfClient(socket);
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
        server.close();
        dp.close();
    }

    /** Sends a message and returns the first reply with its xid. */
    private OFMessage ask(final OfClient c, final OFMessage m) throws Exception {
        c.send(bytes(m));
        while (true) {
            final OFMessage r = OfClient.parse(c.next());
            if (r.getXid() == m.getXid()) {
                return r;
            }
        }
    }

    private OFMessage role(final OfClient c, final OFControllerRole role, final long generation) throws Exception {
        return ask(c, OF13.buildRoleRequest().setXid(xid++).setRole(role).setGenerationId(U64.of(generation)).build());
    }

    private OFControllerRole roleOf(final OfClient c) throws Exception {
        return ((OFRoleReply) role(c, OFControllerRole.ROLE_NOCHANGE, 0)).getRole();
    }

    @Test
    void aNewMasterDemotesTheOldOneWhichMayNoLongerChangeTheSwitch() throws Exception {
        final OFRoleReply first = (OFRoleReply) role(a, OFControllerRole.ROLE_MASTER, 5);
        assertEquals(OFControllerRole.ROLE_MASTER, first.getRole());
        assertEquals(U64.of(5), first.getGenerationId());
        assertEquals(OFControllerRole.ROLE_MASTER, ((OFRoleReply) role(b, OFControllerRole.ROLE_MASTER, 6)).getRole());
        assertEquals(OFControllerRole.ROLE_SLAVE, roleOf(a), "the old master is a slave now");

        final OFMessage flowMod = ask(a, OF13.buildFlowAdd().setXid(xid++).setPriority(1)
                .setMatch(OF13.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).build());
        assertEquals(OFBadRequestCode.IS_SLAVE, assertInstanceOf(OFBadRequestErrorMsg.class, flowMod).getCode());
        assertEquals(0, dp.pipeline().current().ruleCount(), "a slave's FLOW_MOD changes nothing");
        assertEquals(OFControllerRole.ROLE_SLAVE, roleOf(a), "a slave may ask for its role");
        final OFMessage groupMod = ask(a, OF13.buildGroupAdd().setXid(xid++).setGroup(
                org.projectfloodlight.openflow.types.OFGroup.of(1)).setGroupType(
                org.projectfloodlight.openflow.protocol.OFGroupType.ALL).setBuckets(List.of()).build());
        assertEquals(OFBadRequestCode.IS_SLAVE, assertInstanceOf(OFBadRequestErrorMsg.class, groupMod).getCode());
        assertEquals(0, dp.pipeline().current().groups().size());
    }

    @Test
    void aGenerationIdOlderThanTheNewestIsStaleAndEqualIgnoresIt() throws Exception {
        role(a, OFControllerRole.ROLE_MASTER, 100);
        final OFMessage stale = role(b, OFControllerRole.ROLE_SLAVE, 99);
        assertEquals(OFRoleRequestFailedCode.STALE,
                assertInstanceOf(OFRoleRequestFailedErrorMsg.class, stale).getCode());
        assertEquals(OFControllerRole.ROLE_EQUAL, roleOf(b), "a refused request changes nothing");
        final OFRoleReply equal = (OFRoleReply) role(b, OFControllerRole.ROLE_EQUAL, 1);
        assertEquals(OFControllerRole.ROLE_EQUAL, equal.getRole());
        assertEquals(U64.of(100), equal.getGenerationId(), "the reply carries the newest generation id");
        assertEquals(OFControllerRole.ROLE_MASTER, roleOf(a), "equal does not demote a master");
        // Ids compare by the sign of their difference: 2^64 - 1 is older than 100, 100 + 2^63 - 1 newer.
        assertInstanceOf(OFRoleRequestFailedErrorMsg.class, role(b, OFControllerRole.ROLE_MASTER, -1L));
        assertEquals(OFControllerRole.ROLE_MASTER,
                ((OFRoleReply) role(b, OFControllerRole.ROLE_MASTER, 100 + Long.MAX_VALUE)).getRole());
    }

    @Test
    void beforeAnyGenerationIdTheReplySaysAllOnes() throws Exception {
        assertEquals(U64.of(-1L), ((OFRoleReply) role(a, OFControllerRole.ROLE_EQUAL, 7)).getGenerationId());
    }

    @Test
    void getAsyncReportsOpenFlow13sDefaultAndSetAsyncChangesIt() throws Exception {
        final OFAsyncGetReply d = (OFAsyncGetReply) ask(a, OF13.buildAsyncGetRequest().setXid(xid++).build());
        assertEquals(List.of(0b011L, 0b111L, 0b1111L, 0L, 0b111L, 0L), List.of(d.getPacketInMaskEqualMaster(),
                d.getPortStatusMaskEqualMaster(), d.getFlowRemovedMaskEqualMaster(), d.getPacketInMaskSlave(),
                d.getPortStatusMaskSlave(), d.getFlowRemovedMaskSlave()), "no_match and action packet-ins, all port"
                + " status and flow removed reasons; a slave only port status");
        a.send(bytes(OF13.buildAsyncSet().setXid(xid++).setPacketInMaskEqualMaster(0b1).setPortStatusMaskEqualMaster(0)
                .setFlowRemovedMaskEqualMaster(0b1111_0100).setPacketInMaskSlave(0b110).setPortStatusMaskSlave(0b100)
                .setFlowRemovedMaskSlave(0).build()));
        final OFAsyncGetReply r = (OFAsyncGetReply) ask(a, OF13.buildAsyncGetRequest().setXid(xid++).build());
        assertEquals(List.of(0b1L, 0L, 0b100L, 0b110L, 0b100L, 0L), List.of(r.getPacketInMaskEqualMaster(),
                r.getPortStatusMaskEqualMaster(), r.getFlowRemovedMaskEqualMaster(), r.getPacketInMaskSlave(),
                r.getPortStatusMaskSlave(), r.getFlowRemovedMaskSlave()), "bits of reasons never sent are dropped");
    }

    /** A port change reaches a slave (its default takes port status) and not a connection whose SET_ASYNC turned it off. */
    @Test
    void portStatusFollowsEachConnectionsAsynchronousConfigurationForItsRole() throws Exception {
        for (OfClient c : List.of(a, b)) {
            c.send(bytes(OF13.buildSetConfig().setXid(xid++).setMissSendLen(0xffff).build()));
        }
        role(b, OFControllerRole.ROLE_SLAVE, 1);
        a.send(bytes(OF13.buildAsyncSet().setXid(xid++).setPacketInMaskEqualMaster(0b11).setPortStatusMaskEqualMaster(0)
                .setFlowRemovedMaskEqualMaster(0b1111).setPacketInMaskSlave(0).setPortStatusMaskSlave(0b111)
                .setFlowRemovedMaskSlave(0).build()));
        assertEquals(1, a.roundTrip(xid++).size(), "SET_ASYNC has no reply");
        try (OfClient c = new OfClient(dir.resolve("sw.mgmt"))) {
            c.send(bytes(OF13.buildPortMod().setXid(xid++).setPortNo(OFPort.of(1))
                    .setHwAddr(org.projectfloodlight.openflow.types.MacAddress.of(0x0200_0000_0001L))
                    .setConfig(java.util.EnumSet.of(org.projectfloodlight.openflow.protocol.OFPortConfig.NO_FWD))
                    .setMask(java.util.EnumSet.of(org.projectfloodlight.openflow.protocol.OFPortConfig.NO_FWD))
                    .setAdvertise(0).build()));
            assertEquals(1, c.roundTrip(xid++).size(), "the PORT_MOD applied without an error");
        }
        final List<byte[]> toB = b.roundTrip(xid++);
        assertEquals(OFType.PORT_STATUS, OfClient.parse(toB.getFirst()).getType(), "the slave is told");
        assertEquals(1, a.roundTrip(xid++).size(), "the connection that turned port status off is not");
    }
}
