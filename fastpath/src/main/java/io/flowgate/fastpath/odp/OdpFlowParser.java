package io.flowgate.fastpath.odp;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

// One file above 400 lines: it is one reader, in OVS's two passes (the text into attributes,
// odp_flow_from_string; the attributes into a key, odp_flow_key_to_flow), and the second pass is
// 120 lines that only this reader's private Attr feeds; splitting them would publish that type.
/**
 * Reads one packet's flow in Open vSwitch's datapath (ODP) flow syntax, the form
 * {@link OdpFormat} prints and {@code ovs-appctl netdev-dummy/receive} takes:
 * {@code in_port(1),eth(src=50:54:00:00:00:05,dst=50:54:00:00:00:07),eth_type(0x0800),
 * ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1234,dst=80),tcp_flags(syn)}.
 *
 * <p>It follows OVS 3.1's {@code odp_flow_from_string} and {@code odp_flow_key_to_flow} for a key
 * (not a mask): the text is read whole first, and an error there is OVS's
 * {@code syntax error at ATTRIBUTE...} followed by what is wrong; then the attributes become a
 * {@link FlowKey}, with OVS's errors for what it refuses (a duplicate attribute, an ethertype below
 * 0x600, a VLAN tci without CFI, an ARP opcode above 255). As in OVS, an attribute that does not
 * fit the rest is ignored ({@code tcp(...)} on a UDP flow), a missing one leaves its fields zero
 * (no {@code eth()}: zero addresses), a missing {@code eth_type} is taken from {@code ipv4}/
 * {@code ipv6} or else makes an 802.3 frame, and {@code /mask} is allowed only where OVS allows
 * it and ignored. Metadata that does not change a packet ({@code in_port}, {@code recirc_id},
 * {@code dp_hash}, {@code skb_priority}, {@code skb_mark}, {@code packet_type}, a leading
 * {@code ufid:}) is read and dropped. Up to two VLAN tags are read (OVS with vlan-limit 2 or 0).
 *
 * <p>Stricter than OVS: a number too big for its field is refused (OVS keeps its low bits), and
 * attributes this key cannot hold (conntrack, tunnel, MPLS, NSH, nd_ext) are refused by name
 * instead of being accepted and dropped.
 */
public final class OdpFlowParser {
    private static final String DELIMITERS = ", \t\r\n";

    private enum Kind { MAC, IPV4, IPV6, U8, BE16, LABEL, FRAG, VID, PCP, CFI }

    /** Attributes made of named fields, and their fields. */
    private static final Map<String, Map<String, Kind>> FIELDS = new LinkedHashMap<>();
    /** Attributes holding one value, and whether a /mask may follow it. */
    private static final Map<String, Boolean> SINGLE = Map.of("skb_priority", true, "skb_mark", true,
            "recirc_id", false, "dp_hash", true, "in_port", true, "eth_type", true, "tcp_flags", true);
    private static final Set<String> UNSUPPORTED = Set.of("ct_state", "ct_zone", "ct_mark", "ct_label", "ct_tuple4",
            "ct_tuple6", "tunnel", "mpls", "nd_ext", "nsh");

    static {
        FIELDS.put("eth", Map.of("src", Kind.MAC, "dst", Kind.MAC));
        FIELDS.put("vlan", Map.of("vid", Kind.VID, "pcp", Kind.PCP, "cfi", Kind.CFI));
        FIELDS.put("ipv4", Map.of("src", Kind.IPV4, "dst", Kind.IPV4, "proto", Kind.U8, "tos", Kind.U8,
                "ttl", Kind.U8, "frag", Kind.FRAG));
        FIELDS.put("ipv6", Map.of("src", Kind.IPV6, "dst", Kind.IPV6, "label", Kind.LABEL, "proto", Kind.U8,
                "tclass", Kind.U8, "hlimit", Kind.U8, "frag", Kind.FRAG));
        FIELDS.put("tcp", Map.of("src", Kind.BE16, "dst", Kind.BE16));
        FIELDS.put("udp", Map.of("src", Kind.BE16, "dst", Kind.BE16));
        FIELDS.put("sctp", Map.of("src", Kind.BE16, "dst", Kind.BE16));
        FIELDS.put("icmp", Map.of("type", Kind.U8, "code", Kind.U8));
        FIELDS.put("icmpv6", Map.of("type", Kind.U8, "code", Kind.U8));
        FIELDS.put("arp", Map.of("sip", Kind.IPV4, "tip", Kind.IPV4, "op", Kind.BE16, "sha", Kind.MAC,
                "tha", Kind.MAC));
        FIELDS.put("nd", Map.of("target", Kind.IPV6, "sll", Kind.MAC, "tll", Kind.MAC));
        FIELDS.put("packet_type", Map.of("ns", Kind.BE16, "id", Kind.BE16));
    }

