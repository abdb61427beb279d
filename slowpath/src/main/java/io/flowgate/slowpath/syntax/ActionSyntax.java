package io.flowgate.slowpath.syntax;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.slowpath.classifier.Prerequisite;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.OfField;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The action list of a rule or group bucket. Actions are normalised the way an
 * {@code ovs-ofctl -O OpenFlow13} round trip leaves them (mod_nw_dst becomes set_field on ip_dst;
 * mod_vlan_vid pushes a tag first unless the match guarantees one). For rules, each action's
 * prerequisite is checked against the match as changed by the actions before it (after push_vlan
 * the packet has a tag), as ovs-ofctl does.
 */
final class ActionSyntax {
    private ActionSyntax() {
    }

    /**
     * @param text   the text after "actions=" (may be empty: drop)
     * @param column column of its first character
     * @param table  the rule's table, or -1 for a group bucket (no match to check against)
     * @param match  the rule's match, or null for a bucket
     */
    static List<OfAction> parse(final FlowSyntax.Line l, final String text, final int column, final int table,
                                final Match match) throws SyntaxException {
        return parse(l, Token.split(text, column, false), table, match);
    }

    /** Same, from tokens already split (group buckets). */
    static List<OfAction> parse(final FlowSyntax.Line l, final List<Token> tokens, final int table, final Match match)
            throws SyntaxException {
        final List<OfAction> out = new ArrayList<>();
        final long[] value = match == null ? null : match.value().clone();
        final long[] mask = match == null ? null : match.mask().clone();
        for (int i = 0; i < tokens.size(); i++) {
            final Token t = tokens.get(i);
            final String lower = t.text().toLowerCase(Locale.ROOT);
            if (lower.equals("drop")) {
                if (tokens.size() > 1) {
                    throw l.error(t, "\"drop\" must not be accompanied by any other action");
                }
                return List.of();
            }
            if (!out.isEmpty() && out.get(out.size() - 1) instanceof OfAction.GotoTable) {
                throw l.error(t, "goto_table must be the last action (\"" + t.text() + "\" follows it)");
            }
            parseOne(l, t, lower, table, value, mask, out);
        }
        return out;
    }

