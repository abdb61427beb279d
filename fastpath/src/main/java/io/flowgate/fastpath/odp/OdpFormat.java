package io.flowgate.fastpath.odp;

import static io.flowgate.fastpath.flow.FlowKey.VLAN_CFI;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;

import java.util.function.IntFunction;

// One file above 400 lines: the datapath's key and action syntax is one language (masks, prefixes
// and field formats are shared by both), kept in one place as its parser on the OVS side is.
/**
 * Prints Open vSwitch's datapath (ODP) flow syntax, keys and actions, as
 * {@code ovs-appctl dpctl/dump-flows} prints them ({@link OdpFlowParser} reads the keys back).
 * A key: {@code recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),
 * ipv4(dst=10.1.2.3/255.255.0.0,frag=no)}. Values are the flow's key (OVS keeps the first
 * packet's key, not the masked one); a field is shown when its mask is not zero, with "/mask"
 * when the mask is partial. In verbose form (dump-flows -m) every field is shown with its mask.
 */
public final class OdpFormat {
    private OdpFormat() {
    }

    /**
     * @param key      the flow's key (a packet of the megaflow)
     * @param mask     the megaflow's mask
     * @param verbose  every field, with its mask (dump-flows -m)
     * @param portName port names for verbose output (null: numbers)
     */
    public static String key(final long[] key, final long[] mask, final boolean verbose, final IntFunction<String> portName) {
        final StringBuilder s = new StringBuilder("recirc_id(0),in_port(");
        final int inPort = FlowKey.inPort(key, 0);
        s.append(verbose && portName != null ? portName.apply(inPort) : Integer.toUnsignedString(inPort)).append(')');
        s.append(",packet_type(ns=0,id=0)");
        final long srcMask = FlowField.ETH_SRC.get(mask);
        final long dstMask = FlowField.ETH_DST.get(mask);
        if (verbose || srcMask != 0 || dstMask != 0) {
            final Attr a = new Attr(s, "eth", verbose);
            a.mac("src", FlowField.ETH_SRC.get(key), srcMask);
            a.mac("dst", FlowField.ETH_DST.get(key), dstMask);
            a.close();
        }
        final long tci = FlowField.VLAN0_TCI.get(key);
        if ((tci & VLAN_CFI) != 0) {
            final long tciMask = FlowField.VLAN0_TCI.get(mask);
            s.append(",eth_type(0x").append(Long.toHexString(FlowField.VLAN0_TPID.get(key))).append(')');
            final Attr v = new Attr(s, "vlan", verbose);
            v.num("vid", tci & 0xFFF, tciMask & 0xFFF, 0xFFF, false);
            v.num("pcp", tci >>> 13, tciMask >>> 13, 7, false);
            v.close();
            s.append(",encap(");
            final int at = s.length();
            l3(s, key, mask, verbose);
            if (s.charAt(at) == ',') {
                s.deleteCharAt(at);
            }
            s.append(')');
        } else {
            l3(s, key, mask, verbose);
        }
        return s.toString();
    }

