package io.flowgate.fastpath.action;

import io.flowgate.fastpath.odp.OdpFormat;

import java.util.Arrays;

/**
 * A megaflow's datapath actions: an immutable program of primitive words that the PMD interprets
 * without allocating (output, masked set of Ethernet/IPv4/IPv6/L4/ARP/ND fields, push/pop VLAN,
 * userspace). The slow path builds it with {@link Builder}; this class only encodes and decodes
 * the words: {@link OdpFormat#actions} prints them in Open vSwitch's datapath action syntax
 * ({@code set(eth(dst=…)),set(ipv4(ttl=63)),2}, {@code drop}), which {@link #toString()} returns.
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
 * SET_ARP    [OP] (sip &lt;&lt; 32 | tip) (sipMask &lt;&lt; 32 | tipMask) (op &lt;&lt; 16 | opMask) sha shaMask tha thaMask
 * SET_ND     [OP] targetHi targetLo targetMaskHi targetMaskLo sll sllMask tll tllMask
 * USERSPACE  [maxLen &lt;&lt; 40 | controllerId &lt;&lt; 24 | table &lt;&lt; 16 | reason &lt;&lt; 8 | OP] ruleCookie
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
    public static final int OP_SET_ARP = 9;
    public static final int OP_SET_ND = 10;

    /** OpenFlow packet-in reasons (OFPR_*): a table-miss flow, a controller action, an invalid TTL. */
    public static final int REASON_NO_MATCH = 0;
    public static final int REASON_ACTION = 1;
    public static final int REASON_INVALID_TTL = 2;
    /** OVS's own reason for a table-miss rule's controller action (OFPR_EXPLICIT_MISS; no_match on the wire). */
    public static final int REASON_EXPLICIT_MISS = 6;

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
            case OP_SET_ARP -> 8;
            case OP_SET_ND -> 9;
            default -> throw new IllegalStateException("bad datapath action opcode " + (header & 0xFF));
        };
    }

    /** A USERSPACE instruction's packet-in reason (OFPR_*). */
    public static int userspaceReason(final long header) {
        return (int) (header >>> 8) & 0xFF;
    }

    /** The table of the rule that sent the packet to the controller. */
    public static int userspaceTable(final long header) {
        return (int) (header >>> 16) & 0xFF;
    }

    public static int userspaceControllerId(final long header) {
        return (int) (header >>> 24) & 0xFFFF;
    }

    /** The bytes the controller asked for (an unbuffered packet-in carries the whole frame anyway). */
    public static int userspaceMaxLen(final long header) {
        return (int) (header >>> 40) & 0xFFFF;
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

    /** OVS's datapath action syntax ({@code set(ipv4(ttl=63)),2}, {@code drop}), printed by {@link OdpFormat#actions}. */
    @Override
    public String toString() {
        return OdpFormat.actions(this);
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

        /** ARP's sender and target protocol and hardware addresses and opcode, each under its mask. */
        public Builder setArp(final int sip, final int sipMask, final int tip, final int tipMask, final int op,
                              final int opMask, final long sha, final long shaMask, final long tha, final long thaMask) {
            put(OP_SET_ARP);
            put(((long) (sip & sipMask) << 32) | ((tip & tipMask) & 0xFFFF_FFFFL));
            put(((long) sipMask << 32) | (tipMask & 0xFFFF_FFFFL));
            put(((long) (op & opMask & 0xFFFF) << 16) | (opMask & 0xFFFF));
            put(sha & shaMask);
            put(shaMask);
            put(tha & thaMask);
            put(thaMask);
            return this;
        }

        /** An IPv6 neighbour discovery message's target and its source and target link-layer address options. */
        public Builder setNd(final long targetHi, final long targetLo, final long targetMaskHi, final long targetMaskLo,
                             final long sll, final long sllMask, final long tll, final long tllMask) {
            put(OP_SET_ND);
            put(targetHi & targetMaskHi);
            put(targetLo & targetMaskLo);
            put(targetMaskHi);
            put(targetMaskLo);
            put(sll & sllMask);
            put(sllMask);
            put(tll & tllMask);
            put(tllMask);
            return this;
        }

        /**
         * Send to the controller (a packet-in with the packet as it is at this point); with no
         * controller connected the datapath counts it as dropped.
         *
         * @param table the table of the rule whose action this is
         */
        public Builder userspaceController(final int reason, final int table, final long ruleCookie,
                                           final int controllerId, final int maxLen) {
            put(((long) (maxLen & 0xFFFF) << 40) | ((long) (controllerId & 0xFFFF) << 24)
                    | ((long) (table & 0xFF) << 16) | ((long) (reason & 0xFF) << 8) | OP_USERSPACE);
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
