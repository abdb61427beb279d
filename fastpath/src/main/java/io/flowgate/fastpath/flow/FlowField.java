package io.flowgate.fastpath.flow;

/**
 * A named bit range of the {@link FlowKey} layout, at most 64 bits wide inside one word. 128-bit
 * addresses are two fields (high and low word). The slow path uses these to read, match and mask
 * fields by name; the fast path never does (it works on whole words).
 */
public enum FlowField {
    IN_PORT(FlowKey.W_IN_PORT, 0, 32),
    ETH_DST(FlowKey.W_ETH_DST, 0, 48),
    DL_TYPE(FlowKey.W_ETH_DST, FlowKey.DL_TYPE_SHIFT, 16),
    ETH_SRC(FlowKey.W_ETH_SRC, 0, 48),
    VLAN0_TPID(FlowKey.W_VLAN, FlowKey.VLAN0_TPID_SHIFT, 16),
    VLAN0_TCI(FlowKey.W_VLAN, FlowKey.VLAN0_TCI_SHIFT, 16),
    VLAN1_TPID(FlowKey.W_VLAN, FlowKey.VLAN1_TPID_SHIFT, 16),
    VLAN1_TCI(FlowKey.W_VLAN, FlowKey.VLAN1_TCI_SHIFT, 16),
    NW_SRC(FlowKey.W_NW_ADDR, FlowKey.NW_SRC_SHIFT, 32),
    NW_DST(FlowKey.W_NW_ADDR, FlowKey.NW_DST_SHIFT, 32),
    IPV6_SRC_HI(FlowKey.W_IPV6_SRC, 0, 64),
    IPV6_SRC_LO(FlowKey.W_IPV6_SRC + 1, 0, 64),
    IPV6_DST_HI(FlowKey.W_IPV6_DST, 0, 64),
    IPV6_DST_LO(FlowKey.W_IPV6_DST + 1, 0, 64),
    NW_PROTO(FlowKey.W_NW, FlowKey.NW_PROTO_SHIFT, 8),
    NW_TOS(FlowKey.W_NW, FlowKey.NW_TOS_SHIFT, 8),
    NW_TTL(FlowKey.W_NW, FlowKey.NW_TTL_SHIFT, 8),
    NW_FRAG(FlowKey.W_NW, FlowKey.NW_FRAG_SHIFT, 8),
    IPV6_LABEL(FlowKey.W_NW, FlowKey.IPV6_LABEL_SHIFT, 20),
    ARP_SHA(FlowKey.W_ARP_SHA, 0, 48),
    ARP_THA(FlowKey.W_ARP_THA, 0, 48),
    ND_TARGET_HI(FlowKey.W_ND_TARGET, 0, 64),
    ND_TARGET_LO(FlowKey.W_ND_TARGET + 1, 0, 64),
    TP_SRC(FlowKey.W_L4, FlowKey.TP_SRC_SHIFT, 16),
    TP_DST(FlowKey.W_L4, FlowKey.TP_DST_SHIFT, 16),
    TCP_FLAGS(FlowKey.W_ARP_SHA, FlowKey.TCP_FLAGS_SHIFT, 16);

    private final int word;
    private final int shift;
    private final int bits;
    private final long valueMask;

    FlowField(final int word, final int shift, final int bits) {
        this.word = word;
        this.shift = shift;
        this.bits = bits;
        this.valueMask = bits == 64 ? -1L : (1L << bits) - 1;
    }

    public int word() {
        return word;
    }

    public int shift() {
        return shift;
    }

    public int bits() {
        return bits;
    }

    /** All ones over the field's width, right-aligned. */
    public long valueMask() {
        return valueMask;
    }

    /** All ones over the field's bits in place within its word. */
    public long wordMask() {
        return valueMask << shift;
    }

    /** Reads this field from a key (or mask) row. */
    public long get(final long[] k, final int o) {
        return (k[o + word] >>> shift) & valueMask;
    }

    public long get(final long[] k) {
        return get(k, 0);
    }

    /** Writes this field of a key (or mask) row; bits outside the field are kept. */
    public void set(final long[] k, final int o, final long value) {
        final long m = wordMask();
        k[o + word] = (k[o + word] & ~m) | ((value << shift) & m);
    }

    public void set(final long[] k, final long value) {
        set(k, 0, value);
    }

    /** ORs {@code bits} (right-aligned) into this field of a mask: used to un-wildcard bits. */
    public void or(final long[] mask, final long value) {
        mask[word] |= (value & valueMask) << shift;
    }
}
