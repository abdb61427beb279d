package io.flowgate.fastpath.parse;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;

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
    // The same, one constant per word (static finals: the JIT folds them into the compare).
    private static final long TCP0 = TCP_MASK[0];
    private static final long TCP1 = TCP_MASK[1];
    private static final long TCP2 = TCP_MASK[2];
    private static final long TCP3 = TCP_MASK[3];
    private static final long TCP4 = TCP_MASK[4];
    private static final long TCP5 = TCP_MASK[5];
    private static final long UDP0 = UDP_MASK[0];
    private static final long UDP1 = UDP_MASK[1];
    private static final long UDP2 = UDP_MASK[2];
    private static final long UDP3 = UDP_MASK[3];
    private static final long UDP4 = UDP_MASK[4];

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

    /**
     * How far a train runs: the first packet from {@code from} (below {@code n}) that does not
     * repeat the compared bytes of the frame at {@code a}, of this layout, or is shorter than
     * {@code minLength}. The frame's compared words are read once and the packets' in line (five
     * for UDP, six for TCP), a tight loop with nothing stored.
     */
    public static int train(final int layout, final long a, final int minLength, final PacketBatch b, final int from,
                            final int n) {
        // Each call gives its layout's masks as constants: the launcher inlines the loop into
        // both, and the JIT folds them (the first two words are compared whole, nothing spilled).
        return layout == IPV4_TCP
                ? trainMasked(a, minLength, b, from, n, TCP0, TCP1, TCP2, TCP3, TCP4, TCP5, true)
                : trainMasked(a, minLength, b, from, n, UDP0, UDP1, UDP2, UDP3, UDP4, 0, false);
    }

    /** {@link #train} under masks {@code m0..m5}; a UDP frame may be 42 bytes: its sixth word is not read. */
    private static int trainMasked(final long a, final int minLength, final PacketBatch b, final int from, final int n,
                                   final long m0, final long m1, final long m2, final long m3, final long m4,
                                   final long m5, final boolean sixth) {
        final long a0 = word(a, 0) & m0;
        final long a1 = word(a, 1) & m1;
        final long a2 = word(a, 2) & m2;
        final long a3 = word(a, 3) & m3;
        final long a4 = word(a, 4) & m4;
        final long a5 = sixth ? word(a, 5) & m5 : 0;
        int j = from;
        while (j < n && b.length(j) >= minLength) {
            final long p = b.address(j);
            final long diff = ((word(p, 0) & m0) ^ a0) | ((word(p, 1) & m1) ^ a1) | ((word(p, 2) & m2) ^ a2)
                    | ((word(p, 3) & m3) ^ a3) | ((word(p, 4) & m4) ^ a4) | (sixth ? (word(p, 5) & m5) ^ a5 : 0);
            if (diff != 0) {
                break;
            }
            j++;
        }
        return j;
    }

    private static long word(final long address, final int w) {
        return Memory.ALL.get(WORD, address + w * 8L);
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
