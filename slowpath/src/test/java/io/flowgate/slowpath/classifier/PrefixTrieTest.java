package io.flowgate.slowpath.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class PrefixTrieTest {
    static long v4(final int a, final int b, final int c, final int d) {
        return ((long) a << 56) | ((long) b << 48) | ((long) c << 40) | ((long) d << 32);
    }

    @Test
    void lookupReportsPrefixLengthsOnThePathAndBitsNeededToRuleOutTheRest() {
        final PrefixTrie t = PrefixTrie.EMPTY.insert(v4(10, 0, 0, 0), 0, 8).insert(v4(10, 1, 0, 0), 0, 16);
        final long[] plens = new long[2];
        // 11.x differs from 10/8 in bit 7: 8 bits are needed, no prefix matched.
        assertEquals(8, t.lookup(v4(11, 0, 0, 1), 0, 32, plens));
        assertFalse(PrefixTrie.testBit(plens, 7));
        // 10.2.x matches 10/8 and leaves 10.1/16 at bit 14.
        assertEquals(15, t.lookup(v4(10, 2, 3, 4), 0, 32, plens));
        assertTrue(PrefixTrie.testBit(plens, 7));
        assertFalse(PrefixTrie.testBit(plens, 15));
        // 10.1.x matches both.
        assertEquals(16, t.lookup(v4(10, 1, 9, 9), 0, 32, plens));
        assertTrue(PrefixTrie.testBit(plens, 15));
    }

    @Test
    void insertingAndRemovingLeavesTheOldTrieUntouched() {
        final PrefixTrie a = PrefixTrie.EMPTY.insert(v4(10, 0, 0, 0), 0, 8);
        final PrefixTrie b = a.insert(v4(192, 168, 0, 0), 0, 16);
        final long[] plens = new long[2];
        assertEquals(1, a.lookup(v4(192, 168, 1, 1), 0, 32, plens));
        assertEquals(16, b.lookup(v4(192, 168, 1, 1), 0, 32, plens));
        final PrefixTrie c = b.remove(v4(192, 168, 0, 0), 0, 16);
        assertEquals(1, c.lookup(v4(192, 168, 1, 1), 0, 32, plens));
        assertSame(c, c.remove(v4(1, 2, 3, 4), 0, 32), "removing an absent prefix changes nothing");
    }

    /** Against a model: a prefix matches iff its bits equal the value's; maskbits as OVS defines them. */
    @Test
    void randomTriesAgreeWithABruteForceModel() {
        final SplittableRandom r = new SplittableRandom(3);
        for (int round = 0; round < 300; round++) {
            PrefixTrie t = PrefixTrie.EMPTY;
            final List<long[]> prefixes = new ArrayList<>();
            for (int i = 0; i < r.nextInt(1, 20); i++) {
                final int len = r.nextInt(1, 33);
                final long value = (r.nextLong() & (-1L << (64 - len))) & 0xFFFF_FFFF_0000_0000L;
                prefixes.add(new long[] {value, len});
                t = t.insert(value, 0, len);
            }
            for (int i = 0; i < 20; i++) {
                final long packet = prefixes.get(r.nextInt(prefixes.size()))[0] ^ ((long) r.nextInt(1 << 12) << 32);
                final long[] plens = new long[2];
                t.lookup(packet, 0, 32, plens);
                for (long[] p : prefixes) {
                    final int len = (int) p[1];
                    final long m = -1L << (64 - len);
                    if (((packet ^ p[0]) & m) == 0) {
                        assertTrue(PrefixTrie.testBit(plens, len - 1), "prefix of length " + len + " matches");
                    }
                }
                for (int len = 1; len <= 32; len++) {
                    if (PrefixTrie.testBit(plens, len - 1)) {
                        final int l = len;
                        assertTrue(prefixes.stream().anyMatch(p -> p[1] == l
                                && ((packet ^ p[0]) & (-1L << (64 - l))) == 0), "reported length " + len + " matches a prefix");
                    }
                }
            }
            // Removing everything leaves an empty trie.
            for (long[] p : prefixes) {
                t = t.remove(p[0], 0, (int) p[1]);
            }
            assertTrue(t.isEmpty());
        }
    }
}
