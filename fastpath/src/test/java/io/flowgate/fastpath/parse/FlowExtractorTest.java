package io.flowgate.fastpath.parse;

import static io.flowgate.fastpath.flow.FlowKey.*;
import static io.flowgate.fastpath.testing.PacketBuilder.ipv4Value;
import static io.flowgate.fastpath.testing.PacketBuilder.ipv6Half;
import static io.flowgate.fastpath.testing.PacketBuilder.macValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.testing.Parsed;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** Hand-built frames of every protocol the parser knows, checked word by word. */
class FlowExtractorTest {
    private static final String A = "02:00:00:00:00:0a";
    private static final String B = "02:00:00:00:00:0b";
    private static final long W1_IP = macValue(B) | ((long) ETH_TYPE_IP << DL_TYPE_SHIFT);
    private static final long W1_IPV6 = macValue(B) | ((long) ETH_TYPE_IPV6 << DL_TYPE_SHIFT);

    private static long nw(final int proto, final int tos, final int ttl, final int frag, final int label) {
        return ((long) proto << NW_PROTO_SHIFT) | ((long) tos << NW_TOS_SHIFT) | ((long) ttl << NW_TTL_SHIFT)
                | ((long) frag << NW_FRAG_SHIFT) | label;
    }

    private static long l4(final int src, final int dst) {
        return ((long) src << TP_SRC_SHIFT) | ((long) dst << TP_DST_SHIFT);
    }

    private static long flags(final int tcpFlags) {
        return (long) tcpFlags << TCP_FLAGS_SHIFT;
    }

    private static long addrs(final String src, final String dst) {
        return (ipv4Value(src) << NW_SRC_SHIFT) | ipv4Value(dst);
    }

    private static long[] key(final long... words) {
        return Arrays.copyOf(words, WORDS);
    }

    @Test
    void udpOverIpv4FillsEthernetAddressesPortsAndIpFields() {
        final Parsed p = Parsed.parse(PacketBuilder.eth(B, A).ipv4("10.0.0.1", "10.1.2.3", 0x2e, 17, 0)
                .udp(1234, 80).payload(10).build(), 7);
        assertArrayEquals(key(7, W1_IP, macValue(A), 0, addrs("10.0.0.1", "10.1.2.3"), 0, 0, 0, 0,
                nw(IPPROTO_UDP, 0x2e, 17, 0, 0), 0, 0, 0, 0, l4(1234, 80)), p.key());
        assertEquals(14, p.l3());
        assertEquals(34, p.l4());
    }

    @Test
    void tcpOverIpv4CarriesItsTwelveFlagBits() {
        final Parsed p = Parsed.parse(PacketBuilder.eth(B, A).ipv4("192.168.1.1", "172.16.0.9")
                .tcp(40000, 443, 0x012).build(), 1);
        assertEquals(l4(40000, 443), p.key()[W_L4]);
        assertEquals(flags(0x012), p.key()[W_ARP_SHA]);
        assertEquals(0x012, tcpFlags(p.key(), 0));
        assertEquals(nw(IPPROTO_TCP, 0, 64, 0, 0), p.key()[W_NW]);
    }

    @Test
    void sctpAndIcmpPutPortsOrTypeAndCodeInTheTransportWord() {
        assertEquals(l4(5000, 6000), Parsed.parse(PacketBuilder.eth().ipv4("1.1.1.1", "2.2.2.2")
                .sctp(5000, 6000).build(), 1).key()[W_L4]);
        final Parsed icmp = Parsed.parse(PacketBuilder.eth().ipv4("1.1.1.1", "2.2.2.2").icmp(3, 4).build(), 1);
        assertEquals(l4(3, 4), icmp.key()[W_L4]);
        assertEquals(IPPROTO_ICMP, nwProto(icmp.key(), 0));
    }

