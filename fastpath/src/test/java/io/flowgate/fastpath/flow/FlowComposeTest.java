package io.flowgate.fastpath.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.odp.OdpFlowParser;
import io.flowgate.fastpath.odp.OdpFormat;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frames composed from flows are the frames Open vSwitch 3.1 composes: every flow of
 * {@code oracle/compose/compose.txt} (made by {@code oracle/compose/make.sh}, which sends each
 * through a real OVS with {@code netdev-dummy/receive} and reads back what its port transmits)
 * gives the same bytes here; their checksums hold; and the parser reads a composed frame back
 * into the flow it came from.
 */
class FlowComposeTest {
    private static final HexFormat HEX = HexFormat.of();

    /** One line of compose.txt: --len (or "-"), the flow, the frame OVS sent. */
    record Case(String len, String flow, String hex) {
        byte[] compose() {
            final long[] key = OdpFlowParser.parse(flow);
            return len.equals("-") ? FlowCompose.compose(key, FlowCompose.DEFAULT_PAYLOAD)
                    : FlowCompose.composeLength(key, Integer.parseInt(len));
        }

        @Override
        public String toString() {
            return (len.equals("-") ? "" : "--len " + len + " ") + flow;
        }
    }

    static Stream<Case> ovsCases() throws IOException {
        return Files.readAllLines(TestResources.path("oracle/compose/compose.txt")).stream()
                .filter(l -> !l.isBlank())
                .map(l -> l.split("\t"))
                .map(f -> new Case(f[0], f[1], f[2]));
    }

    /** IPv6 fragments: OVS composes no fragment header, so nothing in the frame says what it is. */
    private static boolean ipv6Fragment(final Case c) {
        return c.flow().contains("ipv6(") && (c.flow().contains("frag=first") || c.flow().contains("frag=later"));
    }

    /** The cases whose frame says everything its flow does (see aFewFlowsCannotSurviveCompositionInOvsEither). */
    static Stream<Case> faithfulCases() throws IOException {
        return ovsCases().filter(c -> !ipv6Fragment(c) && !c.flow().contains("op=3"));
    }

    @ParameterizedTest
    @MethodSource("ovsCases")
    void aFlowBecomesTheFrameOvsComposesForIt(final Case c) {
        assertEquals(c.hex(), HEX.formatHex(c.compose()));
    }

    @ParameterizedTest
    @MethodSource("faithfulCases")
    void everyChecksumOfAComposedFrameHolds(final Case c) {
        final byte[] frame = c.compose();
        final int checked = ChecksumCheck.verify(frame);
        // SCTP (OVS leaves its CRC zero) and non-IP frames have none to check.
        final boolean none = c.flow().contains("proto=132")
                || !(c.flow().contains("ipv4(") || c.flow().contains("ipv6(") || c.flow().contains("0x0800"));
        assertTrue(none || checked > 0, "no checksum found in " + HEX.formatHex(frame));
    }

    @ParameterizedTest
    @MethodSource("faithfulCases")
    void theParserReadsAComposedFrameBackAsItsFlow(final Case c) {
        final long[] key = OdpFlowParser.parse(c.flow());
        final byte[] frame = c.compose();
        final long[] parsed = new long[FlowKey.WORDS];
        new FlowExtractor(new ParseCounters(), 2).extract(MemorySegment.ofArray(frame), 0, frame.length, 0, parsed, 0);
        final long[] fields = FlowMask.relevantFields(key);
        assertArrayEquals(fields, FlowMask.relevantFields(parsed), c.toString());
        assertArrayEquals(FlowMask.of(fields).apply(key), FlowMask.of(fields).apply(parsed),
                () -> c + "\nparsed back as " + OdpFormat.key(parsed, fields, false, null));
    }

    @Test
    void aFewFlowsCannotSurviveCompositionInOvsEither() {
        // ARP opcodes other than request and reply get no addresses.
        final long[] arp = OdpFlowParser.parse("eth(),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=3)");
        assertEquals("000000000000000000000000" + "0806" + "0001080006040003" + "00".repeat(20),
                HEX.formatHex(FlowCompose.compose(arp, 64)));
        // IPv6 fragments get no fragment header: the frag field only stops the transport header.
        final long[] v6 = OdpFlowParser.parse("eth(),eth_type(0x86dd),ipv6(proto=17,hlimit=1,frag=first),udp(src=1,dst=2)");
        final byte[] frame = FlowCompose.compose(v6, 0);
        assertEquals(14 + 40 + 8, frame.length);
        assertEquals(17, frame[14 + 6], "next header is UDP itself");
    }

