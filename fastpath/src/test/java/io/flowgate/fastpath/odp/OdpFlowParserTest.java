package io.flowgate.fastpath.odp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The datapath flow syntax as netdev-dummy/receive reads it: what OVS 3.1 refuses is refused with
 * OVS's message (oracle/compose/errors.txt, made by make.sh), followed by what exactly is wrong;
 * what OVS accepts and drops is accepted; values land in the key's fields.
 */
class OdpFlowParserTest {
    /** A flow OVS refused, and the start of OVS's error (before "; the flow key in error is: ..."). */
    record Refusal(String flow, String ovsError) {
        @Override
        public String toString() {
            return flow;
        }
    }

    /** The lines of errors.txt with one argument that is a flow (the others are the command's business). */
    static Stream<Refusal> ovsRefusals() throws IOException {
        return Files.readAllLines(TestResources.path("oracle/compose/errors.txt")).stream()
                .map(l -> l.split("\t"))
                .filter(f -> f.length == 2 && !f[0].startsWith("("))
                .map(f -> new Refusal(f[0], f[1].replaceAll("; the flow key in error is: .*", "")));
    }

    @ParameterizedTest
    @MethodSource("ovsRefusals")
    void whatOvsRefusesIsRefusedWithOvssMessage(final Refusal r) {
        final String message = assertThrows(IllegalArgumentException.class, () -> OdpFlowParser.parse(r.flow()))
                .getMessage();
        assertTrue(message.startsWith(r.ovsError()), "OVS: " + r.ovsError() + "\nhere: " + message);
    }

    @Test
    void aSyntaxErrorSaysWhatIsWrongAfterOvssText() {
        assertEquals("syntax error at eth(src=zz): eth src \"zz\" is not an Ethernet address",
                refusal("in_port(1),eth(src=zz)"));
        assertEquals("syntax error at eth(src=50:54:00:00:00:05,colour=red): eth has no field \"colour\" (its fields:"
                + " dst, src)", refusal("in_port(1),eth(src=50:54:00:00:00:05,colour=red)"));
        assertEquals("syntax error at tcp(src=70000,dst=1): tcp src 70000 is out of range (0 to 65535)",
                refusal("eth(),eth_type(0x0800),ipv4(proto=6),tcp(src=70000,dst=1)"));
        assertEquals("syntax error at encap(ipv4(ttl=x)): ipv4 ttl needs a number, found \"x))\"",
                refusal("eth(),eth_type(0x8100),vlan(vid=1),encap(ipv4(ttl=x))"));
        assertEquals("syntax error at recirc_id(0/1): recirc_id takes no mask", refusal("recirc_id(0/1)"));
        assertEquals("syntax error at eth(: eth( is not closed", refusal("eth("));
        assertTrue(refusal("in_port(1),ct_state(+trk),eth()").startsWith("syntax error at ct_state(+trk),eth():"
                + " ct_state(...) is valid ODP syntax but Flowgate does not compose packets with it"));
        assertEquals("eth_type(0x8847): Flowgate does not compose MPLS packets", refusal("eth(),eth_type(0x8847)"));
    }

    @Test
    void valuesLandInTheirFields() {
        final long[] k = OdpFlowParser.parse("recirc_id(0),in_port(3),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:05,"
                + "dst=50:54:00:00:00:07),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.0.0.1,"
                + "dst=10.0.0.2,proto=6,tos=0x2e,ttl=64,frag=first),tcp(src=1234,dst=80),tcp_flags(syn|ack))");
        assertEquals(0x5054_0000_0005L, FlowKey.ethSrc(k, 0));
        assertEquals(0x5054_0000_0007L, FlowKey.ethDst(k, 0));
        assertEquals(0x8100, FlowKey.vlan0Tpid(k, 0));
        assertEquals(FlowKey.VLAN_CFI | (3 << 13) | 10, FlowKey.vlan0Tci(k, 0));
        assertEquals(FlowKey.ETH_TYPE_IP, FlowKey.dlType(k, 0));
        assertEquals(0x0A00_0001, FlowKey.nwSrc(k, 0));
        assertEquals(0x0A00_0002, FlowKey.nwDst(k, 0));
        assertEquals(6, FlowKey.nwProto(k, 0));
        assertEquals(0x2e, FlowKey.nwTos(k, 0));
        assertEquals(64, FlowKey.nwTtl(k, 0));
        assertEquals(FlowKey.FRAG_ANY, FlowKey.nwFrag(k, 0));
        assertEquals(1234, FlowKey.tpSrc(k, 0));
        assertEquals(80, FlowKey.tpDst(k, 0));
        assertEquals(0x12, FlowKey.tcpFlags(k, 0));
        assertEquals(0, FlowKey.inPort(k, 0), "metadata is not kept");

        final long[] nd = OdpFlowParser.parse("eth(),eth_type(0x86dd),ipv6(src=fe80::1,dst=::ffff:10.0.0.1,label=0x12345,"
                + "proto=58,tclass=0x70,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=2001:db8::1,"
                + "sll=00:00:00:00:00:0a)");
        assertEquals(0xFE80_0000_0000_0000L, nd[FlowKey.W_IPV6_SRC]);
        assertEquals(1L, nd[FlowKey.W_IPV6_SRC + 1]);
        assertEquals(0x0000_FFFF_0A00_0001L, nd[FlowKey.W_IPV6_DST + 1], "an IPv4-mapped address stays IPv6");
        assertEquals(0x12345, FlowKey.ipv6Label(nd, 0));
        assertEquals(0x70, FlowKey.nwTos(nd, 0));
        assertEquals(135, FlowKey.tpSrc(nd, 0));
        assertEquals(0x2001_0db8_0000_0000L, nd[FlowKey.W_ND_TARGET]);
        assertEquals(10, FlowField.ARP_SHA.get(nd));
    }

    @Test
    void whatOvsAcceptsAndDropsIsAcceptedAndDropped() {
        // No eth_type: ipv4 implies it. Masks where OVS reads them (single values) are ignored.
        final long[] k = OdpFlowParser.parse("ufid:4ae9b3aa-f6a7-4a0b-8b4a-8b6b0b1b2b3b skb_mark(1/0xff) eth() "
                + "ipv4(src=010.0.0.1,ttl=0100,proto=6) tcp(src=1,) tcp_flags(+syn-ack) udp(src=9,dst=9)");
        assertEquals(FlowKey.ETH_TYPE_IP, FlowKey.dlType(k, 0));
        assertEquals(0x0A00_0001, FlowKey.nwSrc(k, 0), "IPv4 octets are decimal");
        assertEquals(64, FlowKey.nwTtl(k, 0), "0100 is octal");
        assertEquals(1, FlowKey.tpSrc(k, 0), "udp() does not fit a TCP flow and is ignored");
        assertEquals(0x02, FlowKey.tcpFlags(k, 0), "+syn-ack: syn set");
        // Nothing at all is an 802.3 frame with zero addresses, as OVS composes for an empty flow.
        assertEquals(FlowKey.DL_TYPE_NONE, FlowKey.dlType(OdpFlowParser.parse(""), 0));
        // A VLAN ethertype without vlan() and encap() keeps the tag's type only.
        final long[] bare = OdpFlowParser.parse("eth(),eth_type(0x8100)");
        assertEquals(0x8100, FlowKey.vlan0Tpid(bare, 0));
        assertEquals(0, FlowKey.dlType(bare, 0));
    }

    private static String refusal(final String flow) {
        return assertThrows(IllegalArgumentException.class, () -> OdpFlowParser.parse(flow)).getMessage();
    }
}
