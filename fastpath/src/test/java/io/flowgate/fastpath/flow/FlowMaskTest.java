package io.flowgate.fastpath.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** A mask's match check is its definition, word by word, whatever words the mask uses. */
class FlowMaskTest {
    @Test
    void aKeyMatchesExactlyWhenEveryMaskedWordEqualsTheMatch() {
        final SplittableRandom r = new SplittableRandom(7);
        int matched = 0;
        for (int n = 0; n < 200_000; n++) {
            final long[] m = new long[FlowKey.WORDS];
            final long[] key = new long[FlowKey.WORDS];
            final long[] match = new long[FlowKey.WORDS];
            final boolean wide = r.nextBoolean(); // bits in the IPv6 and ND words too
            for (int i = 0; i < FlowKey.WORDS; i++) {
                if (wide || !FlowKey.zeroInIpv4(i)) {
                    m[i] = r.nextInt(3) == 0 ? 0 : r.nextLong() | (1L << r.nextInt(64));
                }
                key[i] = r.nextLong();
                // Mostly the key's own bits, now and then one flipped in some word.
                match[i] = (r.nextInt(15) == 0 ? key[i] ^ (1L << r.nextInt(64)) : key[i]) & m[i];
            }
            boolean expected = true;
            for (int i = 0; i < FlowKey.WORDS; i++) {
                expected &= (key[i] & m[i]) == match[i];
            }
            final long[] row = new long[FlowKey.WORDS * 2];
            System.arraycopy(key, 0, row, FlowKey.WORDS, FlowKey.WORDS);
            assertEquals(expected, FlowMask.of(m).matches(row, FlowKey.WORDS, match), "case " + n);
            matched += expected ? 1 : 0;
        }
        assertEquals(true, matched > 20_000 && matched < 180_000, "both answers are exercised: " + matched);
    }
}
