package io.flowgate.fastpath.parse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The parser's plain-IPv4 shortcut (untagged IPv4 without options or fragmentation, carrying UDP
 * or TCP) changes nothing: for plain frames with random fields, and for those frames with bits
 * flipped and bytes cut off (options, fragments, other protocols, bad lengths, short headers),
 * {@code extract} gives exactly the key, offsets and anomaly counts of the full parse, and reads
 * nothing beyond the frame.
 */
class PlainIpv4ShortcutTest {
    private static final int FRAMES = 300_000;

    @Test
    void everyFrameParsesAsTheFullParserParsesIt() {
        final SplittableRandom random = new SplittableRandom(20261204L);
        final ParseCounters shortcutCounts = new ParseCounters();
        final ParseCounters fullCounts = new ParseCounters();
        final FlowExtractor withShortcut = new FlowExtractor(shortcutCounts);
        final FlowExtractor full = new FlowExtractor(fullCounts);
        final long[] shortcutKey = new long[FlowKey.WORDS];
        final long[] fullKey = new long[FlowKey.WORDS];
        int plain = 0;
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(2048);
            for (int n = 0; n < FRAMES; n++) {
                final byte[] original = plainFrame(random);
                // Flips in the headers, where the shortcut's conditions are.
                final byte[] frame = n % 3 == 0 ? original : FlowExtractorTestSupport.mutate(original, random, 12, 60);
                // The full parse reads a segment of exactly the frame's size (a read beyond it
                // throws); the shortcut, taken only through Memory.ALL as on the fast path, reads
                // the same bytes by address with random ones after them, which a read beyond the
                // frame would bring into the key.
                for (int i = 0; i < 64; i++) {
                    buf.set(ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, random.nextLong());
                }
                final MemorySegment exact = buf.asSlice(0, frame.length);
                MemorySegment.copy(frame, 0, exact, ValueLayout.JAVA_BYTE, 0, frame.length);
                // Rows left dirty, as the PMD's are: every word must be written.
                Arrays.fill(shortcutKey, random.nextLong());
                Arrays.fill(fullKey, random.nextLong());
                final long offsets = withShortcut.extract(Memory.ALL, exact.address(), frame.length, n, shortcutKey, 0);
                final long expected = full.extractAny(exact, 0, frame.length, n, fullKey, 0);
                assertEquals(expected, offsets, "offsets of frame " + n);
                assertArrayEquals(fullKey, shortcutKey, "key of frame " + n);
                assertEquals(fullCounts.malformed(), shortcutCounts.malformed(), "anomalies counted, frame " + n);
                if (expected == FlowExtractor.offsets(14, 34) && FlowKey.dlType(fullKey, 0) == FlowKey.ETH_TYPE_IP) {
                    plain++;
                }
            }
        }
        assertTrue(plain > FRAMES / 3, "most frames were plain ones: " + plain);
        assertTrue(fullCounts.malformed() > FRAMES / 20, "the mutations made malformed frames: " + fullCounts.malformed());
        for (ParseAnomaly a : ParseAnomaly.values()) {
            assertEquals(fullCounts.get(a), shortcutCounts.get(a), a.name());
        }
    }

    /** Untagged IPv4 with UDP or TCP (any data offset), random fields, sometimes L2 padding. */
    private static byte[] plainFrame(final SplittableRandom r) {
        final boolean tcp = r.nextBoolean();
        final int l4Header = tcp ? 4 * r.nextInt(5, 16) : 8;
        final int payload = r.nextInt(0, 40);
        final int totLen = 20 + l4Header + payload;
        final byte[] f = new byte[14 + totLen + (r.nextInt(4) == 0 ? r.nextInt(1, 30) : 0)];
        for (int i = 0; i < f.length; i++) {
            f[i] = (byte) r.nextInt(256);
        }
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = 0x45;
        f[16] = (byte) (totLen >>> 8);
        f[17] = (byte) totLen;
        f[20] = (byte) (r.nextBoolean() ? 0x40 : 0); // DF or nothing: not a fragment
        f[21] = 0;
        f[23] = (byte) (tcp ? 6 : 17);
        if (tcp) {
            f[34 + 12] = (byte) ((l4Header / 4) << 4 | (f[34 + 12] & 0x0F));
        }
        return f;
    }
}
