package io.flowgate.slowpath.syntax;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.classifier.Prerequisite;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.OfField;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Open vSwitch's flow syntax, as {@code ovs-ofctl -O OpenFlow13 add-flows} reads it: rules
 * ({@code table=1,priority=10,tcp,nw_dst=10.0.0.0/8,tp_dst=80,actions=dec_ttl,output:2}), exact
 * flows for tracing ({@code in_port=1,tcp,nw_dst=10.1.2.3,tp_dst=80}) and deletion filters.
 *
 * <p>Prerequisites are enforced: a field whose prerequisite the rest of the match does not
 * establish (tp_dst without tcp, udp or sctp; nd_target without icmp6 and icmp_type 135/136) is
 * an error, where ovs-ofctl would silently drop it. Every error names the source, the line, the
 * column and the offending token; parsing a file yields all of its rules or none.
 */
public final class FlowSyntax {
    private static final int MAX_TABLE = 254;

    private FlowSyntax() {
    }

    /** Parses a flows file (one rule per line; blank lines and {@code #} comments ignored). */
    public static List<Rule> parseFlowsFile(final Path file, final long nowMillis) throws SyntaxException, IOException {
        return parseFlows(file.toString(), Files.readString(file, StandardCharsets.UTF_8), nowMillis);
    }

