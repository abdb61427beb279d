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

    private static final long S0 = 0xA076_1D64_78BD_642FL;
    private static final long S1 = 0xE703_7ED1_A0B4_28DBL;
    private static final long S2 = 0x8EBC_6AF0_9C88_C6E3L;
    private static final long S3 = 0x5899_65CC_7537_4CC3L;
    private static final long S4 = 0x1D8E_4E27_C47D_124FL;
    private static final long S5 = 0x9E37_79B9_7F4A_7C15L;
    private static final long S6 = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long S7 = 0x1656_67B1_9E37_79F9L;

    /**
     * The packet hash (the EMC's and the upcall dispatcher's), computed once per packet. Like
     * OVS's 5-tuple hash it covers the fields that tell flows apart (in_port, Ethernet, VLANs,
     * IPv4 and IPv6 addresses, the IP protocol word and the transport ports) and leaves out the
     * ARP hardware addresses, tcp_flags and ND fields: a hash only picks slots, every lookup still
     * compares the whole key. Three seeded 64×64→128-bit multiplies folded to 64 bits (wyhash's
     * "mum"), independent of each other, a fourth for IPv6 addresses, then a finaliser; hashing
     * all fifteen words cost the per-packet path a sixth of its time.
     */
    public static long hashKey(final long[] k, final int o) {
        final long ipv6Src = k[o + FlowKey.W_IPV6_SRC] ^ Long.rotateLeft(k[o + FlowKey.W_IPV6_SRC + 1], 29);
        final long ipv6Dst = k[o + FlowKey.W_IPV6_DST] ^ Long.rotateLeft(k[o + FlowKey.W_IPV6_DST + 1], 29);
        long h = mum(k[o + FlowKey.W_NW_ADDR] ^ S0, k[o + FlowKey.W_L4] ^ S1)
                + mum(k[o + FlowKey.W_ETH_DST] ^ S2, k[o + FlowKey.W_ETH_SRC] ^ S3)
                + mum(k[o + FlowKey.W_NW] ^ Long.rotateLeft(k[o + FlowKey.W_IN_PORT], 56) ^ S4,
                        k[o + FlowKey.W_VLAN] ^ S5);
        if ((ipv6Src | ipv6Dst) != 0) {
            h += mum(ipv6Src ^ S6, ipv6Dst ^ S7);
        }
        return finish(h);
    }

    private static long mum(final long a, final long b) {
        return (a * b) ^ Math.multiplyHigh(a, b);
    }

    /**
     * The packet hash from the 32-bit RSS hash a NIC computed: spread over 64 bits (the EMC takes
     * its two slots from different bit ranges) and never 0 (0 marks a packet that is not forwarded).
     */
    public static long fromRss(final int rss) {
        return ((rss & 0xFFFF_FFFFL) * 0x9E37_79B9_7F4A_7C15L) | 1;
    }
}
