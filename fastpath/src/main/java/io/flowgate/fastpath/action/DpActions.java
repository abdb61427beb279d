package io.flowgate.fastpath.action;

import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.fastpath.flow.FlowKey;

import java.util.Arrays;

/**
 * A megaflow's datapath actions: an immutable program of primitive words that the PMD interprets
 * without allocating (output, masked set of Ethernet/IPv4/IPv6/L4 fields, push/pop VLAN,
 * userspace). The slow path builds it with {@link Builder}; {@link #toString()} prints it in Open
 * vSwitch's datapath action syntax ({@code set(eth(dst=…)),set(ipv4(ttl=63)),2}, {@code drop}).
 *
 * <p>Instruction layout (word 0 is the header, its low 8 bits the opcode):
 * <pre>
 * OUTPUT     [port &lt;&lt; 32 | OP]
 * POP_VLAN   [OP]
 * PUSH_VLAN  [tci &lt;&lt; 32 | tpid &lt;&lt; 16 | OP]
 * SET_ETH    [OP] srcValue srcMask dstValue dstMask
 * SET_IPV4   [OP] (src &lt;&lt; 32 | dst) (srcMask &lt;&lt; 32 | dstMask) (tos &lt;&lt; 24 | tosMask &lt;&lt; 16 | ttl &lt;&lt; 8 | ttlMask)
 * SET_IPV6   [OP] srcHi srcLo srcMaskHi srcMaskLo dstHi dstLo dstMaskHi dstMaskLo
 *                 (label &lt;&lt; 32 | labelMask) (tclass &lt;&lt; 24 | tclassMask &lt;&lt; 16 | hlimit &lt;&lt; 8 | hlimitMask)
 * SET_L4     [proto &lt;&lt; 8 | OP] (src &lt;&lt; 48 | srcMask &lt;&lt; 32 | dst &lt;&lt; 16 | dstMask)
 * USERSPACE  [maxLen &lt;&lt; 40 | controllerId &lt;&lt; 24 | reason &lt;&lt; 8 | OP] ruleCookie
 * </pre>
 */
public final class DpActions {
    public static final int OP_OUTPUT = 1;
    public static final int OP_POP_VLAN = 2;
    public static final int OP_PUSH_VLAN = 3;
    public static final int OP_SET_ETH = 4;
    public static final int OP_SET_IPV4 = 5;
    public static final int OP_SET_IPV6 = 6;
    public static final int OP_SET_L4 = 7;
    public static final int OP_USERSPACE = 8;

    /** OpenFlow packet-in reason for an invalid TTL (OFPR_INVALID_TTL). */
    public static final int REASON_INVALID_TTL = 2;

    /** No actions: the packet is dropped. */
    public static final DpActions DROP = new DpActions(new long[0], 0);

    private final long[] code;
    private final int outputs;

    private DpActions(final long[] code, final int outputs) {
        this.code = code;
        this.outputs = outputs;
    }

    /** The instruction words; do not modify. */
    public long[] code() {
        return code;
    }

    public boolean isDrop() {
        return code.length == 0;
    }

    /** How many output instructions there are (0 means the packet is dropped). */
    public int outputs() {
        return outputs;
    }