    private static void parseOne(final FlowSyntax.Line l, final Token t, final String lower, final int table,
                                 final long[] value, final long[] mask, final List<OfAction> out)
            throws SyntaxException {
        final String name = nameOf(lower);
        final String arg = argOf(t.text());
        try {
            switch (name) {
                case "output" -> out.add(output(need(arg, "output:PORT")));
                case "controller" -> out.add(controller(t.text(), arg));
                case "flood", "all" -> {
                    if (arg != null) {
                        throw new Values.Bad(name + " takes no argument");
                    }
                    out.add(name.equals("flood") ? new OfAction.Flood() : new OfAction.All());
                }
                case "in_port" -> {
                    if (arg != null) {
                        throw new Values.Bad("in_port takes no argument (it outputs to the input port)");
                    }
                    out.add(new OfAction.OutputInPort());
                }
                case "mod_dl_src", "mod_dl_dst" ->
                        out.add(new OfAction.SetEth(name.equals("mod_dl_src"), Values.mac(need(arg, name + ":MAC"), name)));
                case "mod_nw_src", "mod_nw_dst" -> {
                    final OfField f = name.equals("mod_nw_src") ? OfField.NW_SRC : OfField.NW_DST;
                    requires(Prerequisite.IPV4, name, value, mask);
                    out.add(setField(f, Values.ipv4(need(arg, name + ":IP"), name), value, mask));
                }
                case "mod_nw_tos" -> {
                    final long tos = Values.uint(need(arg, "mod_nw_tos:TOS"), 8, name);
                    if ((tos & 3) != 0) {
                        throw new Values.Bad(arg + ": not a valid TOS (mod_nw_tos takes the DSCP bits of the TOS "
                                + "byte: a multiple of 4)");
                    }
                    requires(Prerequisite.IP_ANY, name, value, mask);
                    out.add(new OfAction.SetIpDscp((int) tos));
                }
                case "mod_nw_ecn" -> {
                    final long ecn = Values.uint(need(arg, "mod_nw_ecn:ECN"), 8, name);
                    if (ecn > 3) {
                        throw new Values.Bad(arg + ": not a valid ECN (0 to 3)");
                    }
                    requires(Prerequisite.IP_ANY, name, value, mask);
                    out.add(setField(OfField.NW_ECN, ecn, value, mask));
                }
                case "mod_nw_ttl" -> {
                    final long ttl = Values.uint(need(arg, "mod_nw_ttl:TTL"), 8, name);
                    requires(Prerequisite.IP_ANY, name, value, mask);
                    out.add(new OfAction.SetIpTtl((int) ttl));
                }
                case "mod_tp_src", "mod_tp_dst" -> {
                    final long p = Values.uint(need(arg, name + ":PORT"), 16, name);
                    requires(Prerequisite.L4, name, value, mask);
                    out.add(new OfAction.SetL4Port(name.equals("mod_tp_src"), (int) p));
                }
                case "dec_ttl" -> {
                    if (arg != null && !arg.isEmpty()) {
                        throw new Values.Bad("dec_ttl with controller ids is not supported (no controller)");
                    }
                    requires(Prerequisite.IP_ANY, name, value, mask);
                    out.add(new OfAction.DecTtl());
                }
                case "mod_vlan_vid" -> {
                    final long vid = Values.uint(need(arg, "mod_vlan_vid:VID"), 16, name);
                    if (vid > VLAN_VID_MASK) {
                        throw new Values.Bad(arg + ": not a valid VLAN id (0 to 4095)");
                    }
                    pushIfNeeded(value, mask, out);
                    out.add(setField(OfField.VLAN_VID, vid | VLAN_CFI, value, mask));
                }
                case "mod_vlan_pcp" -> {
                    final long pcp = Values.uint(need(arg, "mod_vlan_pcp:PCP"), 8, name);
                    if (pcp > 7) {
                        throw new Values.Bad(arg + ": not a valid VLAN PCP (0 to 7)");
                    }
                    pushIfNeeded(value, mask, out);
                    out.add(setField(OfField.VLAN_PCP, pcp, value, mask));
                }
                case "strip_vlan", "pop_vlan" -> {
                    if (arg != null) {
                        throw new Values.Bad(name + " takes no argument");
                    }
                    out.add(new OfAction.PopVlan());
                    if (value != null) {
                        FlowField.VLAN0_TCI.set(value, 0);
                        FlowField.VLAN0_TCI.set(mask, 0xFFFF);
                    }
                }
                case "push_vlan" -> {
                    final long tpid = Values.uint(need(arg, "push_vlan:ETHERTYPE"), 16, name);
                    if (tpid != ETH_TYPE_VLAN_8021Q && tpid != ETH_TYPE_VLAN_8021AD) {
                        throw new Values.Bad(arg + ": not a valid VLAN ethertype (0x8100 or 0x88a8)");
                    }
                    out.add(new OfAction.PushVlan((int) tpid));
                    markTagged(value, mask);
                }
                case "set_field" -> out.add(setFieldAction(need(arg, "set_field:VALUE->FIELD"), value, mask));
                case "load" -> out.add(loadAction(need(arg, "load:VALUE->FIELD[BITS]"), value, mask));
                case "resubmit" -> out.add(resubmit(t.text(), arg));
                case "goto_table" -> {
                    final long target = Values.uint(need(arg, "goto_table:TABLE"), 8, name);
                    if (table >= 0 && target <= table) {
                        throw new Values.Bad("goto_table:" + target + " must name a later table than this rule's "
                                + "table " + table);
                    }
                    if (target > 254) {
                        throw new Values.Bad("table " + target + " is out of range (0 to 254)");
                    }
                    if (table < 0) {
                        throw new Values.Bad("goto_table is not allowed in a group bucket");
                    }
                    out.add(new OfAction.GotoTable((int) target));
                }
                case "group" -> out.add(new OfAction.Group((int) Values.uint(need(arg, "group:GROUP"), 32, name)));
                case "normal", "local", "learn", "ct", "meter", "note",
                        "enqueue", "bundle", "multipath", "move", "clone", "sample", "exit" ->
                        throw new Values.Bad("action \"" + name + "\" is not supported by Flowgate");
                default -> {
                    if (lower.chars().allMatch(Character::isDigit)) {
                        out.add(new OfAction.Output(port(lower)));
                    } else {
                        throw new Values.Bad("unknown action \"" + t.text() + "\"");
                    }
                }
            }
        } catch (Values.Bad e) {
            throw l.error(t, e.getMessage());
        }
    }

