package io.flowgate.fastpath.flow;

/**
 * Hashing of key words. One multiply-rotate step per word and a 64-bit finaliser: cheap enough for
 * the per-packet path, and mixing well enough for open addressing with power-of-two tables.
 */
public final class FlowHash {
    private static final long C1 = 0x87C3_7B91_1142_53D5L;
    private static final long C2 = 0x4CF5_AD43_2745_937FL;

    private FlowHash() {
    }

    /** Folds one word into a running hash. */
    public static long step(final long h, final long word) {
        return Long.rotateLeft(h ^ (Long.rotateLeft(word * C1, 31) * C2), 27) * 5 + 0x52DC_E729L;
    }

    /** Final avalanche (MurmurHash3's fmix64). */
    public static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }

    /** Hash of a whole key row (the EMC's and the upcall dispatcher's hash). */
    public static long hashKey(final long[] k, final int o) {
        long h = 0;
        for (int i = 0; i < FlowKey.WORDS; i++) {
            h = step(h, k[o + i]);
        }
        return finish(h);
    }
}
