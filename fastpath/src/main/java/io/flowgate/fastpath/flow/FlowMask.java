package io.flowgate.fastpath.flow;

import static io.flowgate.fastpath.flow.FlowKey.*;

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
    /** The used words an IPv4 key leaves zero (IPv6, ND): compared apart (see {@link #matches}). */
    private final int[] wide;
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
        this.wide = Arrays.stream(used).filter(FlowKey::zeroInIpv4).toArray();
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

    /**
     * True if the key row matches {@code match} (already masked) under this mask. The eight words
     * any key may use are compared without a branch per word (a loop over the mask's own words
     * mispredicts its exit when flows of different masks alternate, as they do behind the signature
     * match cache); the other seven only for a mask that has bits there (IPv6, ND).
     */
    public boolean matches(final long[] k, final int o, final long[] match) {
        final long[] w = words;
        final long diff = ((k[o] & w[W_IN_PORT]) ^ match[W_IN_PORT])
                | ((k[o + W_ETH_DST] & w[W_ETH_DST]) ^ match[W_ETH_DST])
                | ((k[o + W_ETH_SRC] & w[W_ETH_SRC]) ^ match[W_ETH_SRC])
                | ((k[o + W_VLAN] & w[W_VLAN]) ^ match[W_VLAN])
                | ((k[o + W_NW_ADDR] & w[W_NW_ADDR]) ^ match[W_NW_ADDR])
                | ((k[o + W_NW] & w[W_NW]) ^ match[W_NW])
                | ((k[o + W_ARP_SHA] & w[W_ARP_SHA]) ^ match[W_ARP_SHA])
                | ((k[o + W_L4] & w[W_L4]) ^ match[W_L4]);
        if (diff != 0) {
            return false;
        }
        for (int i : wide) {
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

    /**
     * The mask of the fields that are meaningful for this key (OVS's view of an exact flow,
     * its {@code flow_wildcards_init_for_packet}): the basis for printing one packet's flow as
     * {@code ovs-ofctl ofp-parse-pcap} does.
     */
    public static long[] relevantFields(final long[] key) {
        final long[] m = new long[WORDS];
        final long[] k = key;
        FlowField.IN_PORT.or(m, -1);
        FlowField.ETH_SRC.or(m, -1);
        FlowField.ETH_DST.or(m, -1);
        FlowField.DL_TYPE.or(m, -1);
        FlowField.VLAN0_TCI.or(m, -1);
        if ((FlowField.VLAN0_TCI.get(k) & VLAN_CFI) != 0) {
            FlowField.VLAN0_TPID.or(m, -1);
            FlowField.VLAN1_TCI.or(m, -1);
        }
        final int dlType = (int) FlowField.DL_TYPE.get(k);
        if (dlType == ETH_TYPE_IP || dlType == ETH_TYPE_IPV6) {
            if (dlType == ETH_TYPE_IP) {
                FlowField.NW_SRC.or(m, -1);
                FlowField.NW_DST.or(m, -1);
            } else {
                m[W_IPV6_SRC] = m[W_IPV6_SRC + 1] = m[W_IPV6_DST] = m[W_IPV6_DST + 1] = -1;
                FlowField.IPV6_LABEL.or(m, -1);
            }
            FlowField.NW_PROTO.or(m, -1);
            FlowField.NW_TOS.or(m, -1);
            FlowField.NW_TTL.or(m, -1);
            FlowField.NW_FRAG.or(m, FRAG_MASK);
            final int proto = (int) FlowField.NW_PROTO.get(k);
            if ((FlowField.NW_FRAG.get(k) & FRAG_LATER) == 0) {
                if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP
                        || proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 || proto == IPPROTO_IGMP) {
                    FlowField.TP_SRC.or(m, -1);
                    FlowField.TP_DST.or(m, -1);
                }
                if (proto == IPPROTO_TCP) {
                    FlowField.TCP_FLAGS.or(m, 0x0FFF);
                }
                if (dlType == ETH_TYPE_IPV6 && proto == IPPROTO_ICMPV6) {
                    final long type = FlowField.TP_SRC.get(k);
                    if (FlowField.TP_DST.get(k) == 0 && (type == 135 || type == 136)) {
                        m[W_ND_TARGET] = m[W_ND_TARGET + 1] = -1;
                        FlowField.ARP_SHA.or(m, -1);
                        FlowField.ARP_THA.or(m, -1);
                    }
                }
            }
        } else if (dlType == ETH_TYPE_ARP || dlType == ETH_TYPE_RARP) {
            FlowField.NW_SRC.or(m, -1);
            FlowField.NW_DST.or(m, -1);
            FlowField.NW_PROTO.or(m, -1);
            FlowField.ARP_SHA.or(m, -1);
            FlowField.ARP_THA.or(m, -1);
        }
        return m;
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