    @Test
    void vlanTagIsKeptWithTheCfiPresenceBitAndTheInnerEthertypeBecomesDlType() {
        final Parsed p = Parsed.parse(PacketBuilder.eth(B, A).vlan(0x8100, 100, 5).ipv4("10.0.0.1", "10.0.0.2")
                .udp(1, 2).build(), 1);
        assertEquals(ETH_TYPE_IP, dlType(p.key(), 0));
        assertEquals((5 << 13) | VLAN_CFI | 100, vlan0Tci(p.key(), 0));
        assertEquals(ETH_TYPE_VLAN_8021Q, vlan0Tpid(p.key(), 0));
        assertEquals(0, vlan1Tci(p.key(), 0));
        assertEquals(18, p.l3());
    }

    @Test
    void withVlanLimitOneTheSecondTagIsTheDlType() {
        final byte[] qinq = PacketBuilder.eth(B, A).vlan(0x88A8, 20, 1).vlan(0x8100, 30, 0)
                .ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
        final Parsed one = Parsed.parse(qinq, 1);
        assertEquals(ETH_TYPE_VLAN_8021Q, dlType(one.key(), 0));
        assertEquals(ETH_TYPE_VLAN_8021AD, vlan0Tpid(one.key(), 0));
        assertEquals((1 << 13) | VLAN_CFI | 20, vlan0Tci(one.key(), 0));
        assertEquals(0, one.key()[W_NW_ADDR]);

        final Parsed two = Parsed.parse(qinq, 1, 2);
        assertEquals(ETH_TYPE_IP, dlType(two.key(), 0));
        assertEquals(ETH_TYPE_VLAN_8021Q, vlan1Tpid(two.key(), 0));
        assertEquals(VLAN_CFI | 30, vlan1Tci(two.key(), 0));
        assertEquals(addrs("10.0.0.1", "10.0.0.2"), two.key()[W_NW_ADDR]);
        assertEquals(22, two.l3());
    }

    @Test
    void truncatedVlanTagIsNotParsedAndTheTpidBecomesDlType() {
        final Parsed p = Parsed.parse(PacketBuilder.hex("02000000000b02000000000a" + "8100" + "0064"), 1);
        assertEquals(ETH_TYPE_VLAN_8021Q, dlType(p.key(), 0));
        assertEquals(0, p.key()[W_VLAN]);
        assertEquals(1, p.counters().get(ParseAnomaly.VLAN_TRUNCATED));
    }

    @Test
    void arpPutsAddressesInNwFieldsAndTheOpcodeInNwProto() {
        final Parsed p = Parsed.parse(PacketBuilder.eth("ff:ff:ff:ff:ff:ff", A)
                .arp(2, "aa:bb:cc:dd:ee:ff", "1.2.3.4", A, "5.6.7.8").build(), 3);
        assertEquals(ETH_TYPE_ARP, dlType(p.key(), 0));
        assertEquals(addrs("1.2.3.4", "5.6.7.8"), p.key()[W_NW_ADDR]);
        assertEquals(2, nwProto(p.key(), 0));
        assertEquals(macValue("aa:bb:cc:dd:ee:ff"), p.key()[W_ARP_SHA]);
        assertEquals(macValue(A), p.key()[W_ARP_THA]);
    }

    @Test
    void ipv6WithExtensionHeadersFindsTheTransportProtocol() {
        final Parsed p = Parsed.parse(PacketBuilder.eth(B, A)
                .ipv6("2001:db8::1", "2001:db8:1::2", 0x21, 0x12345, 9)
                .ipv6Ext(IPPROTO_HOPOPTS).ipv6Ext(IPPROTO_ROUTING).ipv6Ext(IPPROTO_DSTOPTS)
                .udp(53, 5353).build(), 2);
        assertArrayEquals(key(2, W1_IPV6, macValue(A), 0, 0,
                ipv6Half("2001:db8::1", 0), ipv6Half("2001:db8::1", 1),
                ipv6Half("2001:db8:1::2", 0), ipv6Half("2001:db8:1::2", 1),
                nw(IPPROTO_UDP, 0x21, 9, 0, 0x12345), 0, 0, 0, 0, l4(53, 5353)), p.key());
        assertEquals(14 + 40 + 24, p.l4());
    }