    /** Most VLAN tags read (FlowKey holds two). */
    private static final int VLAN_LIMIT = 2;

    /**
     * One attribute as written: its fields (a {@code Long}, or a {@code long[2]} for an IPv6
     * address; a single-valued attribute's value is under ""), or the attributes inside encap().
     */
    private record Attr(String name, Map<String, Object> fields, List<Attr> nested) {
        long get(final String field) {
            final Object v = fields.get(field);
            return v == null ? 0 : (Long) v;
        }

        long[] ipv6(final String field) {
            final Object v = fields.get(field);
            return v == null ? new long[2] : (long[]) v;
        }
    }

    /** A syntax problem inside the attribute that starts at the current top-level position. */
    private static final class Bad extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        Bad(final String message) {
            super(message, null, false, false);
        }
    }

    private final String text;
    private int pos;

    private OdpFlowParser(final String text) {
        this.text = text;
    }

    /**
     * The flow key {@code text} describes (in_port and other metadata are not kept).
     *
     * @throws IllegalArgumentException with OVS's message (and what exactly is wrong) if the text
     *                                  is not a flow OVS would accept, or holds what Flowgate cannot compose
     */
    public static long[] parse(final String text) {
        final OdpFlowParser p = new OdpFlowParser(text);
        final List<Attr> attrs = new ArrayList<>();
        while (true) {
            p.skipDelimiters();
            if (p.pos == text.length()) {
                break;
            }
            final int start = p.pos;
            try {
                if (text.startsWith("ufid:", p.pos)) {
                    p.ufid();
                    continue;
                }
                attrs.add(p.attribute());
            } catch (Bad e) {
                throw new IllegalArgumentException("syntax error at " + text.substring(start) + ": " + e.getMessage());
            }
        }
        return toKey(attrs);
    }

    // ---- reading the text ----

    private void skipDelimiters() {
        while (pos < text.length() && DELIMITERS.indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private boolean at(final char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private void expect(final char c, final String after) throws Bad {
        if (!at(c)) {
            throw new Bad("expected '" + c + "' after " + after + found());
        }
        pos++;
    }

    private String found() {
        return pos >= text.length() ? ", found the end" : ", found \"" + text.substring(pos, Math.min(text.length(),
                pos + 12)) + (pos + 12 < text.length() ? "…" : "") + "\"";
    }

    /** A flow id as dpctl/dump-flows -m prints it, which OVS skips. */
    private void ufid() throws Bad {
        pos += "ufid:".length();
        final int start = pos;
        while (pos < text.length() && (Character.digit(text.charAt(pos), 16) >= 0 || text.charAt(pos) == '-')) {
            pos++;
        }
        if (pos == start) {
            throw new Bad("ufid: needs a flow id");
        }
    }

    private Attr attribute() throws Bad {
        final int paren = text.indexOf('(', pos);
        final String name = paren < 0 ? "" : text.substring(pos, paren);
        if (paren < 0 || !name.matches("[a-z_0-9]+")) {
            throw new Bad("expected an attribute such as eth(...) or ipv4(...)");
        }
        if (UNSUPPORTED.contains(name)) {
            throw new Bad(name + "(...) is valid ODP syntax but Flowgate does not compose packets with it"
                    + " (it has no conntrack, tunnel, MPLS or NSH fields)");
        }
        pos = paren + 1;
        if (name.equals("encap")) {
            final List<Attr> nested = new ArrayList<>();
            while (true) {
                skipDelimiters();
                if (pos == text.length()) {
                    throw new Bad("encap( is not closed");
                }
                if (at(')')) {
                    pos++;
                    return new Attr(name, Map.of(), nested);
                }
                nested.add(attribute());
            }
        }
        final Map<String, Object> fields = new LinkedHashMap<>();
        final Boolean maskable = SINGLE.get(name);
        if (maskable != null) {
            fields.put("", name.equals("tcp_flags") ? tcpFlags() : number(name, name.equals("eth_type") ? 0xFFFF
                    : 0xFFFF_FFFFL));
            if (at('/')) {
                if (!maskable) {
                    throw new Bad(name + " takes no mask");
                }
                pos++;
                number(name + " mask", name.equals("eth_type") ? 0xFFFF : 0xFFFF_FFFFL);
            }
            expect(')', name + "'s value");
            return new Attr(name, fields, List.of());
        }
        final Map<String, Kind> spec = FIELDS.get(name);
        if (spec == null) {
            throw new Bad("unknown attribute " + name + "( (Flowgate reads " + String.join(", ", FIELDS.keySet())
                    + ", encap and " + String.join(", ", SINGLE.keySet()) + ")");
        }
        if (name.equals("vlan")) {
            fields.put("tci", (long) VLAN_CFI); // OVS starts from a present tag and sets its fields
        }
        while (!at(')')) {
            if (pos == text.length()) {
                throw new Bad(name + "( is not closed");
            }
            final int eq = text.indexOf('=', pos);
            final String field = eq < 0 ? "" : text.substring(pos, eq);
            final Kind kind = spec.get(field);
            if (kind == null) {
                throw new Bad(name + " has no field \"" + text.substring(pos, end(pos)) + "\" (its fields: "
                        + String.join(", ", spec.keySet().stream().sorted().toList()) + ")");
            }
            pos = eq + 1;
            value(name, field, kind, fields);
            if (at(',')) {
                pos++;
            } else if (!at(')')) {
                throw new Bad("expected ',' or ')' after " + name + " " + field + found());
            }
        }
        pos++;
        return new Attr(name, fields, List.of());
    }

    /** Where the word at {@code from} ends (at '=', ',' or ')'). */
    private int end(final int from) {
        int i = from;
        while (i < text.length() && "=,)".indexOf(text.charAt(i)) < 0) {
            i++;
        }
        return i;
    }

    private void value(final String attr, final String field, final Kind kind, final Map<String, Object> fields)
            throws Bad {
        final String what = attr + " " + field;
        switch (kind) {
            case MAC -> fields.put(field, mac(what));
            case IPV4 -> fields.put(field, ipv4(what));
            case IPV6 -> fields.put(field, ipv6(what));
            case U8 -> fields.put(field, number(what, 0xFF));
            case BE16 -> fields.put(field, number(what, 0xFFFF));
            case LABEL -> fields.put(field, number(what, 0xFFFFF));
            case FRAG -> fields.put(field, frag(what));
            case VID, PCP, CFI -> {
                final int shift = kind == Kind.VID ? 0 : kind == Kind.PCP ? VLAN_PCP_SHIFT : 12;
                final long max = kind == Kind.VID ? VLAN_VID_MASK : kind == Kind.PCP ? 7 : 1;
                final long v = number(what, max);
                final long tci = (Long) fields.get("tci");
                fields.put("tci", (tci & ~(max << shift)) | (v << shift));
            }
        }
    }

    /** A number as C's %i reads it: decimal, 0x hexadecimal or 0 octal. */
    private long number(final String what, final long max) throws Bad {
        final int start = pos;
        int radix = 10;
        if (text.startsWith("0x", pos) || text.startsWith("0X", pos)) {
            radix = 16;
            pos += 2;
        } else if (at('0') && pos + 1 < text.length() && Character.isDigit(text.charAt(pos + 1))) {
            radix = 8;
            pos++;
        }
        final int digits = pos;
        long v = 0;
        while (pos < text.length() && Character.digit(text.charAt(pos), radix) >= 0) {
            v = v * radix + Character.digit(text.charAt(pos), radix);
            if (v > 0xFFFF_FFFF_FFFFL) {
                throw new Bad(what + " " + text.substring(start, end(start)) + " is out of range (0 to " + max + ")");
            }
            pos++;
        }
        if (pos == digits) {
            pos = start;
            throw new Bad(what + " needs a number" + found());
        }
        if (v > max) {
            throw new Bad(what + " " + text.substring(start, pos) + " is out of range (0 to " + max + ")");
        }
        return v;
    }

    private long mac(final String what) throws Bad {
        long mac = 0;
        final int start = pos;
        for (int i = 0; i < 6; i++) {
            if (i > 0 && !at(':')) {
                throw new Bad(what + " \"" + text.substring(start, end(start)) + "\" is not an Ethernet address");
            }
            pos += i > 0 ? 1 : 0;
            int digits = 0;
            int octet = 0;
            while (digits < 2 && pos < text.length() && Character.digit(text.charAt(pos), 16) >= 0) {
                octet = octet * 16 + Character.digit(text.charAt(pos++), 16);
                digits++;
            }
            if (digits == 0) {
                throw new Bad(what + " \"" + text.substring(start, end(start)) + "\" is not an Ethernet address");
            }
            mac = (mac << 8) | octet;
        }
        return mac;
    }

    private long ipv4(final String what) throws Bad {
        long addr = 0;
        final int start = pos;
        for (int i = 0; i < 4; i++) {
            if (i > 0 && !at('.')) {
                throw new Bad(what + " \"" + text.substring(start, end(start)) + "\" is not an IPv4 address");
            }
            pos += i > 0 ? 1 : 0;
            final int from = pos;
            int octet = 0;
            while (pos < text.length() && pos - from < 3 && Character.isDigit(text.charAt(pos))) {
                octet = octet * 10 + (text.charAt(pos++) - '0');
            }
            if (pos == from || octet > 255) {
                throw new Bad(what + " \"" + text.substring(start, end(start)) + "\" is not an IPv4 address");
            }
            addr = (addr << 8) | octet;
        }
        return addr;
    }

    private long[] ipv6(final String what) throws Bad {
        final int start = pos;
        while (pos < text.length() && pos - start < 46 && "0123456789abcdefABCDEF:.".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        final String literal = text.substring(start, pos);
        final byte[] bytes;
        try {
            final byte[] b = literal.isEmpty() ? null : InetAddress.ofLiteral(literal).getAddress();
            if (b == null || (b.length == 4 && !literal.contains(":"))) {
                throw new IllegalArgumentException(literal);
            }
            bytes = b.length == 16 ? b : new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF,
                b[0], b[1], b[2], b[3]}; // an IPv4-mapped address, which Java hands back as IPv4
        } catch (IllegalArgumentException e) {
            throw new Bad(what + " \"" + text.substring(start, end(start)) + "\" is not an IPv6 address");
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (bytes[i] & 0xFF);
            lo = (lo << 8) | (bytes[i + 8] & 0xFF);
        }
        return new long[] {hi, lo};
    }

    /** ODP's fragment types, as nw_frag bits. */
    private long frag(final String what) throws Bad {
        final int start = pos;
        while (pos < text.length() && pos - start < 7 && text.charAt(pos) >= 'a' && text.charAt(pos) <= 'z') {
            pos++;
        }
        return switch (text.substring(start, pos)) {
            case "no" -> 0;
            case "first" -> FRAG_ANY;
            case "later" -> FRAG_ANY | FRAG_LATER;
            default -> {
                pos = start;
                throw new Bad(what + " \"" + text.substring(start, end(start)) + "\" is not a fragment type (no,"
                        + " first or later)");
            }
        };
    }

    /**
     * tcp_flags' value, as OVS's parse_flags reads it: N/M, +flag-flag... (the set ones count), or
     * flags and numbers joined by '|'.
     */
    private long tcpFlags() throws Bad {
        final int start = pos;
        if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            final long v = number("tcp_flags", 0xFFFF_FFFFL);
            if (at('/')) {
                pos++;
                final long m = number("tcp_flags mask", 0xFFFF_FFFFL);
                if (((v | m) & ~0x0FFFL) != 0) {
                    throw new Bad("tcp_flags " + text.substring(start, pos) + ": unknown TCP flags (0 to 0xfff)");
                }
                return v;
            }
            pos = start;
        }
        long flags = 0;
        if (at('+') || at('-')) {
            long seen = 0;
            while (!at(')')) {
                if (!at('+') && !at('-')) {
                    throw new Bad("tcp_flags: each flag must be preceded by '+' (set) or '-' (not set)" + found());
                }
                final boolean set = at('+');
                pos++;
                final int bit = tcpFlag("+-)");
                if ((seen & (1L << bit)) != 0) {
                    throw new Bad("tcp_flags: " + FieldText.tcpFlagName(bit) + " given twice");
                }
                seen |= 1L << bit;
                flags |= set ? 1L << bit : 0;
            }
            return flags;
        }
        while (!at(')')) {
            if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                flags |= number("tcp_flags", 0x0FFF);
            } else {
                flags |= 1L << tcpFlag("|)");
            }
            if (at('|')) {
                pos++;
            } else if (!at(')')) {
                throw new Bad("tcp_flags: expected '|' or ')'" + found());
            }
        }
        return flags;
    }

    private int tcpFlag(final String ends) throws Bad {
        for (int bit = 0; bit < FieldText.tcpFlagCount(); bit++) {
            final String name = FieldText.tcpFlagName(bit);
            final int after = pos + name.length();
            if (text.startsWith(name, pos) && after < text.length() && ends.indexOf(text.charAt(after)) >= 0) {
                pos = after;
                return bit;
            }
        }
        int e = pos;
        while (e < text.length() && "+-|)".indexOf(text.charAt(e)) < 0) {
            e++;
        }
        throw new Bad("tcp_flags: unknown flag \"" + text.substring(pos, e) + "\" (fin, syn, rst, psh, ack, urg, ece,"
                + " cwr, ns)");
    }

    // ---- attributes to a key (odp_flow_key_to_flow) ----

    private static Map<String, Attr> byName(final List<Attr> attrs) {
        final Map<String, Attr> m = new LinkedHashMap<>();
        for (Attr a : attrs) {
            if (m.put(a.name(), a) != null) {
                throw new IllegalArgumentException("duplicate " + a.name() + " attribute in flow key");
            }
        }
        return m;
    }

    private static long[] toKey(final List<Attr> attrs) {
        final long[] key = FlowKey.newKey();
        Map<String, Attr> level = byName(attrs);
        final Attr eth = level.get("eth");
        if (eth != null) {
            FlowField.ETH_SRC.set(key, eth.get("src"));
            FlowField.ETH_DST.set(key, eth.get("dst"));
        }
        int dlType = ethertype(level);
        for (int tag = 0; tag < VLAN_LIMIT && FlowKey.isVlanTpid(dlType); tag++) {
            final FlowField tpid = tag == 0 ? FlowField.VLAN0_TPID : FlowField.VLAN1_TPID;
            final FlowField tciField = tag == 0 ? FlowField.VLAN0_TCI : FlowField.VLAN1_TCI;
            final Attr vlan = level.get("vlan");
            final Attr encap = level.get("encap");
            final long tci = vlan == null ? 0 : vlan.get("tci");
            tpid.set(key, dlType);
            tciField.set(key, tci);
            dlType = 0;
            if (vlan == null || encap == null || tci == 0) {
                // OVS keeps such a flow as it is (too little to go on): the tag's ethertype and 0.
                FlowField.DL_TYPE.set(key, 0);
                return key;
            }
            if ((tci & VLAN_CFI) == 0) {
                throw new IllegalArgumentException(String.format("OVS_KEY_ATTR_VLAN 0x%04x is nonzero but CFI bit is"
                        + " not set", tci));
            }
            level = byName(encap.nested());
            dlType = ethertype(level);
        }
        FlowField.DL_TYPE.set(key, dlType);
        l3(level, dlType, key);
        return key;
    }

    /** parse_ethertype: eth_type(), or what ipv4/ipv6 imply, or an 802.3 frame. */
    private static int ethertype(final Map<String, Attr> level) {
        final Attr t = level.get("eth_type");
        if (t != null) {
            final int type = (int) t.get("");
            if (type < 0x600) {
                throw new IllegalArgumentException("invalid Ethertype " + type + " in flow key");
            }
            if (type == 0x8847 || type == 0x8848) {
                throw new IllegalArgumentException(String.format("eth_type(0x%04x): Flowgate does not compose MPLS"
                        + " packets", type));
            }
            return type;
        }
        return level.containsKey("ipv4") ? ETH_TYPE_IP : level.containsKey("ipv6") ? ETH_TYPE_IPV6 : DL_TYPE_NONE;
    }

    /** parse_l2_5_onward for a key. */
    private static void l3(final Map<String, Attr> level, final int dlType, final long[] key) {
        if (dlType == ETH_TYPE_IP && level.get("ipv4") instanceof Attr ip) {
            FlowField.NW_SRC.set(key, ip.get("src"));
            FlowField.NW_DST.set(key, ip.get("dst"));
            FlowField.NW_PROTO.set(key, ip.get("proto"));
            FlowField.NW_TOS.set(key, ip.get("tos"));
            FlowField.NW_TTL.set(key, ip.get("ttl"));
            FlowField.NW_FRAG.set(key, ip.get("frag"));
        } else if (dlType == ETH_TYPE_IPV6 && level.get("ipv6") instanceof Attr ip) {
            final long[] src = ip.ipv6("src");
            final long[] dst = ip.ipv6("dst");
            key[W_IPV6_SRC] = src[0];
            key[W_IPV6_SRC + 1] = src[1];
            key[W_IPV6_DST] = dst[0];
            key[W_IPV6_DST + 1] = dst[1];
            FlowField.IPV6_LABEL.set(key, ip.get("label"));
            FlowField.NW_PROTO.set(key, ip.get("proto"));
            FlowField.NW_TOS.set(key, ip.get("tclass"));
            FlowField.NW_TTL.set(key, ip.get("hlimit"));
            FlowField.NW_FRAG.set(key, ip.get("frag"));
        } else if ((dlType == ETH_TYPE_ARP || dlType == ETH_TYPE_RARP) && level.get("arp") instanceof Attr arp) {
            final long op = arp.get("op");
            if (op > 0xFF) {
                throw new IllegalArgumentException("unsupported ARP opcode " + op + " in flow key");
            }
            FlowField.NW_SRC.set(key, arp.get("sip"));
            FlowField.NW_DST.set(key, arp.get("tip"));
            FlowField.NW_PROTO.set(key, op);
            FlowField.ARP_SHA.set(key, arp.get("sha"));
            FlowField.ARP_THA.set(key, arp.get("tha"));
            return;
        }
        if (dlType != ETH_TYPE_IP && dlType != ETH_TYPE_IPV6) {
            return;
        }
        if ((FlowKey.nwFrag(key, 0) & FRAG_LATER) != 0) {
            return;
        }
        final int proto = FlowKey.nwProto(key, 0);
        final String l4 = switch (proto) {
            case IPPROTO_TCP -> "tcp";
            case IPPROTO_UDP -> "udp";
            case IPPROTO_SCTP -> "sctp";
            case IPPROTO_ICMP -> dlType == ETH_TYPE_IP ? "icmp" : null;
            case IPPROTO_ICMPV6 -> dlType == ETH_TYPE_IPV6 ? "icmpv6" : null;
            default -> null;
        };
        final Attr tp = l4 == null ? null : level.get(l4);
        if (tp != null) {
            final boolean icmp = l4.startsWith("icmp");
            FlowField.TP_SRC.set(key, tp.get(icmp ? "type" : "src"));
            FlowField.TP_DST.set(key, tp.get(icmp ? "code" : "dst"));
        }
        if (proto == IPPROTO_TCP && level.get("tcp_flags") instanceof Attr flags) {
            FlowField.TCP_FLAGS.set(key, flags.get(""));
        }
        final int type = FlowKey.tpSrc(key, 0);
        if ("icmpv6".equals(l4) && tp != null && FlowKey.tpDst(key, 0) == 0 && (type == 135 || type == 136)
                && level.get("nd") instanceof Attr nd) {
            final long[] target = nd.ipv6("target");
            key[W_ND_TARGET] = target[0];
            key[W_ND_TARGET + 1] = target[1];
            FlowField.ARP_SHA.set(key, nd.get("sll"));
            FlowField.ARP_THA.set(key, nd.get("tll"));
        }
    }
}
