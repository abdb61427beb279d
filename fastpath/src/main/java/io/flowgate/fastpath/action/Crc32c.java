package io.flowgate.fastpath.action;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** CRC-32C (Castagnoli), as SCTP uses it, over off-heap memory without allocating. */
final class Crc32c {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F6_3B78 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32c() {
    }

    /** The CRC as SCTP stores it (bytes of the little-endian value, read back big-endian). */
    static int compute(final MemorySegment m, final long at, final int length) {
        int c = -1;
        for (int i = 0; i < length; i++) {
            c = TABLE[(c ^ m.get(ValueLayout.JAVA_BYTE, at + i)) & 0xFF] ^ (c >>> 8);
        }
        return Integer.reverseBytes(~c);
    }
}