    @Test
    void ipv6FirstFragmentHasPortsAndLaterFragmentHasProtocolFragment() {
        final Parsed first = Parsed.parse(PacketBuilder.eth().ipv6("2001:db8::1", "2001:db8::2")
                .ipv6Fragment(0, true).tcp(3, 4, 0x02).build(), 1);
        assertEquals(nw(IPPROTO_TCP, 0, 64, FRAG_ANY, 0), first.key()[W_NW]);
        assertEquals(l4(3, 4), first.key()[W_L4]);
        assertEquals(0x02, tcpFlags(first.key(), 0));

        final Parsed later = Parsed.parse(PacketBuilder.eth().ipv6("2001:db8::1", "2001:db8::2")
                .ipv6Fragment(185, false).tcp(3, 4, 0x02).build(), 1);
        assertEquals(nw(IPPROTO_FRAGMENT, 0, 64, FRAG_ANY | FRAG_LATER, 0), later.key()[W_NW]);
        assertEquals(0, later.key()[W_L4]);
        assertEquals(1, later.counters().get(ParseAnomaly.IP_LATER_FRAGMENT));

        final Parsed atomic = Parsed.parse(PacketBuilder.eth().ipv6("2001:db8::1", "2001:db8::2")
                .ipv6Fragment(0, false).udp(5, 6).build(), 1);
        assertEquals(0, nwFrag(atomic.key(), 0));
        assertEquals(l4(5, 6), atomic.key()[W_L4]);
    }

    @Test
    void ipv4FragmentsFollowOvsFirstHasPortsLaterHasNone() {
        final Parsed first = Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2", 0, 64, 0x2000)
                .udp(7, 8).payload(16).build(), 1);
        assertEquals(FRAG_ANY, nwFrag(first.key(), 0));
        assertEquals(l4(7, 8), first.key()[W_L4]);