    /** Words taken by the instruction whose header is {@code header}. */
    public static int length(final long header) {
        return switch ((int) header & 0xFF) {
            case OP_OUTPUT, OP_POP_VLAN, OP_PUSH_VLAN -> 1;
            case OP_SET_ETH -> 5;
            case OP_SET_IPV4 -> 4;
            case OP_SET_IPV6 -> 11;
            case OP_SET_L4, OP_USERSPACE -> 2;
            default -> throw new IllegalStateException("bad datapath action opcode " + (header & 0xFF));
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof DpActions a && Arrays.equals(code, a.code);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(code);
    }

    /** OVS's datapath action syntax. */
    @Override
    public String toString() {
        if (code.length == 0) {
            return "drop";
        }
        final StringBuilder s = new StringBuilder(64);
        for (int i = 0; i < code.length; i += length(code[i])) {
            if (i > 0) {
                s.append(',');
            }
            format(s, i);
        }
        return s.toString();
    }

    private void format(final StringBuilder s, final int i) {
        final long h = code[i];
        switch ((int) h & 0xFF) {
            case OP_OUTPUT -> s.append(h >>> 32);
            case OP_POP_VLAN -> s.append("pop_vlan");
            case OP_PUSH_VLAN -> {
                final int tpid = (int) (h >>> 16) & 0xFFFF;
                final int tci = (int) (h >>> 32) & 0xFFFF;
                s.append("push_vlan(");
                if (tpid != 0x8100) {
                    s.append("tpid=0x").append(Integer.toHexString(tpid)).append(',');
                }
                s.append("vid=").append(tci & 0xFFF).append(",pcp=").append(tci >>> 13);
                if ((tci & 0x1000) == 0) {
                    s.append(",cfi=0");
                }
                s.append(')');
            }
            case OP_SET_ETH -> {
                s.append("set(eth(");
                final int mark = s.length();
                macField(s, "src", code[i + 1], code[i + 2]);
                macField(s, "dst", code[i + 3], code[i + 4]);
                closeSet(s, mark);
            }
            case OP_SET_IPV4 -> {
                s.append("set(ipv4(");
                final int mark = s.length();
                final long addrs = code[i + 1];
                final long masks = code[i + 2];
                final long rest = code[i + 3];
                ipv4Field(s, "src", (int) (addrs >>> 32), (int) (masks >>> 32));
                ipv4Field(s, "dst", (int) addrs, (int) masks);
                hexField(s, "tos", (rest >>> 24) & 0xFF, (rest >>> 16) & 0xFF, 0xFF);
                decField(s, "ttl", (rest >>> 8) & 0xFF, rest & 0xFF, 0xFF);
                closeSet(s, mark);
            }
            case OP_SET_IPV6 -> {
                s.append("set(ipv6(");
                final int mark = s.length();
                ipv6Field(s, "src", code[i + 1], code[i + 2], code[i + 3], code[i + 4]);
                ipv6Field(s, "dst", code[i + 5], code[i + 6], code[i + 7], code[i + 8]);
                final long label = code[i + 9];
                hexField(s, "label", (label >>> 32) & 0xFFFFF, label & 0xFFFFF, 0xFFFFF);
                final long rest = code[i + 10];
                hexField(s, "tclass", (rest >>> 24) & 0xFF, (rest >>> 16) & 0xFF, 0xFF);
                decField(s, "hlimit", (rest >>> 8) & 0xFF, rest & 0xFF, 0xFF);
                closeSet(s, mark);
            }
            case OP_SET_L4 -> {
                final int proto = (int) (h >>> 8) & 0xFF;
                s.append("set(").append(proto == 6 ? "tcp" : proto == 17 ? "udp" : "sctp").append('(');
                final int mark = s.length();
                final long w = code[i + 1];
                decField(s, "src", (w >>> 48) & 0xFFFF, (w >>> 32) & 0xFFFF, 0xFFFF);
                decField(s, "dst", (w >>> 16) & 0xFFFF, w & 0xFFFF, 0xFFFF);
                closeSet(s, mark);
            }
            case OP_USERSPACE -> {
                final long cookie = code[i + 1];
                s.append("userspace(pid=0,controller(reason=").append((h >>> 8) & 0xFFFF)
                        .append(",dont_send=1,continuation=0,recirc_id=0,rule_cookie=")
                        .append(cookie == 0 ? "0" : "0x" + Long.toHexString(cookie))
                        .append(",controller_id=").append((h >>> 24) & 0xFFFF)
                        .append(",max_len=").append((h >>> 40) & 0xFFFF).append("))");
            }
            default -> throw new IllegalStateException("bad opcode " + (h & 0xFF));
        }
    }

    private static void closeSet(final StringBuilder s, final int mark) {
        if (s.length() > mark && s.charAt(s.length() - 1) == ',') {
            s.setLength(s.length() - 1);
        }
        s.append("))");
    }

    private static void macField(final StringBuilder s, final String name, final long value, final long mask) {
        if (mask == 0) {
            return;
        }
        s.append(name).append('=').append(FieldText.mac(value));
        if (mask != FlowKey.MAC_MASK) {
            s.append('/').append(FieldText.mac(mask));
        }
        s.append(',');
    }

    private static void ipv4Field(final StringBuilder s, final String name, final int value, final int mask) {
        if (mask == 0) {
            return;
        }
        s.append(name).append('=').append(FieldText.ipv4(value));
        if (mask != -1) {
            s.append('/').append(FieldText.ipv4(mask));
        }
        s.append(',');
    }

    private static void ipv6Field(final StringBuilder s, final String name, final long hi, final long lo,
                                  final long maskHi, final long maskLo) {
        if (maskHi == 0 && maskLo == 0) {
            return;
        }
        s.append(name).append('=').append(FieldText.ipv6(hi, lo));
        if (maskHi != -1L || maskLo != -1L) {
            s.append('/').append(FieldText.ipv6(maskHi, maskLo));
        }
        s.append(',');
    }

    private static void hexField(final StringBuilder s, final String name, final long value, final long mask,
                                 final long full) {
        if (mask == 0) {
            return;
        }
        s.append(name).append("=0x").append(Long.toHexString(value));
        if (mask != full) {
            s.append("/0x").append(Long.toHexString(mask));
        }
        s.append(',');
    }

    private static void decField(final StringBuilder s, final String name, final long value, final long mask,
                                 final long full) {
        if (mask == 0) {
            return;
        }
        if (mask == full) {
            s.append(name).append('=').append(value);
        } else {
            s.append(name).append("=0x").append(Long.toHexString(value)).append("/0x").append(Long.toHexString(mask));
        }
        s.append(',');
    }

    /** Appends instructions; {@link #build()} freezes them. Not thread-safe. */
    public static final class Builder {
        private long[] code = new long[16];
        private int size;
        private int outputs;

        private void put(final long w) {
            if (size == code.length) {
                code = Arrays.copyOf(code, size * 2);
            }
            code[size++] = w;
        }

        public Builder output(final int port) {
            put(((long) port << 32) | OP_OUTPUT);
            outputs++;
            return this;
        }

        public Builder popVlan() {
            put(OP_POP_VLAN);
            return this;
        }

        public Builder pushVlan(final int tpid, final int tci) {
            put(((long) (tci & 0xFFFF) << 32) | ((long) (tpid & 0xFFFF) << 16) | OP_PUSH_VLAN);
            return this;
        }

        public Builder setEth(final long src, final long srcMask, final long dst, final long dstMask) {
            put(OP_SET_ETH);
            put(src & srcMask);
            put(srcMask);
            put(dst & dstMask);
            put(dstMask);
            return this;
        }

        public Builder setIpv4(final int src, final int srcMask, final int dst, final int dstMask,
                               final int tos, final int tosMask, final int ttl, final int ttlMask) {
            put(OP_SET_IPV4);
            put(((long) (src & srcMask) << 32) | ((dst & dstMask) & 0xFFFF_FFFFL));
            put(((long) srcMask << 32) | (dstMask & 0xFFFF_FFFFL));
            put(((long) (tos & tosMask & 0xFF) << 24) | ((long) (tosMask & 0xFF) << 16)
                    | ((long) (ttl & ttlMask & 0xFF) << 8) | (ttlMask & 0xFF));
            return this;
        }

        public Builder setIpv6(final long srcHi, final long srcLo, final long srcMaskHi, final long srcMaskLo,
                               final long dstHi, final long dstLo, final long dstMaskHi, final long dstMaskLo,
                               final int label, final int labelMask, final int tclass, final int tclassMask,
                               final int hlimit, final int hlimitMask) {
            put(OP_SET_IPV6);
            put(srcHi & srcMaskHi);
            put(srcLo & srcMaskLo);
            put(srcMaskHi);
            put(srcMaskLo);
            put(dstHi & dstMaskHi);
            put(dstLo & dstMaskLo);
            put(dstMaskHi);
            put(dstMaskLo);
            put(((long) (label & labelMask & 0xFFFFF) << 32) | (labelMask & 0xFFFFF));
            put(((long) (tclass & tclassMask & 0xFF) << 24) | ((long) (tclassMask & 0xFF) << 16)
                    | ((long) (hlimit & hlimitMask & 0xFF) << 8) | (hlimitMask & 0xFF));
            return this;
        }

        public Builder setL4(final int proto, final int src, final int srcMask, final int dst, final int dstMask) {
            put(((long) proto << 8) | OP_SET_L4);
            put(((long) (src & srcMask & 0xFFFF) << 48) | ((long) (srcMask & 0xFFFF) << 32)
                    | ((long) (dst & dstMask & 0xFFFF) << 16) | (dstMask & 0xFFFF));
            return this;
        }

        /** Send to the controller; with none configured the datapath drops the packet. */
        public Builder userspaceController(final int reason, final long ruleCookie, final int controllerId,
                                           final int maxLen) {
            put(((long) (maxLen & 0xFFFF) << 40) | ((long) (controllerId & 0xFFFF) << 24)
                    | ((long) (reason & 0xFFFF) << 8) | OP_USERSPACE);
            put(ruleCookie);
            return this;
        }

        public int size() {
            return size;
        }

        /** Forgets every instruction, keeping the buffer (for reuse). */
        public Builder clear() {
            size = 0;
            outputs = 0;
            return this;
        }

        public DpActions build() {
            return size == 0 ? DROP : new DpActions(Arrays.copyOf(code, size), outputs);
        }
    }
}
