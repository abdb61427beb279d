package io.flowgate.fastpath.flow;

import java.util.Arrays;

/**
 * A wildcard mask over the {@link FlowKey} layout: a 1 bit must match, a 0 bit is ignored. A
 * megaflow matches a packet when {@code (key & mask) == match} word by word.
 *
 * <p>Immutable. The indexes of the words that have any bit set are precomputed so that masked
 * compares and hashes touch only those words, which is what makes a wide mask cheap.
 */
public final class FlowMask {
    private final long[] words;
    private final int[] used;
    private final int hashCode;

    private FlowMask(final long[] words) {
        this.words = words;
        int n = 0;
        for (long w : words) {
            if (w != 0) {
                n++;
            }
        }
        this.used = new int[n];
        n = 0;
        for (int i = 0; i < words.length; i++) {
            if (words[i] != 0) {
                used[n++] = i;
            }
        }
        this.hashCode = Arrays.hashCode(words);
    }

    /** A mask from a copy of {@code words} ({@link FlowKey#WORDS} long). */
    public static FlowMask of(final long[] words) {
        if (words.length != FlowKey.WORDS) {
            throw new IllegalArgumentException("a mask has " + FlowKey.WORDS + " words, not " + words.length);
        }
        return new FlowMask(words.clone());
    }

    /** The mask that matches every bit. */
    public static FlowMask exact() {
        final long[] w = new long[FlowKey.WORDS];
        Arrays.fill(w, -1L);
        return new FlowMask(w);
    }

    public long word(final int i) {
        return words[i];
    }

    /** A copy of the mask words. */
    public long[] words() {
        return words.clone();
    }

    /** True if this mask's words are exactly {@code other} (no copy made). */
    public boolean hasWords(final long[] other) {
        return Arrays.equals(words, other);
    }

    /** Indexes of the words that have at least one bit set, ascending. Do not modify. */
    public int[] usedWords() {
        return used;
    }

    /** Writes {@code key & mask} for the key row at {@code k[o]} into {@code out} (WORDS long). */
    public void apply(final long[] k, final int o, final long[] out) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            out[i] = k[o + i] & words[i];
        }
    }

    /** A fresh array holding {@code key & mask}. */
    public long[] apply(final long[] key) {
        final long[] out = new long[FlowKey.WORDS];
        apply(key, 0, out);
        return out;
    }

    /** True if the key row matches {@code match} (already masked) under this mask. */
    public boolean matches(final long[] k, final int o, final long[] match) {
        final long[] w = words;
        for (int i : used) {
            if ((k[o + i] & w[i]) != match[i]) {
                return false;
            }
        }
        return true;
    }

    /** Hash of the masked key row; equal for keys that match the same megaflow. */
    public long hash(final long[] k, final int o) {
        final long[] w = words;
        long h = 0;
        for (int i : used) {
            h = FlowHash.step(h, k[o + i] & w[i]);
        }
        return FlowHash.finish(h);
    }

    /** True if every bit of this mask is also set in {@code other}. */
    public boolean isSubsetOf(final FlowMask other) {
        return other.covers(words);
    }

    /** True if every bit set in {@code needed} (WORDS long) is set in this mask. */
    public boolean covers(final long[] needed) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((needed[i] & ~words[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof FlowMask m && Arrays.equals(words, m.words);
    }

    @Override
    public int hashCode() {
        return hashCode;
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("FlowMask[");
        for (int i = 0; i < words.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%016x", words[i]));
        }
        return sb.append(']').toString();
    }
}