        final Parsed later = Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2", 0, 64, 100)
                .udp(7, 8).payload(16).build(), 1);
        assertEquals(FRAG_ANY | FRAG_LATER, nwFrag(later.key(), 0));
        assertEquals(0, later.key()[W_L4]);

        final Parsed dontFragment = Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2", 0, 64, 0x4000)
                .udp(9, 10).build(), 1);
        assertEquals(0, nwFrag(dontFragment.key(), 0));
    }

    @Test
    void neighborSolicitationCarriesTargetAndSourceLinkAddress() {
        final Parsed p = Parsed.parse(PacketBuilder.eth().ipv6("fe80::1", "ff02::1:ff00:5", 0, 0, 255)
                .nd(135, "2001:db8::5", 1, "11:22:33:44:55:66").build(), 1);
        assertEquals(l4(135, 0), p.key()[W_L4]);
        assertEquals(ipv6Half("2001:db8::5", 0), p.key()[W_ND_TARGET]);
        assertEquals(ipv6Half("2001:db8::5", 1), p.key()[W_ND_TARGET + 1]);
        assertEquals(macValue("11:22:33:44:55:66"), FlowField.ARP_SHA.get(p.key()));
        assertEquals(0, p.key()[W_ARP_THA]);
        assertEquals(1, FlowKey.tcpFlags(p.key(), 0), "the first option's type, in tcp_flags as OVS keeps it");

        final Parsed na = Parsed.parse(PacketBuilder.eth().ipv6("fe80::2", "fe80::1", 0, 0, 255)
                .nd(136, "2001:db8::6", 2, "66:55:44:33:22:11").build(), 1);
        assertEquals(macValue("66:55:44:33:22:11"), na.key()[W_ARP_THA]);
        assertEquals(2, FlowKey.tcpFlags(na.key(), 0));
    }

    @Test
    void runtFramesAreDroppedAndCounted() {
        final Parsed p = Parsed.parse(new byte[13], 1);
        assertTrue(p.dropped());
        assertEquals(1, p.counters().get(ParseAnomaly.RUNT_FRAME));
        assertEquals(1, p.key()[W_IN_PORT]);
    }

    @Test
    void brokenIpv4HeadersKeepDlTypeButNoAddressesAndCountTheReason() {
        final byte[] good = PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();

        final byte[] badIhl = good.clone();
        badIhl[14] = 0x44;
        final Parsed ihl = Parsed.parse(badIhl, 1);
        assertEquals(ETH_TYPE_IP, dlType(ihl.key(), 0));
        assertEquals(0, ihl.key()[W_NW_ADDR]);
        assertEquals(1, ihl.counters().get(ParseAnomaly.IPV4_BAD_IHL));

        final byte[] longTotal = good.clone();
        longTotal[16] = 0x01;
        final Parsed total = Parsed.parse(longTotal, 1);
        assertEquals(0, total.key()[W_NW]);
        assertEquals(1, total.counters().get(ParseAnomaly.IPV4_BAD_TOTAL_LENGTH));

        final Parsed shortHeader = Parsed.parse(Arrays.copyOf(good, 14 + 19), 1);
        assertEquals(1, shortHeader.counters().get(ParseAnomaly.IPV4_TRUNCATED));
        assertEquals(FlowExtractorTestSupport.NO_OFFSETS, shortHeader.offsets());
    }

    @Test
    void ethernetPaddingBeyondTheIpTotalLengthIsNotParsedAsTransport() {
        // A 20-byte IP header announcing only itself, followed by what looks like UDP padding.
        final byte[] frame = PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(20).build();
        frame[16] = 0;
        frame[17] = 20;
        final Parsed p = Parsed.parse(frame, 1);
        assertEquals(addrs("10.0.0.1", "10.0.0.2"), p.key()[W_NW_ADDR]);
        assertEquals(0, p.key()[W_L4]);
        assertEquals(1, p.counters().get(ParseAnomaly.L4_TRUNCATED));
    }

    @Test
    void badTcpDataOffsetLeavesPortsZero() {
        final byte[] frame = PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").tcp(5, 6, 0x10).build();
        frame[14 + 20 + 12] = 0x40;
        final Parsed p = Parsed.parse(frame, 1);
        assertEquals(IPPROTO_TCP, nwProto(p.key(), 0));
        assertEquals(0, p.key()[W_L4]);
        assertEquals(1, p.counters().get(ParseAnomaly.TCP_BAD_OFFSET));
    }

    @Test
    void brokenIpv6ExtensionChainKeepsAddressesButNotProtocolFields() {
        final byte[] frame = PacketBuilder.eth().ipv6("2001:db8::1", "2001:db8::2", 1, 5, 64)
                .ipv6Ext(IPPROTO_HOPOPTS).udp(1, 2).build();
        frame[14 + 40 + 1] = 9; // hop-by-hop header claims 80 bytes
        final Parsed p = Parsed.parse(frame, 1);
        assertEquals(ipv6Half("2001:db8::1", 1), p.key()[W_IPV6_SRC + 1]);
        assertEquals(0, p.key()[W_NW]);
        assertEquals(1, p.counters().get(ParseAnomaly.IPV6_BAD_EXTENSION_CHAIN));
    }

    @Test
    void llcSnapFramesCarryTheSnapEthertypeAndPlain8023FramesGetDlTypeNone() {
        final byte[] snap = PacketBuilder.concat(PacketBuilder.hex("02000000000b02000000000a0030aaaa03000000 0800"),
                Arrays.copyOfRange(PacketBuilder.eth().ipv4("10.9.9.9", "10.8.8.8").udp(1, 2).build(), 14, 42));
        final Parsed p = Parsed.parse(snap, 1);
        assertEquals(ETH_TYPE_IP, dlType(p.key(), 0));
        assertEquals(22, p.l3());
        assertEquals(addrs("10.9.9.9", "10.8.8.8"), p.key()[W_NW_ADDR]);

        final Parsed plain = Parsed.parse(PacketBuilder.hex("02000000000b02000000000a0030424203" + "00".repeat(30)), 1);
        assertEquals(DL_TYPE_NONE, dlType(plain.key(), 0));
    }
}