    public static List<Rule> parseFlows(final String source, final String text, final long nowMillis)
            throws SyntaxException {
        final List<Rule> rules = new ArrayList<>();
        final String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            final String line = stripComment(lines[i]);
            if (!line.isBlank()) {
                rules.add(parseRule(source, i + 1, line, nowMillis));
            }
        }
        return rules;
    }

    static String stripComment(final String line) {
        final String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        return l.stripLeading().startsWith("#") ? "" : l;
    }

    /** Parses one rule (add-flow syntax). */
    public static Rule parseRule(final String source, final int line, final String text, final long nowMillis)
            throws SyntaxException {
        final Line l = new Line(source, line);
        final int actionsAt = findActions(text);
        if (actionsAt < 0) {
            throw l.error(1, text.strip(), "rule has no \"actions=\" (use actions=drop to drop)");
        }
        final MatchBuilder mb = new MatchBuilder(l);
        final RuleHeader h = new RuleHeader();
        for (Token t : Token.split(text.substring(0, actionsAt), 1, true)) {
            if (!h.accept(l, t)) {
                mb.accept(t, false);
            } else if (h.cookieMaskGiven) {
                throw l.error(t, "flow additions cannot use a cookie mask (as ovs-ofctl says; masks are for"
                        + " del-flows and mod-flows)");
            }
        }
        final Match match = mb.build();
        // "actions" then "=", with spaces around it allowed, as ovs-ofctl allows them.
        int valueStart = text.indexOf('=', actionsAt) + 1;
        while (valueStart < text.length() && Character.isWhitespace(text.charAt(valueStart))) {
            valueStart++;
        }
        final List<OfAction> actions = ActionSyntax.parse(l, text.substring(valueStart), valueStart + 1,
                h.table, match);
        return new Rule(h.table, h.priority, h.cookie, h.idleTimeout, h.hardTimeout, match, actions, nowMillis);
    }

    /** Index of "actions=" (spaces allowed before the "=") at the top level, or -1. */
    static int findActions(final String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0 && text.regionMatches(true, i, "actions", 0, 7)
                    && (i == 0 || text.charAt(i - 1) == ',' || Character.isWhitespace(text.charAt(i - 1)))) {
                int j = i + 7;
                while (j < text.length() && Character.isWhitespace(text.charAt(j))) {
                    j++;
                }
                if (j < text.length() && text.charAt(j) == '=') {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Parses an exact flow for tracing: every field not given is zero. Like ofproto/trace, masks
     * are not allowed.
     */
    public static long[] parseFlow(final String text) throws SyntaxException {
        final Line l = new Line("flow", 1);
        final MatchBuilder mb = new MatchBuilder(l);
        for (Token t : Token.split(text, 1, true)) {
            mb.accept(t, true);
        }
        final long[] key = mb.build().value().clone();
        if ((FlowField.VLAN0_TCI.get(key) & VLAN_CFI) != 0) {
            FlowField.VLAN0_TPID.set(key, ETH_TYPE_VLAN_8021Q);
        }
        return key;
    }

    /** Parses a match alone (for del-flows and dump-flows filters), with optional table= and cookie=V/M. */
    public static RulePipeline.RuleFilter parseFilter(final String text, final boolean strict) throws SyntaxException {
        final Line l = new Line("match", 1);
        final MatchBuilder mb = new MatchBuilder(l);
        final RuleHeader h = new RuleHeader();
        h.table = -1;
        for (Token t : Token.split(text, 1, true)) {
            if (!h.accept(l, t)) {
                mb.accept(t, false);
            }
        }
        return new RulePipeline.RuleFilter(h.table, mb.build(), strict, h.priority, h.cookie, h.cookieMask);
    }

    /** Position context for errors. */
    record Line(String source, int number) {
        SyntaxException error(final int column, final String token, final String problem) {
            return new SyntaxException(source, number, column, token, problem);
        }

        SyntaxException error(final Token t, final String problem) {
            return error(t.column(), t.text(), problem);
        }
    }

    /** table, priority, cookie and timeouts. */
    private static final class RuleHeader {
        int table;
        int priority = 0x8000;
        long cookie;
        long cookieMask = 0;
        boolean cookieMaskGiven;
        int idleTimeout;
        int hardTimeout;

        boolean accept(final Line l, final Token t) throws SyntaxException {
            final String name = t.name('=').toLowerCase(Locale.ROOT);
            final String v = t.value('=');
            switch (name) {
                case "table", "priority", "idle_timeout", "hard_timeout", "cookie" -> {
                    if (v == null || v.isEmpty()) {
                        throw l.error(t, name + " needs a value, as in \"" + name + "=1\"");
                    }
                }
                default -> {
                    return false;
                }
            }
            try {
                switch (name) {
                    case "table" -> {
                        table = (int) Values.uint(v, 8, "table");
                        if (table > MAX_TABLE) {
                            throw new Values.Bad("table " + table + " is out of range (0 to " + MAX_TABLE + ")");
                        }
                    }
                    case "priority" -> {
                        final long p = Values.uint(v, 32, "priority");
                        if (p > 65535) {
                            throw new Values.Bad("invalid priority \"" + v + "\" (0 to 65535)");
                        }
                        priority = (int) p;
                    }
                    case "idle_timeout" -> idleTimeout = (int) Values.uint(v, 16, "idle_timeout");
                    case "hard_timeout" -> hardTimeout = (int) Values.uint(v, 16, "hard_timeout");
                    case "cookie" -> {
                        final int slash = v.indexOf('/');
                        cookie = Values.uint(slash < 0 ? v : v.substring(0, slash), 64, "cookie");
                        final String mask = slash < 0 ? null : v.substring(slash + 1);
                        cookieMaskGiven = mask != null;
                        // -1 is all ones, as ovs-ofctl reads it.
                        cookieMask = mask == null || mask.equals("-1") ? -1L : Values.uint(mask, 64, "cookie mask");
                        cookie &= cookieMask;
                    }
                    default -> throw new AssertionError(name);
                }
            } catch (Values.Bad e) {
                throw l.error(t.valueColumn('='), v, e.getMessage());
            }
            return true;
        }
    }

    /** Accumulates match fields and checks them. */
    static final class MatchBuilder {
        private final Line l;
        private final long[] value = new long[FlowKey.WORDS];
        private final long[] mask = new long[FlowKey.WORDS];
        private final Map<OfField, Token> given = new EnumMap<>(OfField.class);
        private final List<Object[]> prereqChecks = new ArrayList<>();

        MatchBuilder(final Line l) {
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

        private boolean shorthand(final Token t, final String name) throws SyntaxException {
            final int type;
            final int proto;
            switch (name) {
                case "ip" -> { type = ETH_TYPE_IP; proto = -1; }
                case "ipv6" -> { type = ETH_TYPE_IPV6; proto = -1; }
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
