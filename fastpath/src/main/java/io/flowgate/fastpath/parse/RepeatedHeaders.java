package io.flowgate.fastpath.parse;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Tells, with a few word compares, that a frame parses to the same flow key as the frame before
 * it in the batch, so that its parse (and hash) can be copied: a shortcut OVS's miniflow_extract
 * does not take. Trains of one flow are common (a bulk transfer, a constant-rate stream), and
 * their headers differ only in fields the key does not hold.
 *
 * <p>Taken only for the commonest layout, untagged IPv4 without options carrying TCP or UDP
 * (offsets 14 and 34), and only after a frame that parsed cleanly with that layout. The compare
 * covers every byte {@link FlowExtractor} reads for that layout, masked to leave out what it does
 * not read: the IP identification and checksum, TCP's sequence and acknowledgement numbers, UDP's
 * length and checksum, and the payload. The layout bytes themselves (ethertype, version and header
 * length, protocol, fragment bits, TCP data offset) are among those compared, so a frame that
 * passes has the same layout; and since the IP total length is compared, a frame at least as
 * long as that length parses to the same key and offsets whatever its own length (L2 padding is
 * never parsed).
 */
public final class RepeatedHeaders {
    /** The previous frame's layout does not allow the shortcut. */
    public static final int NONE = 0;
    public static final int IPV4_TCP = 1;
    public static final int IPV4_UDP = 2;

    private static final int L3 = 14;
    private static final int L4 = 34;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Per layout, the compared bytes of the first 48 (TCP) or 40 (UDP) as masks of native-order words. */
    private static final long[] TCP_MASK = mask(48, 18, 19, 24, 25, 38, 39, 40, 41, 42, 43, 44, 45);
    private static final long[] UDP_MASK = mask(40, 18, 19, 24, 25, 38, 39);

    private RepeatedHeaders() {
    }

    /**
     * The layout of a frame that parsed to the key at {@code k[o]} with these offsets, and that
     * allows the shortcut for the frames after it, or {@link #NONE}.
     */
    public static int layout(final long offsets, final long[] k, final int o) {
        if (offsets == FlowExtractor.DROP || FlowExtractor.l3Offset(offsets) != L3
                || FlowExtractor.l4Offset(offsets) != L4 || FlowKey.dlType(k, o) != FlowKey.ETH_TYPE_IP) {
            return NONE;
        }
        return switch (FlowKey.nwProto(k, o)) {
            case FlowKey.IPPROTO_TCP -> IPV4_TCP;
            case FlowKey.IPPROTO_UDP -> IPV4_UDP;
            default -> NONE;
        };
    }

    /** The shortest frame the shortcut may be taken for after the frame at {@code address}: its IP total length's. */
    public static int minLength(final long address) {
        return L3 + Short.toUnsignedInt(Memory.ALL.get(BE16, address + L3 + 2));
    }

    /** True if the frame at {@code b} has the compared bytes of the frame at {@code a}, of this layout. */
    public static boolean same(final int layout, final long a, final long b) {
        final long[] m = layout == IPV4_TCP ? TCP_MASK : UDP_MASK;
        long diff = 0;
        for (int w = 0; w < m.length; w++) {
            diff |= (Memory.ALL.get(WORD, a + w * 8L) ^ Memory.ALL.get(WORD, b + w * 8L)) & m[w];
        }
        return diff == 0;
    }

    private static long[] mask(final int length, final int... skipped) {
        final long[] m = new long[length / Long.BYTES];
        for (int p = 0; p < length; p++) {
            boolean skip = false;
            for (int s : skipped) {
                skip |= s == p;
            }
            if (!skip) {
                final int shift = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 8 * (p % 8) : 56 - 8 * (p % 8);
                m[p / 8] |= 0xFFL << shift;
            }
        }
        return m;
    }
}
