package io.flowgate.fastpath.parse;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * A frame may take the parse of the frame before it only if the full parse would give it the
 * same key and offsets: checked on random frames of many kinds followed by frames of the same
 * flow (other IP ids, checksums, sequence numbers, payloads and lengths), frames with one byte
 * changed, and unrelated frames.
 */
class RepeatedHeadersTest {
    private static final long SEED = 0x5EEDL;

    @Test
    void aFrameTakesThePreviousParseOnlyWhenTheFullParseAgrees() {
        final SplittableRandom rnd = new SplittableRandom(SEED);
        int taken = 0;
        int refusedDifferent = 0;
        int pairs = 0;
        try (Arena arena = Arena.ofConfined(); PacketBatch batch = PacketBatch.owning()) {
            for (int round = 0; round < 20_000; round++) {
                final byte[] a = frame(rnd);
                final byte[] b = switch (rnd.nextInt(4)) {
                    case 0, 1 -> sameFlow(a, rnd);
                    case 2 -> oneByteChanged(a, rnd);
                    default -> frame(rnd);
                };
                final Parsed pa = Parsed.parse(a, 1);
                final Parsed pb = Parsed.parse(b, 1);
                final int layout = RepeatedHeaders.layout(pa.offsets(), pa.key(), 0);
                if (layout == RepeatedHeaders.NONE) {
                    continue;
                }
                pairs++;
                final long addressA = copy(arena, a);
                batch.clear();
                add(batch, b);
                final boolean shortcut = RepeatedHeaders.train(layout, addressA, RepeatedHeaders.minLength(addressA), batch, 0, 1) == 1;
                final boolean agrees = Arrays.equals(pa.key(), pb.key()) && pa.offsets() == pb.offsets()
                        && pb.counters().malformed() == 0;
                if (shortcut) {
                    taken++;
                    final String why = "seed " + SEED + " round " + round + ": " + java.util.HexFormat.of().formatHex(a) + " then "
                            + java.util.HexFormat.of().formatHex(b);
                    assertArrayEquals(pa.key(), pb.key(), why);
                    assertEquals(pa.offsets(), pb.offsets(), why);
                    assertEquals(0, pb.counters().malformed(), why);
                } else if (!agrees) {
                    refusedDifferent++;
                }
            }
        }
        assertTrue(taken > pairs / 4, taken + " of " + pairs + " frames took the shortcut: the traffic does not exercise it");
        assertTrue(refusedDifferent > pairs / 10, refusedDifferent + " refused of " + pairs);
    }

