package io.flowgate.slowpath.syntax;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.classifier.Prerequisite;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfField;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The match part of a flow in ovs-ofctl syntax ({@code tcp,nw_dst=10.0.0.0/8,tp_dst=80}): each
 * field or shorthand a token names, its value and mask, and, once the whole match is read, the
 * prerequisites every field needs. {@link FlowSyntax} reads the rest of a rule line (table,
 * priority, cookie, timeouts, actions) and hands it the match tokens; {@link FlowFormat} prints
 * what it builds.
 */
final class MatchBuilder {
    private final FlowSyntax.Line l;
    private final long[] value = new long[FlowKey.WORDS];
    private final long[] mask = new long[FlowKey.WORDS];
    private final Map<OfField, Token> given = new EnumMap<>(OfField.class);
    private final List<Object[]> prereqChecks = new ArrayList<>();

    MatchBuilder(final FlowSyntax.Line l) {
        this.l = l;
    }

    void accept(final Token t, final boolean exact) throws SyntaxException {
        final String name = t.name('=').toLowerCase(Locale.ROOT);
        final String v = t.value('=');
        if (v == null) {
            if (!shorthand(t, name)) {
                throw l.error(t, "unknown keyword \"" + t.text() + "\" (expected a field=value, "
                        + "a protocol such as ip or tcp, or actions=)");
            }
            return;
        }
        final OfField field = OfField.byName(name);
        if (field == null) {
            throw l.error(t, "unknown field \"" + t.name('=') + "\"");
        }
        if (v.isEmpty()) {
            throw l.error(t, field.displayName() + " needs a value");
        }
        try {
            set(field, name, v, exact, t);
        } catch (Values.Bad e) {
            throw l.error(t.valueColumn('='), v, e.getMessage());
        }
    }

    @SuppressWarnings({"checkstyle:LeftCurly", "checkstyle:OneStatementPerLine"}) // a table: a shorthand a line
    private boolean shorthand(final Token t, final String name) throws SyntaxException {
        final int type;
        final int proto;
        switch (name) {
            case "ip" -> { type = ETH_TYPE_IP; proto = -1; }
            case "ipv6", "ip6" -> { type = ETH_TYPE_IPV6; proto = -1; }
            case "tcp" -> { type = ETH_TYPE_IP; proto = IPPROTO_TCP; }
            case "udp" -> { type = ETH_TYPE_IP; proto = IPPROTO_UDP; }
            case "sctp" -> { type = ETH_TYPE_IP; proto = IPPROTO_SCTP; }
            case "icmp" -> { type = ETH_TYPE_IP; proto = IPPROTO_ICMP; }
            case "tcp6" -> { type = ETH_TYPE_IPV6; proto = IPPROTO_TCP; }
            case "udp6" -> { type = ETH_TYPE_IPV6; proto = IPPROTO_UDP; }
            case "sctp6" -> { type = ETH_TYPE_IPV6; proto = IPPROTO_SCTP; }
            case "icmp6" -> { type = ETH_TYPE_IPV6; proto = IPPROTO_ICMPV6; }
            case "arp" -> { type = ETH_TYPE_ARP; proto = -1; }
            case "rarp" -> { type = ETH_TYPE_RARP; proto = -1; }
            default -> {
                return false;
            }
        }
        put(OfField.DL_TYPE, type, 0xFFFF, t);
        if (proto >= 0) {
            put(OfField.NW_PROTO, proto, 0xFF, t);
        }
        return true;
    }

    private void put(final OfField f, final long v, final long m, final Token t) throws SyntaxException {
        final long old = f.get(mask);
        if (old != 0 && (f.get(value) & m & old) != (v & m & old)) {
            final Token first = given.get(f);
            throw l.error(t, "\"" + t.text() + "\" conflicts with \"" + (first == null ? "?" : first.text())
                    + "\" at column " + (first == null ? 0 : first.column()));
        }
        f.write(value, v, m);
        f.orMask(mask, m);
        given.putIfAbsent(f, t);
    }

    private void putWide(final OfField f, final long[] vm, final Token t) {
        f.write(value, vm[0], vm[1], vm[2], vm[3]);
        f.orMask(mask, vm[2], vm[3]);
        given.putIfAbsent(f, t);
    }