    /** Pairs of a flow and its frame that OVS's own test suite holds (OVS 3.1 tests/*.at). */
    @Test
    void framesThatOvsOwnTestsExpect() {
        // tests/pmd.at, "PMD - non pmd device": the frame br0's tx_pcap holds.
        assertEquals("50540000000a50540000000908004500005c000000004001669f0a0000020a000001080013fc0000000000"
                + "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
                + "303132333435363738393a3b3c3d3e3f", compose("in_port(1),eth(src=50:54:00:00:00:09,"
                + "dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=1,tos=0,ttl=64,"
                + "frag=no),icmp(type=8,code=0)"));
        // tests/mcast-snooping.at: the frame p2.pcap holds, less the VLAN tag 1725 the switch pushed.
        assertEquals("01005e5e0101aa55aa55000108004500005c00000000401180310a000001ef5e010100001f40004801ba0001"
                + "02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30"
                + "3132333435363738393a3b3c3d3e3f", compose("in_port(1),eth(src=aa:55:aa:55:00:01,"
                + "dst=01:00:5e:5e:01:01),eth_type(0x0800),ipv4(src=10.0.0.1,dst=239.94.1.1,proto=17,tos=0,"
                + "ttl=64,frag=no),udp(src=0,dst=8000)"));
        // tests/ofproto-dpif.at, the packet-ins' lengths and checksums: TCP ACK 118 bytes tcp_csum:4a2c,
        // TCP SYN 54 bytes tcp_csum:2e7d, UDP6 126 bytes udp_csum:bfe2.
        final String ack = compose("in_port(1),eth(src=10:11:11:11:11:11,dst=50:54:00:00:00:07),eth_type(0x0800),"
                + "ipv4(src=192.168.0.1,dst=192.168.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=8,dst=9),tcp_flags(0x010)");
        assertEquals(118 * 2, ack.length());
        assertEquals("4a2c", ack.substring(2 * (34 + 16), 2 * (34 + 18)));
        final String syn = compose("in_port(1),eth(src=10:11:11:11:11:11,dst=50:54:00:00:00:07),eth_type(0x0800),"
                + "ipv4(src=192.168.0.1,dst=192.168.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=8,dst=10),tcp_flags(0x002)");
        assertEquals(54 * 2, syn.length());
        assertEquals("2e7d", syn.substring(2 * (34 + 16), 2 * (34 + 18)));
        final String udp6 = compose("in_port(1),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x86dd),"
                + "ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=17,tclass=0x70,hlimit=128,frag=no),udp(src=1,dst=2)");
        assertEquals(126 * 2, udp6.length());
        assertEquals("bfe2", udp6.substring(2 * (54 + 6), 2 * (54 + 8)));
    }

    @Test
    void aVlanTagGoesBehindTheAddressesWithoutItsPresentBit() {
        final String f = compose("eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x8100),vlan(vid=99,pcp=7),"
                + "encap(eth_type(0x0806),arp(op=1))");
        assertEquals("000000000002000000000001" + "8100e063" + "0806", f.substring(0, 2 * 18));
    }

    @Test
    void lengthGrowsAFrameWithZerosAndRefusesToCutIt() {
        final long[] key = OdpFlowParser.parse("eth(),eth_type(0x0800),ipv4(proto=6,ttl=64),tcp(src=1,dst=2),"
                + "tcp_flags(ack)");
        final byte[] grown = FlowCompose.composeLength(key, 100);
        assertEquals(100, grown.length);
        assertEquals(86, ((grown[16] & 0xFF) << 8) | (grown[17] & 0xFF), "IPv4 total length covers the zeros");
        assertEquals(2, ChecksumCheck.verify(grown));
        assertEquals(54, FlowCompose.composeLength(key, 54).length, "exactly as long: kept as it is");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlowCompose.composeLength(key, 53));
        assertEquals("the packet is 54 bytes long, more than 53", e.getMessage());
    }

    private static String compose(final String flow) {
        return HEX.formatHex(FlowCompose.compose(OdpFlowParser.parse(flow), FlowCompose.DEFAULT_PAYLOAD));
    }

    /**
     * Checks a frame's Internet checksums from scratch (a sum over the covered bytes, the checksum
     * included, is 0xffff), independently of the composer.
     */
    static final class ChecksumCheck {
        private ChecksumCheck() {
        }

        /** How many checksums the frame has; each one is asserted to hold. */
        static int verify(final byte[] f) {
            int at = 12;
            while (u16(f, at) == 0x8100 || u16(f, at) == 0x88a8) {
                at += 4;
            }
            final int type = u16(f, at);
            final int l3 = at + 2;
            int checked = 0;
            final int proto;
            final int l4;
            final long pseudo;
            if (type == 0x0800) {
                assertEquals(0xFFFF, fold(sum(f, l3, 20, 0)), "IPv4 header checksum");
                checked++;
                if ((u16(f, l3 + 6) & 0x1FFF) != 0) {
                    return checked; // a later fragment
                }
                proto = f[l3 + 9] & 0xFF;
                l4 = l3 + 20;
                pseudo = sum(f, l3 + 12, 8, 0) + proto + (u16(f, l3 + 2) - 20);
            } else if (type == 0x86dd) {
                proto = f[l3 + 6] & 0xFF;
                l4 = l3 + 40;
                pseudo = sum(f, l3 + 8, 32, 0) + proto + u16(f, l3 + 4);
            } else {
                return checked;
            }
            final int len = f.length - l4;
            switch (proto) {
                case 6, 17, 58 -> {
                    assertEquals(0xFFFF, fold(sum(f, l4, len, pseudo)), "checksum of protocol " + proto);
                    checked++;
                }
                case 1, 2 -> {
                    assertEquals(0xFFFF, fold(sum(f, l4, len, 0)), "checksum of protocol " + proto);
                    checked++;
                }
                default -> {
                }
            }
            return checked;
        }

        private static int u16(final byte[] f, final int at) {
            return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
        }

        private static long sum(final byte[] f, final int from, final int len, final long initial) {
            long s = initial;
            for (int i = 0; i < len; i++) {
                s += (f[from + i] & 0xFF) << ((i & 1) == 0 ? 8 : 0);
            }
            return s;
        }

        private static int fold(final long sum) {
            long s = sum;
            while ((s >>> 16) != 0) {
                s = (s & 0xFFFF) + (s >>> 16);
            }
            return (int) s;
        }
    }
}
