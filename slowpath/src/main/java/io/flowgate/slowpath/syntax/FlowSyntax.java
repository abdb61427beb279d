package io.flowgate.slowpath.syntax;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

    /**
     * Index of "actions=" (or ovs-ofctl's synonym "action="; spaces allowed before the "=") at the
     * top level, or -1.
     */
    static int findActions(final String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0 && text.regionMatches(true, i, "action", 0, 6)
                    && (i == 0 || text.charAt(i - 1) == ',' || Character.isWhitespace(text.charAt(i - 1)))) {
                int j = i + (text.regionMatches(true, i, "actions", 0, 7) ? 7 : 6);
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
}