    private void set(final OfField field, final String nameUsed, final String v, final boolean exact, final Token t)
            throws Values.Bad, SyntaxException {
        final int slash = v.indexOf('/');
        if (slash >= 0 && exact) {
            throw new Values.Bad(field.displayName() + " in a flow takes a value, not a mask");
        }
        if (slash >= 0 && !field.maskable() && field.kind() == OfField.Kind.UINT) {
            throw new Values.Bad(v + ": invalid mask for field " + field.displayName()
                    + " (it can only be matched exactly)");
        }
        final String name = field.displayName();
        switch (field.kind()) {
            case MAC -> {
                final long val = Values.mac(slash < 0 ? v : v.substring(0, slash), name);
                final long m = slash < 0 ? MAC_MASK : Values.mac(v.substring(slash + 1), name + " mask");
                put(field, val & m, m, t);
            }
            case IPV4 -> {
                final long[] vm = Values.ipv4Masked(v, name);
                put(field, vm[0], vm[1], t);
            }
            case IPV6 -> putWide(field, Values.ipv6Masked(v, name), t);
            case FRAG -> frag(v, t);
            case TCP_FLAGS -> tcpFlags(v, t);
            case UINT -> uint(field, v, slash, exact, t);
        }
        prereqChecks.add(new Object[] {field, nameUsed, t});
    }

    private void uint(final OfField field, final String v, final int slash, final boolean exact, final Token t)
            throws Values.Bad, SyntaxException {
        final String name = field.displayName();
        final String vs = slash < 0 ? v : v.substring(0, slash);
        switch (field) {
            case DL_VLAN -> {
                final long vid = Values.uint(vs, 16, name);
                if (vid == 0xFFFF) {
                    put(OfField.VLAN_TCI, 0, 0xFFFF, t);
                } else if (vid > VLAN_VID_MASK) {
                    throw new Values.Bad(vs + ": not a valid VLAN id (0 to 4095, or 0xffff for no VLAN)");
                } else {
                    put(OfField.VLAN_TCI, vid | VLAN_CFI, VLAN_VID_MASK | VLAN_CFI, t);
                }
                return;
            }
            case DL_VLAN_PCP -> {
                final long pcp = Values.uint(vs, 8, name);
                if (pcp > 7) {
                    throw new Values.Bad(vs + ": not a valid VLAN PCP (0 to 7)");
                }
                put(OfField.VLAN_TCI, (pcp << VLAN_PCP_SHIFT) | VLAN_CFI, VLAN_PCP_MASK | VLAN_CFI, t);
                return;
            }
            case ICMP_TYPE, ICMPV6_TYPE, ICMP_CODE, ICMPV6_CODE -> {
                // OVS keeps ICMP type and code in the 16-bit transport port fields and
                // matches them with the full 16-bit mask.
                final long n = Values.uint(vs, 8, name);
                final boolean type = field == OfField.ICMP_TYPE || field == OfField.ICMPV6_TYPE;
                put(type ? OfField.TP_SRC : OfField.TP_DST, n, 0xFFFF, t);
                return;
            }
            case NW_TOS -> {
                final long tos = Values.uint(vs, 8, name);
                if (exact) {
                    put(field, tos, 0xFC, t); // like ofproto/trace: the ECN bits are dropped
                    return;
                }
                if ((tos & 3) != 0) {
                    throw new Values.Bad(vs + ": not a valid TOS (nw_tos takes the DSCP bits of the "
                            + "TOS byte: a multiple of 4)");
                }
                put(field, tos, 0xFC, t);
                return;
            }
            case ARP_OP -> {
                final long op = Values.uint(vs, 16, name);
                if (op > 255) {
                    throw new Values.Bad(vs + ": arp_op above 255 cannot be matched (only the low 8 bits are kept)");
                }
                put(field, op, 0xFF, t);
                return;
            }
            case IN_PORT -> {
                final long p = Values.uint(vs, 32, name);
                if (p == 0 || p > 0xFFFF_FF00L) {
                    throw new Values.Bad(vs + ": not a valid port number (1 to 4294967040)");
                }
                put(field, p, 0xFFFF_FFFFL, t);
                return;
            }
            default -> {
            }
        }
        final long val = Values.uint(vs, field.bits(), name);
        final long m = slash < 0 ? field.valueMask() : Values.uint(v.substring(slash + 1), field.bits(), name + " mask");
        put(field, val & m, m, t);
    }