    private static void l3(final StringBuilder s, final long[] key, final long[] mask, final boolean verbose) {
        final int type = FlowKey.dlType(key, 0);
        s.append(",eth_type(0x").append(String.format("%04x", type)).append(')');
        switch (type) {
            case FlowKey.ETH_TYPE_IP -> {
                final Attr a = new Attr(s, "ipv4", verbose);
                a.ip4("src", FlowField.NW_SRC.get(key), FlowField.NW_SRC.get(mask));
                a.ip4("dst", FlowField.NW_DST.get(key), FlowField.NW_DST.get(mask));
                a.num("proto", FlowField.NW_PROTO.get(key), FlowField.NW_PROTO.get(mask), 0xFF, false);
                a.num("tos", FlowField.NW_TOS.get(key), FlowField.NW_TOS.get(mask), 0xFF, true);
                a.num("ttl", FlowField.NW_TTL.get(key), FlowField.NW_TTL.get(mask), 0xFF, false);
                a.frag(FlowField.NW_FRAG.get(key), FlowField.NW_FRAG.get(mask));
                a.close();
                l4(s, key, mask, verbose);
            }
            case FlowKey.ETH_TYPE_IPV6 -> {
                final Attr a = new Attr(s, "ipv6", verbose);
                a.ip6("src", key[FlowKey.W_IPV6_SRC], key[FlowKey.W_IPV6_SRC + 1], mask[FlowKey.W_IPV6_SRC],
                        mask[FlowKey.W_IPV6_SRC + 1]);
                a.ip6("dst", key[FlowKey.W_IPV6_DST], key[FlowKey.W_IPV6_DST + 1], mask[FlowKey.W_IPV6_DST],
                        mask[FlowKey.W_IPV6_DST + 1]);
                a.num("label", FlowField.IPV6_LABEL.get(key), FlowField.IPV6_LABEL.get(mask), 0xFFFFF, true);
                a.num("proto", FlowField.NW_PROTO.get(key), FlowField.NW_PROTO.get(mask), 0xFF, false);
                a.num("tclass", FlowField.NW_TOS.get(key), FlowField.NW_TOS.get(mask), 0xFF, true);
                a.num("hlimit", FlowField.NW_TTL.get(key), FlowField.NW_TTL.get(mask), 0xFF, false);
                a.frag(FlowField.NW_FRAG.get(key), FlowField.NW_FRAG.get(mask));
                a.close();
                l4(s, key, mask, verbose);
            }
            case FlowKey.ETH_TYPE_ARP -> {
                final Attr a = new Attr(s, "arp", verbose);
                a.ip4("sip", FlowField.NW_SRC.get(key), FlowField.NW_SRC.get(mask));
                a.ip4("tip", FlowField.NW_DST.get(key), FlowField.NW_DST.get(mask));
                a.num("op", FlowField.NW_PROTO.get(key), FlowField.NW_PROTO.get(mask), 0xFF, false);
                a.mac("sha", FlowField.ARP_SHA.get(key), FlowField.ARP_SHA.get(mask));
                a.mac("tha", FlowField.ARP_THA.get(key), FlowField.ARP_THA.get(mask));
                a.close();
            }
            default -> {
            }
        }
    }

    private static void l4(final StringBuilder s, final long[] key, final long[] mask, final boolean verbose) {
        if ((FlowField.NW_FRAG.get(key) & 2) != 0) {
            return; // a later fragment has no transport header
        }
        final int proto = FlowKey.nwProto(key, 0);
        final boolean v6 = FlowKey.dlType(key, 0) == FlowKey.ETH_TYPE_IPV6;
        final String name = switch (proto) {
            case FlowKey.IPPROTO_TCP -> "tcp";
            case FlowKey.IPPROTO_UDP -> "udp";
            case FlowKey.IPPROTO_SCTP -> "sctp";
            case 1 -> v6 ? null : "icmp";
            case 58 -> v6 ? "icmpv6" : null;
            default -> null;
        };
        if (name == null) {
            return;
        }
        final boolean icmp = name.startsWith("icmp");
        final Attr a = new Attr(s, name, verbose);
        a.num(icmp ? "type" : "src", FlowField.TP_SRC.get(key), FlowField.TP_SRC.get(mask), icmp ? 0xFF : 0xFFFF, false);
        a.num(icmp ? "code" : "dst", FlowField.TP_DST.get(key), FlowField.TP_DST.get(mask), icmp ? 0xFF : 0xFFFF, false);
        a.close();
        if (proto == FlowKey.IPPROTO_TCP) {
            final long fm = FlowField.TCP_FLAGS.get(mask);
            if (fm != 0) {
                s.append(",tcp_flags(");
                FieldText.tcpFlagsMasked(s, FlowField.TCP_FLAGS.get(key), fm);
                s.append(')');
            }
        }
        if (proto == 58 && v6) {
            final int type = FlowKey.tpSrc(key, 0);
            if (type == 135 || type == 136) {
                final Attr nd = new Attr(s, "nd", verbose);
                nd.ip6("target", key[FlowKey.W_ND_TARGET], key[FlowKey.W_ND_TARGET + 1], mask[FlowKey.W_ND_TARGET],
                        mask[FlowKey.W_ND_TARGET + 1]);
                nd.mac("sll", type == 135 ? FlowField.ARP_SHA.get(key) : 0, type == 135 ? FlowField.ARP_SHA.get(mask) : 0);
                nd.mac("tll", type == 136 ? FlowField.ARP_THA.get(key) : 0, type == 136 ? FlowField.ARP_THA.get(mask) : 0);
                nd.close();
            }
        }
    }