    @Test
    void onlyUntaggedIpv4WithoutOptionsCarryingTcpOrUdpAllowsIt() {
        assertEquals(RepeatedHeaders.IPV4_TCP, layoutOf(eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0x10).build()));
        assertEquals(RepeatedHeaders.IPV4_UDP, layoutOf(eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build()));
        assertEquals(RepeatedHeaders.NONE, layoutOf(eth().vlan(5).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build()));
        assertEquals(RepeatedHeaders.NONE, layoutOf(eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0).build()));
        assertEquals(RepeatedHeaders.NONE, layoutOf(eth().ipv6("::1", "::2").udp(1, 2).build()));
        assertEquals(RepeatedHeaders.NONE, layoutOf(eth().ipv4("10.0.0.1", "10.0.0.2", 0, 64, 0x0010).udp(1, 2)
                .build()), "a later fragment");
    }

    @Test
    void aTrainEndsAtTheFirstFrameThatDoesNotRepeatOrIsTooShort() {
        final byte[] a = eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, 53).payload(20).build();
        final byte[] other = eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, 54).payload(20).build();
        final Parsed pa = Parsed.parse(a, 1);
        final int layout = RepeatedHeaders.layout(pa.offsets(), pa.key(), 0);
        try (Arena arena = Arena.ofConfined(); PacketBatch batch = PacketBatch.owning()) {
            final long addressA = copy(arena, a);
            final int minLength = RepeatedHeaders.minLength(addressA);
            for (byte[] f : new byte[][] {a, a, a, other, a}) {
                add(batch, f);
            }
            assertEquals(3, RepeatedHeaders.train(layout, addressA, minLength, batch, 0, 5), "ends at the other flow");
            assertEquals(2, RepeatedHeaders.train(layout, addressA, minLength, batch, 0, 2), "ends with the batch");
            assertEquals(3, RepeatedHeaders.train(layout, addressA, minLength, batch, 3, 5), "none from the other flow on");
            assertEquals(5, RepeatedHeaders.train(layout, addressA, minLength, batch, 4, 5));
            batch.clear();
            add(batch, a);
            add(batch, Arrays.copyOf(a, minLength - 1));
            assertEquals(1, RepeatedHeaders.train(layout, addressA, minLength, batch, 0, 2),
                    "a frame shorter than the IP total length says ends it");
        }
    }

    private static void add(final PacketBatch batch, final byte[] frame) {
        final int i = batch.count();
        MemorySegment.copy(frame, 0, batch.slotSegment(i), ValueLayout.JAVA_BYTE, PacketBatch.HEADROOM, frame.length);
        batch.addOwned(frame.length, 0);
    }

    private static int layoutOf(final byte[] frame) {
        final Parsed p = Parsed.parse(frame, 1);
        return RepeatedHeaders.layout(p.offsets(), p.key(), 0);
    }

    private static long copy(final Arena arena, final byte[] frame) {
        final MemorySegment seg = arena.allocate(frame.length);
        MemorySegment.copy(frame, 0, seg, ValueLayout.JAVA_BYTE, 0, frame.length);
        return seg.address();
    }

    /** A random frame, mostly of the shortcut's layout, some of others. */
    private static byte[] frame(final SplittableRandom rnd) {
        PacketBuilder p = rnd.nextInt(10) == 0 ? eth().vlan(rnd.nextInt(4096)) : eth();
        final String src = "10.0." + rnd.nextInt(3) + "." + rnd.nextInt(3);
        final String dst = "172.16.0." + rnd.nextInt(3);
        final int frag = switch (rnd.nextInt(8)) {
            case 0 -> 0x2000;          // first fragment
            case 1 -> 0x0008;          // a later one
            default -> 0x4000;         // DF
        };
        p = rnd.nextInt(10) == 0 ? p.ipv6("2001:db8::1", "2001:db8::2")
                : p.ipv4(src, dst, rnd.nextInt(4) * 4, 1 + rnd.nextInt(3), frag);
        p = switch (rnd.nextInt(5)) {
            case 0, 1 -> p.tcp(1000 + rnd.nextInt(3), 80 + rnd.nextInt(2), rnd.nextInt(0x40));
            case 2, 3 -> p.udp(1000 + rnd.nextInt(3), 53 + rnd.nextInt(2));
            default -> p.icmp(8, 0);
        };
        return p.payload(rnd.nextInt(40)).build();
    }

    /** The frame with what the key does not hold changed: IP id and checksum, TCP seq/ack, UDP length/checksum, payload, padding. */
    private static byte[] sameFlow(final byte[] a, final SplittableRandom rnd) {
        final int pad = rnd.nextInt(3) == 0 ? rnd.nextInt(-4, 20) : 0;
        final byte[] b = Arrays.copyOf(a, Math.max(14, a.length + pad));
        for (int p : new int[] {18, 19, 24, 25, 38, 39, 40, 41, 42, 43, 44, 45}) {
            if (p < b.length && rnd.nextBoolean()) {
                b[p] = (byte) rnd.nextInt(256);
            }
        }
        for (int p = 54; p < b.length; p++) {
            b[p] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static byte[] oneByteChanged(final byte[] a, final SplittableRandom rnd) {
        final byte[] b = a.clone();
        final int p = rnd.nextInt(Math.min(b.length, 64));
        b[p] ^= (byte) (1 << rnd.nextInt(8));
        return b;
    }
}