    private void frag(final String v, final Token t) throws Values.Bad, SyntaxException {
        final int any = FRAG_ANY;
        final int later = FRAG_LATER;
        switch (v) {
            case "no" -> put(OfField.NW_FRAG, 0, any, t);
            case "yes" -> put(OfField.NW_FRAG, any, any, t);
            case "first" -> put(OfField.NW_FRAG, any, any | later, t);
            case "later" -> put(OfField.NW_FRAG, any | later, any | later, t);
            case "not_later" -> put(OfField.NW_FRAG, 0, later, t);
            default -> throw new Values.Bad(v + ": unknown fragment type (valid types are \"no\", \"yes\", "
                    + "\"first\", \"later\", \"not_later\")");
        }
    }

    private void tcpFlags(final String v, final Token t) throws Values.Bad, SyntaxException {
        if (v.startsWith("+") || v.startsWith("-")) {
            long value = 0;
            long m = 0;
            int i = 0;
            while (i < v.length()) {
                final char sign = v.charAt(i);
                if (sign != '+' && sign != '-') {
                    throw new Values.Bad(v + ": expected + or - before each TCP flag name");
                }
                int j = i + 1;
                while (j < v.length() && v.charAt(j) != '+' && v.charAt(j) != '-') {
                    j++;
                }
                final int bit = tcpFlagBit(v.substring(i + 1, j), v);
                if ((m & (1L << bit)) != 0) {
                    throw new Values.Bad(v + ": TCP flag " + v.substring(i + 1, j) + " given twice");
                }
                m |= 1L << bit;
                if (sign == '+') {
                    value |= 1L << bit;
                }
                i = j;
            }
            put(OfField.TCP_FLAGS, value, m, t);
            return;
        }
        if (Character.isDigit(v.charAt(0))) {
            final int slash = v.indexOf('/');
            final long value = Values.uint(slash < 0 ? v : v.substring(0, slash), 12, "tcp_flags");
            final long m = slash < 0 ? 0x0FFF : Values.uint(v.substring(slash + 1), 12, "tcp_flags mask");
            put(OfField.TCP_FLAGS, value & m, m, t);
            return;
        }
        long value = 0;
        for (String name : v.split("\\|", -1)) {
            value |= 1L << tcpFlagBit(name, v);
        }
        put(OfField.TCP_FLAGS, value, 0x0FFF, t);
    }

    private static int tcpFlagBit(final String name, final String whole) throws Values.Bad {
        for (int bit = 0; bit < 12; bit++) {
            if (FieldText.tcpFlagName(bit).equals(name)) {
                return bit;
            }
        }
        throw new Values.Bad(whole + ": unknown TCP flag \"" + name
                + "\" (fin, syn, rst, psh, ack, urg, ece, cwr, ns)");
    }

    Match build() throws SyntaxException {
        for (Object[] check : prereqChecks) {
            final OfField f = (OfField) check[0];
            final String nameUsed = (String) check[1];
            final Token t = (Token) check[2];
            final Match m = Match.of(value, mask);
            if (!prerequisiteMet(f, nameUsed, m)) {
                throw l.error(t, "prerequisites not met for " + nameUsed + ": it needs "
                        + prerequisiteText(f, nameUsed) + " in the same match");
            }
        }
        return Match.of(value, mask);
    }

    /** The legacy names tp_*, icmp_*, nw_src/nw_dst and nw_proto also fit the IPv6 and ARP variants. */
    static boolean prerequisiteMet(final OfField f, final String nameUsed, final Match m) {
        return switch (f) {
            case ICMP_TYPE, ICMP_CODE -> Prerequisite.ICMPV4.satisfiedBy(m) || Prerequisite.ICMPV6.satisfiedBy(m);
            case NW_SRC, NW_DST -> Prerequisite.IPV4.satisfiedBy(m) || Prerequisite.ARP.satisfiedBy(m);
            case NW_PROTO -> Prerequisite.IP_ANY.satisfiedBy(m) || Prerequisite.ARP.satisfiedBy(m);
            default -> f.prerequisite().satisfiedBy(m);
        };
    }

    static String prerequisiteText(final OfField f, final String nameUsed) {
        return switch (f) {
            case ICMP_TYPE, ICMP_CODE -> "icmp or icmp6";
            case NW_SRC, NW_DST -> "ip or arp";
            case NW_PROTO -> "ip, ipv6 or arp";
            default -> f.prerequisite().description();
        };
    }
}