    /** TCP flags seen on a flow, as the stats part of a dump shows them: "S", "SP.", "F". */
    public static String tcpFlagsSeen(final int flags) {
        final StringBuilder s = new StringBuilder();
        final int[] bits = {0x02, 0x01, 0x08, 0x04, 0x20, 0x10, 0x40, 0x80, 0x100};
        final char[] letters = {'S', 'F', 'P', 'R', 'U', '.', 'E', 'C', 'N'};
        for (int i = 0; i < bits.length; i++) {
            if ((flags & bits[i]) != 0) {
                s.append(letters[i]);
            }
        }
        return s.toString();
    }

    /**
     * A megaflow's actions in OVS's datapath action syntax, as {@code dpctl/dump-flows} and
     * {@code ofproto/trace} print them: {@code set(eth(dst=…)),set(ipv4(ttl=63)),2}, {@code drop}.
     */
    public static String actions(final DpActions actions) {
        final long[] code = actions.code();
        if (code.length == 0) {
            return "drop";
        }
        final StringBuilder s = new StringBuilder(64);
        for (int i = 0; i < code.length; i += DpActions.length(code[i])) {
            if (i > 0) {
                s.append(',');
            }
            action(s, code, i);
        }
        return s.toString();
    }

    private static void action(final StringBuilder s, final long[] code, final int i) {
        final long h = code[i];
        switch ((int) h & 0xFF) {
            case DpActions.OP_OUTPUT -> s.append(h >>> 32);
            case DpActions.OP_POP_VLAN -> s.append("pop_vlan");
            case DpActions.OP_PUSH_VLAN -> {
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
            case DpActions.OP_SET_ETH -> {
                s.append("set(eth(");
                final int mark = s.length();
                macField(s, "src", code[i + 1], code[i + 2]);
                macField(s, "dst", code[i + 3], code[i + 4]);
                closeSet(s, mark);
            }
            case DpActions.OP_SET_IPV4 -> {
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
            case DpActions.OP_SET_IPV6 -> {
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
            case DpActions.OP_SET_L4 -> {
                final int proto = (int) (h >>> 8) & 0xFF;
                s.append("set(").append(proto == 6 ? "tcp" : proto == 17 ? "udp" : "sctp").append('(');
                final int mark = s.length();
                final long w = code[i + 1];
                decField(s, "src", (w >>> 48) & 0xFFFF, (w >>> 32) & 0xFFFF, 0xFFFF);
                decField(s, "dst", (w >>> 16) & 0xFFFF, w & 0xFFFF, 0xFFFF);
                closeSet(s, mark);
            }
            case DpActions.OP_SET_ARP -> {
                s.append("set(arp(");
                final int mark = s.length();
                final long addrs = code[i + 1];
                final long masks = code[i + 2];
                ipv4Field(s, "sip", (int) (addrs >>> 32), (int) (masks >>> 32));
                ipv4Field(s, "tip", (int) addrs, (int) masks);
                decField(s, "op", (code[i + 3] >>> 16) & 0xFFFF, code[i + 3] & 0xFFFF, 0xFFFF);
                macField(s, "sha", code[i + 4], code[i + 5]);
                macField(s, "tha", code[i + 6], code[i + 7]);
                closeSet(s, mark);
            }
            case DpActions.OP_SET_ND -> {
                s.append("set(nd(");
                final int mark = s.length();
                ipv6Field(s, "target", code[i + 1], code[i + 2], code[i + 3], code[i + 4]);
                macField(s, "sll", code[i + 5], code[i + 6]);
                macField(s, "tll", code[i + 7], code[i + 8]);
                closeSet(s, mark);
            }
            case DpActions.OP_USERSPACE -> {
                final long cookie = code[i + 1];
                final int reason = DpActions.userspaceReason(h);
                s.append("userspace(pid=0,controller(reason=").append(reason)
                        .append(",dont_send=").append(reason == DpActions.REASON_INVALID_TTL ? 1 : 0)
                        .append(",continuation=0,recirc_id=0,rule_cookie=")
                        .append(cookie == 0 ? "0" : "0x" + Long.toHexString(cookie))
                        .append(",controller_id=").append(DpActions.userspaceControllerId(h))
                        .append(",max_len=").append(DpActions.userspaceMaxLen(h)).append("))");
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
        // As OVS's format_u8u and format_be16: the value in decimal, a partial mask in hex.
        s.append(name).append('=').append(value);
        if (mask != full) {
            s.append("/0x").append(Long.toHexString(mask));
        }
        s.append(',');
    }

    /** One attribute, "name(field=value,...)", left out entirely when nothing in it is shown. */
    private static final class Attr {
        private final StringBuilder s;
        private final int start;
        private final boolean verbose;
        private boolean any;

        Attr(final StringBuilder s, final String name, final boolean verbose) {
            this.s = s;
            this.start = s.length();
            this.verbose = verbose;
            s.append(',').append(name).append('(');
        }

        private boolean show(final long mask) {
            return verbose || mask != 0;
        }

        private void field(final String name) {
            if (any) {
                s.append(',');
            }
            any = true;
            s.append(name).append('=');
        }

        void mac(final String name, final long value, final long mask) {
            if (show(mask)) {
                field(name);
                s.append(FieldText.mac(value));
                if (mask != 0xFFFF_FFFF_FFFFL) {
                    s.append('/').append(FieldText.mac(mask));
                }
            }
        }

        void ip4(final String name, final long value, final long mask) {
            if (show(mask)) {
                field(name);
                s.append(FieldText.ipv4((int) value));
                if (mask != 0xFFFF_FFFFL) {
                    s.append('/').append(FieldText.ipv4((int) mask));
                }
            }
        }

        void ip6(final String name, final long hi, final long lo, final long mhi, final long mlo) {
            if (verbose || mhi != 0 || mlo != 0) {
                field(name);
                s.append(FieldText.ipv6(hi, lo));
                if (mhi != -1L || mlo != -1L) {
                    s.append('/').append(FieldText.ipv6(mhi, mlo));
                }
            }
        }

        /** A number: decimal (hex for {@code hex} fields, as OVS prints tos and icmp), "/0x…" when partial. */
        void num(final String name, final long value, final long mask, final long full, final boolean hex) {
            if (show(mask)) {
                field(name);
                s.append(hex && value != 0 ? "0x" + Long.toHexString(value) : Long.toString(value));
                if (mask != full) {
                    s.append('/').append(mask == 0 ? "0" : "0x" + Long.toHexString(mask));
                }
            }
        }

        void frag(final long value, final long mask) {
            if (show(mask)) {
                field("frag");
                s.append((value & 1) == 0 ? "no" : (value & 2) == 0 ? "first" : "later");
            }
        }

        void close() {
            if (!any) {
                s.setLength(start);
            } else {
                s.append(')');
            }
        }
    }
}