    /** "mod_dl_src:..." → mod_dl_src; "resubmit(,2)" → resubmit. */
    private static String nameOf(final String lower) {
        int end = lower.length();
        for (int i = 0; i < lower.length(); i++) {
            final char c = lower.charAt(i);
            if (c == ':' || c == '(' || c == '=') {
                end = i;
                break;
            }
        }
        return lower.substring(0, end);
    }

    private static String argOf(final String text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == ':' || c == '=') {
                return text.substring(i + 1);
            }
            if (c == '(') {
                return text.endsWith(")") ? text.substring(i + 1, text.length() - 1) : text.substring(i + 1);
            }
        }
        return null;
    }

    private static String need(final String arg, final String form) throws Values.Bad {
        if (arg == null || arg.isEmpty()) {
            throw new Values.Bad("missing argument, expected " + form);
        }
        return arg;
    }

    /** {@code output:PORT}: a port number or one of the reserved ports a rule may name. */
    private static OfAction output(final String port) throws Values.Bad {
        return switch (port.toLowerCase(java.util.Locale.ROOT)) {
            case "in_port" -> new OfAction.OutputInPort();
            case "flood" -> new OfAction.Flood();
            case "all" -> new OfAction.All();
            case "controller" -> new OfAction.Controller(OfAction.Controller.MAX_LEN);
            case "normal", "local", "table", "none", "any" ->
                    throw new Values.Bad("output:" + port + " is not supported by Flowgate");
            default -> new OfAction.Output(port(port));
        };
    }

    /**
     * {@code controller}, {@code controller:MAX_LEN} and
     * {@code controller(reason=R,max_len=N,id=ID)} as ovs-ofctl reads them.
     */
    private static OfAction controller(final String text, final String arg) throws Values.Bad {
        final int open = text.indexOf('(');
        if (open < 0) {
            return new OfAction.Controller(arg == null ? OfAction.Controller.MAX_LEN
                    : (int) Values.uint(arg, 16, "controller max_len"));
        }
        if (!text.endsWith(")")) {
            throw new Values.Bad(text + ": missing \")\"");
        }
        int maxLen = OfAction.Controller.MAX_LEN;
        int reason = OfAction.Controller.REASON_ACTION;
        int id = 0;
        final String inner = text.substring(open + 1, text.length() - 1);
        for (String kv : inner.isBlank() ? new String[0] : inner.split(",")) {
            final int eq = kv.indexOf('=');
            final String key = (eq < 0 ? kv : kv.substring(0, eq)).strip().toLowerCase(java.util.Locale.ROOT);
            final String value = eq < 0 ? null : kv.substring(eq + 1).strip();
            switch (key) {
                case "max_len" -> maxLen = (int) Values.uint(need(value, "max_len=N"), 16, "max_len");
                case "id" -> id = (int) Values.uint(need(value, "id=ID"), 16, "controller id");
                case "reason" -> {
                    reason = OfAction.Controller.reason(need(value, "reason=REASON").toLowerCase(java.util.Locale.ROOT));
                    if (reason < 0) {
                        throw new Values.Bad(value + ": unknown reason (no_match, action or invalid_ttl)");
                    }
                }
                case "userdata", "pause", "meter_id" ->
                        throw new Values.Bad("controller " + key + " is not supported by Flowgate");
                default -> throw new Values.Bad(key + ": unknown controller argument (max_len, reason, id)");
            }
        }
        return new OfAction.Controller(maxLen, reason, id);
    }

    private static int port(final String s) throws Values.Bad {
        final long p = Values.uint(s, 32, "port");
        if (p == 0 || p > 0xFFFF_FF00L) {
            throw new Values.Bad(s + ": not a valid port number (1 to 4294967040)");
        }
        return (int) p;
    }

    private static void requires(final Prerequisite p, final String action, final long[] value, final long[] mask)
            throws Values.Bad {
        if (value != null && !p.satisfiedBy(Match.of(value, mask))) {
            throw new Values.Bad(action + " needs " + p.description() + " in the rule's match");
        }
    }

    private static boolean tagged(final long[] value, final long[] mask) {
        return value == null ? false : Prerequisite.VLAN.satisfiedBy(Match.of(value, mask));
    }

    private static void markTagged(final long[] value, final long[] mask) {
        if (value != null) {
            FlowField.VLAN0_TCI.set(value, FlowField.VLAN0_TCI.get(value) | VLAN_CFI);
            FlowField.VLAN0_TCI.set(mask, FlowField.VLAN0_TCI.get(mask) | VLAN_CFI);
        }
    }

    /** OpenFlow 1.0's mod_vlan_* push a tag onto untagged packets; in OpenFlow 1.3 that is an explicit push. */
    private static void pushIfNeeded(final long[] value, final long[] mask, final List<OfAction> out) {
        if (!tagged(value, mask)) {
            out.add(new OfAction.PushVlan(ETH_TYPE_VLAN_8021Q));
            markTagged(value, mask);
        }
    }

    private static OfAction setField(final OfField f, final long v, final long[] value, final long[] mask) {
        if (value != null) {
            f.write(value, v, f.valueMask());
            f.orMask(mask, f.valueMask());
        }
        return new OfAction.SetField(f, 0, v, 0, f.valueMask());
    }

    private static OfAction setFieldAction(final String arg, final long[] value, final long[] mask) throws Values.Bad {
        final int arrow = arg.lastIndexOf("->");
        if (arrow < 0) {
            throw new Values.Bad("set_field needs VALUE->FIELD, as in set_field:10.0.0.1->ip_dst");
        }
        final String fieldName = arg.substring(arrow + 2);
        final String v = arg.substring(0, arrow);
        final OfField f = OfField.byName(fieldName);
        if (f == null) {
            throw new Values.Bad("set_field: unknown field \"" + fieldName + "\"");
        }
        if (!f.writable()) {
            throw new Values.Bad("set_field: " + f.displayName() + " cannot be written (Flowgate's datapath has no "
                    + "action for it)");
        }
        if (value != null && !MatchBuilder.prerequisiteMet(f, fieldName, Match.of(value, mask))) {
            throw new Values.Bad("set_field " + f.displayName() + " lacks correct prerequisites: it needs "
                    + MatchBuilder.prerequisiteText(f, fieldName) + " in the rule's match");
        }
        if (f == OfField.IP_DSCP) {
            final long dscp = Values.uint(v, 6, "ip_dscp");
            return new OfAction.SetIpDscp((int) dscp << 2);
        }
        final int slash = v.indexOf('/');
        final String vs = slash < 0 ? v : v.substring(0, slash);
        final String ms = slash < 0 ? null : v.substring(slash + 1);
        if (ms != null && !f.maskable()) {
            throw new Values.Bad(v + ": invalid mask for field " + f.displayName());
        }
        final OfAction.SetField sf;
        switch (f.kind()) {
            case MAC -> {
                final long m = ms == null ? MAC_MASK : Values.mac(ms, f.displayName() + " mask");
                sf = new OfAction.SetField(f, 0, Values.mac(vs, f.displayName()) & m, 0, m);
            }
            case IPV4 -> {
                final long m = ms == null ? 0xFFFF_FFFFL : Values.ipv4(ms, f.displayName() + " mask");
                sf = new OfAction.SetField(f, 0, Values.ipv4(vs, f.displayName()) & m, 0, m);
            }
            case IPV6 -> {
                final long[] a = Values.ipv6(vs, f.displayName());
                final long[] m = ms == null ? new long[] {-1L, -1L} : Values.ipv6(ms, f.displayName() + " mask");
                sf = new OfAction.SetField(f, a[0] & m[0], a[1] & m[1], m[0], m[1]);
            }
            default -> {
                long n = Values.uint(vs, f.bits(), f.displayName());
                final long m = ms == null ? f.valueMask() : Values.uint(ms, f.bits(), f.displayName() + " mask");
                if (f == OfField.NW_TOS && (n & 3) != 0) {
                    throw new Values.Bad(vs + ": not a valid TOS (nw_tos takes the DSCP bits: a multiple of 4)");
                }
                sf = new OfAction.SetField(f, 0, n & m, 0, m);
            }
        }
        if (value != null) {
            f.write(value, sf.hi(), sf.lo(), sf.maskHi(), sf.maskLo());
            f.orMask(mask, sf.maskHi(), sf.maskLo());
        }
        return sf;
    }

    /**
     * {@code load:VALUE->FIELD[FIRST..LAST]} (also {@code [BIT]}, or {@code []} for the whole
     * field; FIELD by its NXM or OXM name or its own): a write of those bits, as a masked
     * set_field. At most 64 bits at a time, as Nicira's reg_load carries them.
     */
    private static OfAction loadAction(final String arg, final long[] value, final long[] mask) throws Values.Bad {
        final int arrow = arg.indexOf("->");
        if (arrow < 0) {
            throw new Values.Bad("load needs VALUE->FIELD[BITS], as in load:0x7->NXM_OF_VLAN_TCI[0..11]");
        }
        final String dst = arg.substring(arrow + 2);
        final int bracket = dst.indexOf('[');
        final String name = bracket < 0 ? dst : dst.substring(0, bracket);
        OfField f = OfField.byNxmName(name);
        if (f == null) {
            f = OfField.byName(name);
        }
        if (f == null || f.nxmName() == null) {
            throw new Values.Bad("load: " + (f == null ? "unknown field \"" + name + "\"" : f.displayName()
                    + " cannot be written by load"));
        }
        final int width = f.wide() ? 128 : f.bits();
        int first = 0;
        int last = width - 1;
        if (bracket >= 0) {
            if (!dst.endsWith("]")) {
                throw new Values.Bad(dst + ": missing \"]\"");
            }
            final String range = dst.substring(bracket + 1, dst.length() - 1);
            if (!range.isEmpty()) {
                final int dots = range.indexOf("..");
                first = (int) Values.uint(dots < 0 ? range : range.substring(0, dots), 8, "load bit");
                last = dots < 0 ? first : (int) Values.uint(range.substring(dots + 2), 8, "load bit");
            }
        }
        if (first > last || last >= width) {
            throw new Values.Bad(dst + ": bits " + first + ".." + last + " are not within " + f.displayName()
                    + "'s " + width);
        }
        final int bits = last - first + 1;
        if (bits > 64) {
            throw new Values.Bad(dst + ": load writes at most 64 bits at a time");
        }
        final long v = Values.uint(arg.substring(0, arrow), 64, "load value");
        if (bits < 64 && (v >>> bits) != 0) {
            throw new Values.Bad(arg + ": value 0x" + Long.toHexString(v) + " does not fit into " + bits + " bits");
        }
        final OfAction.SetField sf = OfAction.SetField.load(f, first, bits, v);
        if (value != null && !MatchBuilder.prerequisiteMet(f, name, Match.of(value, mask))) {
            throw new Values.Bad("load " + f.displayName() + " lacks correct prerequisites: it needs "
                    + MatchBuilder.prerequisiteText(f, name) + " in the rule's match");
        }
        if (value != null) {
            f.write(value, sf.hi(), sf.lo(), sf.maskHi(), sf.maskLo());
            f.orMask(mask, sf.maskHi(), sf.maskLo());
        }
        return sf;
    }

    private static OfAction resubmit(final String text, final String arg) throws Values.Bad {
        if (arg == null || arg.isEmpty()) {
            throw new Values.Bad("resubmit needs a port or table, as in resubmit(,1) or resubmit:2");
        }
        if (text.contains("(")) {
            if (!text.endsWith(")")) {
                throw new Values.Bad(text + ": missing \")\"");
            }
            final String[] parts = arg.split(",", -1);
            if (parts.length > 2) {
                throw new Values.Bad(text + ": resubmit takes at most a port and a table (conntrack is not supported)");
            }
            final int port = parts[0].isBlank() ? -1 : port(parts[0].strip());
            int table = -1;
            if (parts.length == 2 && !parts[1].isBlank()) {
                table = (int) Values.uint(parts[1].strip(), 8, "resubmit table");
                if (table > 254) {
                    throw new Values.Bad("table " + table + " is out of range (0 to 254)");
                }
            }
            if (port < 0 && table < 0) {
                throw new Values.Bad(text + ": resubmit needs a port or a table");
            }
            return new OfAction.Resubmit(port, table);
        }
        return new OfAction.Resubmit(port(arg), -1);
    }
}
