package io.flowgate.fastpath.action;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static io.flowgate.fastpath.testing.PacketBuilder.ipv4Value;
import static io.flowgate.fastpath.testing.PacketBuilder.ipv6Half;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.testing.BatchFixture;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Wire;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Datapath actions change packets in place and keep every checksum a receiver checks valid
 * (compared here against a full recomputation), except where OVS deliberately leaves one alone.
 */
class ActionExecutorTest {
    private static final int ALL = -1;

    private static byte[] udp4(final String src, final String dst) {
        return eth().ipv4(src, dst).udp(1000, 2000).payload(23).build();
    }

    private static DpActions setNw(final String src, final String dst) {
        return DpActions.builder().setIpv4((int) ipv4Value(src), ALL, (int) ipv4Value(dst), ALL, 0, 0, 0, 0)
                .output(2).build();
    }

    @Test
    void settingIpv4AddressesKeepsTheHeaderAndTransportChecksumsValid() {
        for (byte[] frame : List.of(udp4("10.0.0.1", "10.0.0.2"),
                eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1000, 80, 0x18).payload(11).build())) {
            try (BatchFixture b = new BatchFixture(1, frame).execute(setNw("192.168.255.254", "172.16.0.9"))) {
                final Wire w = new Wire(b.sent.getFirst().frame());
                assertEquals("192.168.255.254", w.ipv4Src());
                assertEquals("172.16.0.9", w.ipv4Dst());
                assertTrue(w.ipv4ChecksumOk(), "IPv4 header checksum");
                assertTrue(w.l4ChecksumOk(), "transport checksum");
            }
        }
    }

    @Test
    void randomRewritesAlwaysVerify() {
        final SplittableRandom r = new SplittableRandom(42);
        for (int n = 0; n < 2000; n++) {
            final String src = r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            final String dst = r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            final byte[] frame = r.nextBoolean()
                    ? eth().ipv4(src, dst, r.nextInt(256), 1 + r.nextInt(255), 0).udp(r.nextInt(65536), r.nextInt(65536))
                            .payload(r.nextInt(40)).build()
                    : eth().ipv4(src, dst, r.nextInt(256), 1 + r.nextInt(255), 0)
                            .tcp(r.nextInt(65536), r.nextInt(65536), r.nextInt(64)).payload(r.nextInt(40)).build();
            final int proto = new Wire(frame).proto();
            final DpActions a = DpActions.builder()
                    .setIpv4(r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(256), r.nextInt(256) & 0xFC,
                            r.nextInt(256), 0xFF)
                    .setL4(proto, r.nextInt(65536), r.nextInt(65536), r.nextInt(65536), 0xFFFF)
                    .output(2).build();
            try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
                final Wire w = new Wire(b.sent.getFirst().frame());
                assertTrue(w.ipv4ChecksumOk(), () -> "IPv4 checksum after " + a);
                assertTrue(w.l4ChecksumOk(), () -> "L4 checksum after " + a);
            }
        }
    }

    @Test
    void aZeroUdpChecksumStaysZero() {
        final byte[] frame = eth().ipv4("10.0.0.1", "10.0.0.2").udpNoChecksum(1, 2).payload(10).build();
        final DpActions a = DpActions.builder()
                .setIpv4((int) ipv4Value("1.2.3.4"), ALL, 0, 0, 0, 0, 0, 0)
                .setL4(17, 999, 0xFFFF, 0, 0).output(2).build();
        try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
            final Wire w = new Wire(b.sent.getFirst().frame());
            assertEquals(0, w.l4ChecksumField());
            assertEquals(999, w.tpSrc());
            assertTrue(w.ipv4ChecksumOk());
        }
    }

    @Test
    void decrementingTtlAndSettingDscpUpdateTheHeaderChecksumOnly() {
        final byte[] frame = eth().ipv4("10.0.0.1", "10.0.0.2", 0x03, 64, 0).udp(1, 2).payload(4).build();
        final DpActions a = DpActions.builder().setIpv4(0, 0, 0, 0, 0xB8, 0xFC, 63, 0xFF).output(2).build();
        try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
            final byte[] out = b.sent.getFirst().frame();
            final Wire w = new Wire(out);
            assertEquals(0xBB, w.u8(15), "DSCP set, ECN bits kept");
            assertEquals(63, w.u8(22));
            assertTrue(w.ipv4ChecksumOk());
            assertTrue(w.l4ChecksumOk());
        }
    }

    @Test
    void transportPortsChangeWithTheirChecksum() {
        for (byte[] frame : List.of(udp4("10.0.0.1", "10.0.0.2"),
                eth().ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2, 0x02).build())) {
            final int proto = new Wire(frame).proto();
            try (BatchFixture b = new BatchFixture(1, frame)
                    .execute(DpActions.builder().setL4(proto, 4321, 0xFFFF, 8080, 0xFFFF).output(2).build())) {
                final Wire w = new Wire(b.sent.getFirst().frame());
                assertEquals(4321, w.tpSrc());
                assertEquals(8080, w.tpDst());
                assertTrue(w.l4ChecksumOk());
            }
        }
    }

    @Test
    void ipv6AddressRewritesFixTheTransportAndIcmpv6Checksums() {
        final long[] src = {ipv6Half("fd00::1:2", 0), ipv6Half("fd00::1:2", 1)};
        final long[] dst = {ipv6Half("2001:db8:ffff::99", 0), ipv6Half("2001:db8:ffff::99", 1)};
        for (byte[] frame : List.of(
                eth().ipv6("2001:db8::1", "2001:db8::2").udp(5, 6).payload(9).build(),
                eth().ipv6("2001:db8::1", "2001:db8::2").tcp(5, 6, 0x10).build(),
                eth().ipv6("2001:db8::1", "2001:db8::2").icmp6(128, 0, PacketBuilder.u32(0x12340001)).build())) {
            final DpActions a = DpActions.builder()
                    .setIpv6(src[0], src[1], -1, -1, dst[0], dst[1], -1, -1, 0, 0, 0, 0, 7, 0xFF).output(2).build();
            try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
                final byte[] out = b.sent.getFirst().frame();
                final Wire w = new Wire(out);
                assertTrue(w.l4ChecksumOk(), () -> "checksum of protocol " + w.proto());
                assertEquals(7, w.u8(14 + 7), "hop limit");
                assertEquals(0xfd, w.u8(14 + 8));
                assertEquals(0x99, w.u8(14 + 39));
            }
        }
    }

    @Test
    void settingArpFieldsWritesOnlyWhatTheMasksCover() {
        final byte[] frame = eth().arp(1, "02:00:00:00:00:01", "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2").build();
        final DpActions a = DpActions.builder().setArp((int) ipv4Value("10.0.0.9"), ALL, 0, 0, 2, 0xFFFF,
                PacketBuilder.macValue("aa:bb:cc:dd:ee:ff"), 0xFFFF_FFFF_FFFFL, 0, 0).output(2).build();
        try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
            final byte[] out = b.sent.getFirst().frame();
            final byte[] expected = eth().arp(2, "aa:bb:cc:dd:ee:ff", "10.0.0.9", "00:00:00:00:00:00", "10.0.0.2")
                    .build();
            assertArrayEquals(expected, out, "op, sha and spa written; tha and tpa as they were");
        }
    }

    @Test
    void settingNeighbourDiscoveryFieldsRewritesTheTargetAndItsLinkLayerOptionWithAValidChecksum() {
        final long[] target = {ipv6Half("fe80::99", 0), ipv6Half("fe80::99", 1)};
        final long sll = PacketBuilder.macValue("aa:bb:cc:00:00:01");
        final long tll = PacketBuilder.macValue("aa:bb:cc:00:00:02");
        final long mac = 0xFFFF_FFFF_FFFFL;
        final DpActions a = DpActions.builder().setNd(target[0], target[1], -1, -1, sll, mac, tll, mac).output(2)
                .build();
        final String src = "fe80::1";
        final String dst = "ff02::1:ff00:1";
        for (int type : new int[] {135, 136}) {
            final int option = type == 135 ? 1 : 2;
            final byte[] frame = eth().ipv6(src, dst).nd(type, "fe80::5", option, "02:00:00:00:00:05").build();
            try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
                final byte[] out = b.sent.getFirst().frame();
                final String want = type == 135 ? "aa:bb:cc:00:00:01" : "aa:bb:cc:00:00:02";
                assertArrayEquals(eth().ipv6(src, dst).nd(type, "fe80::99", option, want).build(), out,
                        "type " + type + ": the target and the " + (type == 135 ? "source" : "target")
                                + " link-layer option, the checksum as a full recomputation gives it");
                assertTrue(new Wire(out).l4ChecksumOk());
            }
        }
        final byte[] bare = eth().ipv6(src, dst).nd(135, "fe80::5", 0, null).build();
        try (BatchFixture b = new BatchFixture(1, bare).execute(a)) {
            assertArrayEquals(eth().ipv6(src, dst).nd(135, "fe80::99", 0, null).build(), b.sent.getFirst().frame(),
                    "no option: the target only");
        }
    }

    @Test
    void pushingAVlanUsesTheHeadroomAndLaterActionsFollowTheShiftedHeaders() {
        final byte[] frame = udp4("10.0.0.1", "10.0.0.2");
        final DpActions a = DpActions.builder().pushVlan(0x8100, 0x1000 | (3 << 13) | 20)
                .setIpv4(0, 0, (int) ipv4Value("10.9.9.9"), ALL, 0, 0, 0, 0).output(2).build();
        try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
            final byte[] out = b.sent.getFirst().frame();
            assertEquals(frame.length + 4, out.length);
            final Wire w = new Wire(out);
            assertEquals(0x8100, w.u16(12));
            assertEquals((3 << 13) | 20, w.u16(14), "tci on the wire has CFI/DEI clear");
            assertEquals("10.9.9.9", w.ipv4Dst());
            assertTrue(w.ipv4ChecksumOk());
            assertTrue(w.l4ChecksumOk());
        }
    }

    @Test
    void popVlanRestoresTheUntaggedFrame() {
        final byte[] plain = udp4("10.0.0.1", "10.0.0.2");
        final byte[] tagged = eth().vlan(0x8100, 7, 5).ipv4("10.0.0.1", "10.0.0.2").udp(1000, 2000).payload(23).build();
        try (BatchFixture b = new BatchFixture(1, tagged).execute(DpActions.builder().popVlan().output(2).build())) {
            assertArrayEquals(plain, b.sent.getFirst().frame());
        }
    }

    @Test
    void setEthernetHonoursItsMask() {
        final byte[] frame = udp4("10.0.0.1", "10.0.0.2");
        final DpActions a = DpActions.builder()
                .setEth(0, 0, PacketBuilder.macValue("aa:bb:cc:00:00:00"), PacketBuilder.macValue("ff:ff:ff:00:00:00"))
                .output(2).build();
        try (BatchFixture b = new BatchFixture(1, frame).execute(a)) {
            final byte[] out = b.sent.getFirst().frame();
            final byte[] expected = frame.clone();
            expected[0] = (byte) 0xaa;
            expected[1] = (byte) 0xbb;
            expected[2] = (byte) 0xcc;
            assertArrayEquals(expected, out);
        }
    }

    @Test
    void laterFragmentsKeepTheirPayloadWhenPortsAreSet() {
        final byte[] fragment = eth().ipv4("10.0.0.1", "10.0.0.2", 0, 64, 100).udp(1, 2).payload(8).build();
        try (BatchFixture b = new BatchFixture(1, fragment)
                .execute(DpActions.builder().setL4(17, 9, 0xFFFF, 9, 0xFFFF).output(2).build())) {
            assertArrayEquals(fragment, b.sent.getFirst().frame());
        }
    }

    @Test
    void everyPacketOfTheGroupIsSentToEveryOutputInOrderAndOnlyTheLastIsMarkedLast() {
        try (BatchFixture b = new BatchFixture(1, udp4("10.0.0.1", "10.0.0.2"), udp4("10.0.0.3", "10.0.0.4"))
                .execute(DpActions.builder().output(3).output(2).build())) {
            assertEquals(List.of("3:0:false", "3:1:false", "2:0:true", "2:1:true"),
                    b.sent.stream().map(s -> s.port() + ":" + s.packet() + ":" + s.last()).toList());
            assertTrue(b.dropped.isEmpty());
        }
    }

    @Test
    void dropsSayWhy() {
        try (BatchFixture b = new BatchFixture(1, udp4("10.0.0.1", "10.0.0.2")).execute(DpActions.DROP)) {
            assertEquals(List.of(new BatchFixture.Dropped(0, DropReason.ACTION)), b.dropped);
        }
        try (BatchFixture b = new BatchFixture(1, udp4("10.0.0.1", "10.0.0.2"))
                .execute(DpActions.builder().userspaceController(1, 0, 0, 0, 65535).build())) {
            assertEquals(List.of(new BatchFixture.Dropped(0, DropReason.CONTROLLER)), b.dropped);
            assertFalse(b.sent.iterator().hasNext());
        }
    }
}
