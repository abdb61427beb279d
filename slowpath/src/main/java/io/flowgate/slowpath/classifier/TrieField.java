package io.flowgate.slowpath.classifier;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.OfField;

/**
 * An address field that can have a prefix trie (OVS's {@code prefixes} table option). Open vSwitch
 * enables {@code nw_dst} and {@code nw_src} by default and IPv6 tries only when configured; the
 * order matters, as tries are consulted in configuration order.
 */
public enum TrieField {
    NW_DST(OfField.NW_DST, FlowKey.ETH_TYPE_IP, "nw_dst", "ip_dst"),
    NW_SRC(OfField.NW_SRC, FlowKey.ETH_TYPE_IP, "nw_src", "ip_src"),
    IPV6_DST(OfField.IPV6_DST, FlowKey.ETH_TYPE_IPV6, "ipv6_dst"),
    IPV6_SRC(OfField.IPV6_SRC, FlowKey.ETH_TYPE_IPV6, "ipv6_src");

    /** Open vSwitch's default: destination, then source, IPv4 only. */
    public static final TrieField[] DEFAULT = {NW_DST, NW_SRC};

    private final OfField field;
    private final int dlType;
    private final String[] names;

    TrieField(final OfField field, final int dlType, final String... names) {
        this.field = field;
        this.dlType = dlType;
        this.names = names;
    }

    public static TrieField byName(final String name) {
        for (TrieField t : values()) {
            for (String n : t.names) {
                if (n.equals(name)) {
                    return t;
                }
            }
        }
        return null;
    }

    public OfField field() {
        return field;
    }

    public int bits() {
        return field.bits();
    }

    /** The key word holding the field (the first of two for IPv6). */
    public int word() {
        return field == OfField.NW_DST || field == OfField.NW_SRC ? FlowKey.W_NW_ADDR
                : field == OfField.IPV6_DST ? FlowKey.W_IPV6_DST : FlowKey.W_IPV6_SRC;
    }

    /** The field's value as a left-aligned 128-bit number: high half. */
    public long hi(final long[] k) {
        return field.wide() ? k[word()] : field.get(k) << 32;
    }

    public long lo(final long[] k) {
        return field.wide() ? k[word() + 1] : 0;
    }

    /** True if the packet has this field at all (its Ethertype is right). */
    public boolean present(final long[] k) {
        return FlowKey.dlType(k, 0) == dlType;
    }

    /** The CIDR length of this field's mask in {@code mask}, 0 if the mask is not a prefix. */
    public int prefixLength(final long[] mask) {
        final long hi = hi(mask);
        final long lo = lo(mask);
        final int ones = Long.bitCount(hi) + Long.bitCount(lo);
        if (ones == 0) {
            return 0;
        }
        // A prefix is 'ones' leading one bits and nothing else.
        final long wantHi = ones >= 64 ? -1L : -1L << (64 - ones);
        final long wantLo = ones <= 64 ? 0 : ones >= 128 ? -1L : -1L << (128 - ones);
        return hi == wantHi && lo == wantLo ? ones : 0;
    }

    /** ORs the first {@code n} bits of the field into {@code wc}. */
    public void setPrefixBits(final long[] wc, final int n) {
        final long hi = n >= 64 ? -1L : n == 0 ? 0 : -1L << (64 - n);
        final long lo = n <= 64 ? 0 : n >= 128 ? -1L : -1L << (128 - n);
        if (field.wide()) {
            wc[word()] |= hi;
            wc[word() + 1] |= lo;
        } else {
            field.orMask(wc, hi >>> 32);
        }
    }

    /** True if the first {@code n} bits of the field are all set in {@code wc} already. */
    public boolean prefixBitsSet(final long[] wc, final int n) {
        final long hi = n >= 64 ? -1L : n == 0 ? 0 : -1L << (64 - n);
        final long lo = n <= 64 ? 0 : n >= 128 ? -1L : -1L << (128 - n);
        return (hi(wc) & hi) == hi && (lo(wc) & lo) == lo;
    }
}
