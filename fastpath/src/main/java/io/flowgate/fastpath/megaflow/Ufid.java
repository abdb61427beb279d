package io.flowgate.fastpath.megaflow;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;

/**
 * Unique flow ids: 128 bits derived from a megaflow's masked match and mask, so that the same
 * megaflow always gets the same id (a duplicate upcall finds the ukey it would create).
 */
public final class Ufid {
    private static final long SEED_HI = 0x5DEE_CE66_D1CE_4E5BL;
    private static final long SEED_LO = 0x2F6B_1E0D_BA8F_3C71L;

    private Ufid() {
    }

    public static long hi(final long[] match, final FlowMask mask) {
        return hash(match, mask, SEED_HI);
    }

    public static long lo(final long[] match, final FlowMask mask) {
        return hash(match, mask, SEED_LO);
    }

    private static long hash(final long[] match, final FlowMask mask, final long seed) {
        long h = seed;
        for (int i = 0; i < FlowKey.WORDS; i++) {
            h = FlowHash.step(h, match[i]);
            h = FlowHash.step(h, mask.word(i));
        }
        return FlowHash.finish(h);
    }

    /** 8-4-4-4-12 hex digits, as OVS prints ufids. */
    public static String format(final long hi, final long lo) {
        final String h = String.format("%016x", hi);
        final String l = String.format("%016x", lo);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + l.substring(0, 4)
                + "-" + l.substring(4);
    }
}
