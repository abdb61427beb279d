package io.flowgate.fastpath.action;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Incremental Internet checksum updates (RFC 1624), computed as Open vSwitch computes them on
 * x86: on 16-bit words read in the host's little-endian order, a 32-bit sum folded until no carry
 * is left. (Ones'-complement sums do not depend on byte order; following OVS's order of steps
 * keeps the choice between the two representations of zero, and so the output bytes, identical.)
 * Checksums are never recomputed: a wrong checksum stays wrong by the same amount, a zero UDP
 * checksum stays zero.
 */
final class Checksums {
    static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private Checksums() {
    }

    /** OVS's recalc_csum16 on little-endian 16-bit values. */
    static int csum16(final int oldCsum, final int oldWord, final int newWord) {
        int sum = (~oldCsum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    /** recalc_csum32: the 4 bytes at {@code oldAt} replaced by the 4 bytes {@code newBytes} (big-endian). */
    static int csum32(final int csum, final int oldBe, final int newBe) {
        final int c = csum16(csum, le(oldBe >>> 16), le(newBe >>> 16));
        return csum16(c, le(oldBe), le(newBe));
    }

    /** A big-endian 16-bit value as the host reads it (byte-swapped). */
    static int le(final int be16) {
        return ((be16 & 0xFF) << 8) | ((be16 >>> 8) & 0xFF);
    }

    static int readLe(final MemorySegment m, final long at) {
        return m.get(LE16, at) & 0xFFFF;
    }

    static void writeLe(final MemorySegment m, final long at, final int v) {
        m.set(LE16, at, (short) v);
    }
}
