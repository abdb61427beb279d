package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RuleRemoval;
import io.flowgate.slowpath.syntax.FlowSyntax;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;

/**
 * nw_ttl and ip_frag travel in Nicira's NXM fields inside an OpenFlow 1.3 match, as OVS sends
 * them: read from the message's bytes on the way in (the codec gets an empty match), spliced into
 * what the codec writes on the way out, the match's length and padding right both ways.
 */
class OfNiciraTest {
    private static final OFFactory OF13 = OFFactories.getFactory(OFVersion.OF_13);

    private static Rule rule(final String text) throws Exception {
        return FlowSyntax.parseRule("t", 1, text, 0);
    }

    private static byte[] bytes(final OFMessage m) {
        final ByteBuf b = Unpooled.buffer();
        m.writeTo(b);
        final byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    @Test
    void aFlowRemovedCarriesNwTtlAndIpFragInNiciraFieldsAndReadsBackAsTheRulesMatch() throws Exception {
        final Rule r = rule("priority=5,tcp,nw_ttl=64,ip_frag=first,tp_dst=80,actions=drop").sendingFlowRemoved();
        final byte[] removed = OfFlowTable.flowRemoved(OF13, new RuleRemoval(r, RuleRemoval.Reason.DELETE), 0);
        assertEquals(removed.length, OfNicira.u16(removed, 2), "the message's length");
        assertEquals(0, removed.length % 8, "the match padded to 8 bytes, so the message too");
        assertEquals(r.match(), OfMatches.toMatch(removed), "the whole match, Nicira fields too");

        // The codec reads the rest of it, the match (which it could not read) emptied.
        final OFMessage m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(OfNicira.forCodec(removed)));
        assertEquals(OF13.buildMatch().build(), ((OFFlowRemoved) m).getMatch());
        assertEquals(5, ((OFFlowRemoved) m).getPriority());
    }

    /**
     * A FLOW_MOD as ovs-ofctl -O OpenFlow13 sends {@code ip,nw_ttl=7,actions=controller(reason=no_match,
     * max_len=100,id=3),set_field:5->nw_ttl}: NXM_NX_IP_TTL in the match, NXAST_CONTROLLER, and a
     * set_field with the NXM header (built from the codec's nearest message, patched in place).
     */
    static byte[] flowModAsOvsOfctlSendsIt() {
        final byte[] plain = bytes(OF13.buildFlowAdd().setXid(7).setPriority(10).setMatch(OF13.buildMatch()
                .setExact(org.projectfloodlight.openflow.protocol.match.MatchField.ETH_TYPE,
                        org.projectfloodlight.openflow.types.EthType.IPv4).build())
                .setInstructions(java.util.List.of(OF13.instructions().applyActions(java.util.List.of(
                        OF13.actions().output(org.projectfloodlight.openflow.types.OFPort.CONTROLLER, 100),
                        OF13.actions().setField(OF13.oxms().ipEcn(org.projectfloodlight.openflow.types.IpEcn.ECN_10)))))
                ).build());
        final byte[] m = OfNicira.splice(plain, 2, OfNicira.MATCH_AT,
                new byte[] {0, 1, (byte) (OfNicira.IP_TTL << 1), 1, 7}, false);
        int at = OfNicira.MATCH_AT + ((OfNicira.u16(m, OfNicira.MATCH_AT + 2) + 7) & ~7) + 8; // first action
        final byte[] controller = {(byte) 0xFF, (byte) 0xFF, 0, 16, 0, 0, 0x23, 0x20, 0, 20, 0, 100, 0, 3, 0, 0};
        System.arraycopy(controller, 0, m, at, 16);
        at += 16;
        m[at + 4] = 0; // OXM_OF_IP_ECN's header (class 0x8000, field 9) becomes NXM_NX_IP_TTL's
        m[at + 5] = 1;
        m[at + 6] = (byte) (OfNicira.IP_TTL << 1);
        m[at + 8] = 5;
        return m;
    }

    @Test
    void aFlowModWithNiciraFieldsAndActionsReadsAsTheRuleTheFlowSyntaxMakes() throws Exception {
        final byte[] msg = flowModAsOvsOfctlSendsIt();
        final OFMessage m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(
                OfNiciraActions.forCodec(OfNicira.forCodec(msg))));
        final io.flowgate.slowpath.ofproto.Match match = OfMatches.toMatch(msg);
        final Rule expected = rule("priority=10,ip,nw_ttl=7,actions=controller(reason=no_match,max_len=100,id=3),"
                + "set_field:5->nw_ttl");
        assertEquals(expected.match(), match);
        assertEquals(expected.actions(), OfActions.fromInstructions(
                ((org.projectfloodlight.openflow.protocol.OFFlowMod) m).getInstructions(), 0, match));
    }

    @Test
    void aMatchEntryThatRunsPastTheMatchIsBadLenNotACrash() throws Exception {
        final Rule r = rule("priority=5,actions=drop").sendingFlowRemoved();
        final byte[] empty = OfFlowTable.flowRemoved(OF13, new RuleRemoval(r, RuleRemoval.Reason.DELETE), 0);
        // ONF's tcp_flags header claiming 4 bytes the match does not have.
        final byte[] bad = OfNicira.splice(empty, 2, OfNicira.MATCH_AT, new byte[] {-1, -1, 42 << 1, 4}, false);
        final OfError e = assertThrows(OfError.class, () -> OfMatches.toMatch(bad));
        assertEquals("OFPBMC_BAD_LEN", e.ovsName(), e.getMessage());
    }

    private static org.projectfloodlight.openflow.protocol.action.OFActionNiciraLoad load(final int header,
                                                                                        final int ofs, final int bits,
                                                                                        final long value) {
        return OF13.actions().buildNiciraLoad().setDst(header & 0xFFFF_FFFFL).setOfsNbits(ofs << 6 | (bits - 1))
                .setValue(org.projectfloodlight.openflow.types.U64.of(value)).build();
    }

    /** Loads as OVS takes them: its field widths, nw_tos's ECN bits dropped, errors as it gives them. */
    @Test
    void loadsAreReadAsOvsReadsThem() throws Exception {
        final int arpOp = 0 << 16 | 15 << 9 | 2;
        final int ipTos = 0 << 16 | 5 << 9 | 1;
        final int tcpSrc = 0 << 16 | 9 << 9 | 2;
        final int ethDstOxm = 0x8000 << 16 | 3 << 9 | 6;
        final int reg0 = 1 << 16 | 0 << 9 | 4;
        assertEquals(new OfMatches.Oxm(io.flowgate.slowpath.ofproto.OfField.ARP_OP, 0, 2, 0, 0xFF, true),
                OfNiciraActions.load(load(arpOp, 0, 16, 2)), "arp_op is 16 bits to a load, as in OVS");
        assertEquals(new OfMatches.Oxm(io.flowgate.slowpath.ofproto.OfField.NW_TOS, 0, 0x10, 0, 0xFC, true),
                OfNiciraActions.load(load(ipTos, 0, 8, 0x11)), "the TOS byte's ECN bits dropped, as OVS does");
        assertEquals(new OfMatches.Oxm(io.flowgate.slowpath.ofproto.OfField.ETH_DST, 0, 0x0A, 0, 0xFF, true),
                OfNiciraActions.load(load(ethDstOxm, 0, 8, 0x0A)), "an OXM destination too");
        assertEquals("OFPBAC_BAD_SET_LEN", assertThrows(OfError.class,
                () -> OfNiciraActions.load(load(tcpSrc, 8, 9, 1))).ovsName(), "bits 8..16 of a 16-bit field");
        assertEquals("OFPBAC_BAD_ARGUMENT", assertThrows(OfError.class,
                () -> OfNiciraActions.load(load(tcpSrc, 0, 8, 0x100))).ovsName(), "a value wider than its bits");
        assertEquals("OFPBAC_BAD_SET_TYPE", assertThrows(OfError.class,
                () -> OfNiciraActions.load(load(reg0, 0, 32, 1))).ovsName(), "no registers");
    }

    /** A peer cannot pass a load of its own for the carrier of a controller action. */
    @Test
    void aLoadToTheCarriersHeaderFromAPeerIsRefused() throws Exception {
        final byte[] msg = bytes(OF13.buildFlowAdd().setXid(7).setPriority(10).setMatch(OF13.buildMatch().build())
                .setInstructions(java.util.List.of(OF13.instructions().applyActions(java.util.List.of(
                        OfNiciraActions.carrier(OF13, new io.flowgate.slowpath.ofproto.OfAction.Controller(100, 0, 3))))))
                .build());
        final OFMessage m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(
                OfNiciraActions.forCodec(OfNicira.forCodec(msg))));
        final OfError e = assertThrows(OfError.class, () -> OfActions.fromInstructions(
                ((org.projectfloodlight.openflow.protocol.OFFlowMod) m).getInstructions(), 0, OfMatches.toMatch(msg)));
        assertEquals("OFPBAC_BAD_SET_TYPE", e.ovsName(), e.getMessage());
    }

    @Test
    void aMessageWithAnEmptyMatchGoesToTheCodecAsItIs() throws Exception {
        final Rule r = rule("priority=5,actions=drop").sendingFlowRemoved();
        final byte[] removed = OfFlowTable.flowRemoved(OF13, new RuleRemoval(r, RuleRemoval.Reason.DELETE), 0);
        assertSame(removed, OfNicira.forCodec(removed));
        assertArrayEquals(removed, bytes(OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(removed))));
    }

    @Test
    void aNiciraFieldFlowgateDoesNotMatchOnIsRefusedAsOvsRefusesAnUnknownField() throws Exception {
        final Rule r = rule("priority=5,ip,nw_ttl=3,actions=drop").sendingFlowRemoved();
        final byte[] removed = OfFlowTable.flowRemoved(OF13, new RuleRemoval(r, RuleRemoval.Reason.DELETE), 0);
        // NXM_NX_IP_TTL's field number turned into that of NXM_NX_DP_HASH (class 1, field 35).
        for (int at = OfNicira.MATCH_AT + 4; ; at += 4 + (removed[at + 3] & 0xFF)) {
            if (OfNicira.u16(removed, at) == OfNicira.CLASS_NXM1) {
                removed[at + 2] = 35 << 1;
                break;
            }
        }
        final OfError e = assertThrows(OfError.class, () -> OfMatches.toMatch(removed));
        assertEquals("OFPBMC_BAD_FIELD", e.ovsName(), e.getMessage());
    }
}
