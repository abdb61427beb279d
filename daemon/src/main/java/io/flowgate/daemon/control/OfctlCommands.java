package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.slowpath.classifier.RuleTable;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;
import io.flowgate.slowpath.xlate.Xlate;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rule management over the control socket (ovs-ofctl's verbs, as ofctl/...), and ofproto/trace.
 * Every change is one batch published at once; megaflows it affects are revalidated in the next
 * round, which a rule change starts at once.
 */
final class OfctlCommands {
    private static final System.Logger LOG = System.getLogger("ofproto");
    private final Bridge dp;
    private final RulePipeline pipeline;

    private OfctlCommands(final Bridge dp) {
        this.dp = dp;
        this.pipeline = dp.pipeline();
    }

    static void register(final Unixctl u, final Bridge dp) {
        final OfctlCommands c = new OfctlCommands(dp);
        u.register("ofctl/add-flow", "flow", 1, 1, c::addFlow);
        u.register("ofctl/add-flows", "file", 1, 1, c::addFlows);
        u.register("ofctl/del-flows", "[match]", 0, 1, c::delFlows);
        u.register("ofctl/dump-flows", "[flow]", 0, 1, c::dumpFlows);
        u.register("ofctl/mod-flows", "flow", 1, 1, c::modFlows);
        u.register("ofctl/replace-flows", "file", 1, 1, c::replaceFlows);
        u.register("ofctl/add-group", "group", 1, 1, c::addGroup);
        u.register("ofctl/mod-group", "group", 1, 1, c::modGroup);
        u.register("ofctl/del-groups", "[group_id=N]", 0, 1, c::delGroups);
        u.register("ofctl/dump-groups", "", 0, 0, args -> c.dumpGroups());
        u.register("ofctl/dump-ports", "[port]", 0, 1, c::dumpPorts);
        u.register("ofctl/dump-tables", "", 0, 0, args -> c.dumpTables());
        u.register("ofproto/trace", "{[dp_name] odp_flow | [bridge] br_flow} [-generate|packet]", 1, Integer.MAX_VALUE,
                c::trace);
    }

    private interface Change {
        void apply(RulePipeline.Editor e) throws PipelineException, CommandException;
    }

    /** Applies one batch; a rejected batch changes nothing. A change is logged with its counts, as OVS's connmgr does. */
    private void change(final String command, final Change change) throws CommandException {
        final RulePipeline.Editor.Changes[] done = new RulePipeline.Editor.Changes[1];
        final int groupsBefore = pipeline.current().groups().size();
        try {
            pipeline.apply(e -> {
                try {
                    change.apply(e);
                } catch (CommandException ce) {
                    throw new PipelineException(ce.getMessage());
                }
                done[0] = e.changes();
            });
        } catch (PipelineException e) {
            throw new CommandException(e.getMessage());
        }
        final PipelineVersion now = pipeline.current();
        if (done[0].total() > 0 || now.groups().size() != groupsBefore) {
            LOG.log(System.Logger.Level.INFO, command + ": " + flowMods(done[0]) + "; " + now.rules().size()
                    + " rule(s)" + (now.groups().isEmpty() && groupsBefore == 0 ? "" : ", " + now.groups().size()
                    + " group(s)") + " now");
        }
    }

    /** "2 flow_mods (1 adds, 1 deletes)": OVS's words, only the kinds there were. */
    static String flowMods(final RulePipeline.Editor.Changes c) {
        final List<String> kinds = new ArrayList<>();
        if (c.adds() > 0) {
            kinds.add(c.adds() + " adds");
        }
        if (c.modifications() > 0) {
            kinds.add(c.modifications() + " modifications");
        }
        if (c.deletes() > 0) {
            kinds.add(c.deletes() + " deletes");
        }
        return c.total() + " flow_mods" + (kinds.isEmpty() ? "" : " (" + String.join(", ", kinds) + ")");
    }

    private String addFlow(final List<String> args) throws CommandException {
        final Rule rule;
        try {
            rule = FlowSyntax.parseRule("ofctl/add-flow", 1, args.getFirst(), System.currentTimeMillis());
        } catch (SyntaxException e) {
            throw new CommandException(e.getMessage());
        }
        change("ofctl/add-flow", e -> e.addRule(rule));
        return "";
    }

    private static List<Rule> readFlows(final String file) throws CommandException {
        try {
            return FlowSyntax.parseFlowsFile(Path.of(file), System.currentTimeMillis());
        } catch (SyntaxException e) {
            throw new CommandException(e.getMessage());
        } catch (NoSuchFileException e) {
            // ovs-appctl sends the name as typed; `flowgate appctl` sends it made absolute.
            throw new CommandException(file + ": no such file" + (Path.of(file).isAbsolute() ? ""
                    : " (a relative name is taken from the daemon's working directory, "
                    + Path.of("").toAbsolutePath() + "; give an absolute one)"));
        } catch (IOException e) {
            throw new CommandException(file + ": " + e.getMessage());
        }
    }

    private String addFlows(final List<String> args) throws CommandException {
        final List<Rule> rules = readFlows(args.getFirst());
        change("ofctl/add-flows", e -> rules.forEach(e::addRule));
        return "";
    }

    /** Replaces every rule with the file's, as one change: no packet sees a mix of old and new. */
    private String replaceFlows(final List<String> args) throws CommandException {
        final List<Rule> rules = readFlows(args.getFirst());
        // Only the rules that differ change (as ovs-ofctl's diff): identical ones keep their counters.
        change("ofctl/replace-flows", e -> e.replaceRules(rules));
        return "";
    }

    private String delFlows(final List<String> args) throws CommandException {
        final RulePipeline.RuleFilter filter = filter(args);
        change("ofctl/del-flows", e -> e.deleteRules(filter));
        return "";
    }

    /** The rules the command's match argument selects (all, without one). */
    private static RulePipeline.RuleFilter filter(final List<String> args) throws CommandException {
        try {
            return args.isEmpty() ? RulePipeline.RuleFilter.all() : FlowSyntax.parseFilter(args.getFirst(), false);
        } catch (SyntaxException e) {
            throw new CommandException(e.getMessage());
        }
    }

    /**
     * As ovs-ofctl mod-flows (OpenFlow 1.0, its default): every rule the match selects (loosely:
     * rules at least as specific, in the given table or all) gets the new actions and keeps its
     * duration and counters; when it selects none, the flow is added, as OpenFlow 1.0 says.
     */
    private String modFlows(final List<String> args) throws CommandException {
        final long now = System.currentTimeMillis();
        final Rule given;
        final RulePipeline.RuleFilter filter;
        try {
            given = FlowSyntax.parseRule("ofctl/mod-flows", 1, args.getFirst(), now);
            final String text = args.getFirst();
            final boolean hasTable = text.matches("(?s)(^|.*[,\\s])table\\s*=.*");
            filter = new RulePipeline.RuleFilter(hasTable ? given.table() : -1, given.match(), false, 0, 0, 0);
        } catch (SyntaxException e) {
            throw new CommandException(e.getMessage());
        }
        change("ofctl/mod-flows", e -> {
            boolean selected = false;
            for (Rule r : e.rules()) {
                if (filter.selects(r)) {
                    e.addRule(r.withActions(given.actions(), now)); // same identity: takes the old one's place
                    selected = true;
                }
            }
            if (!selected) {
                e.addRule(given);
            }
        });
        return "";
    }

    /** OpenFlow's default priority, which ovs-ofctl leaves out of a rule it prints. */
    private static final int DEFAULT_PRIORITY = 0x8000;

    /** Rules as ovs-ofctl dump-flows prints them, with their statistics. */
    private String dumpFlows(final List<String> args) throws CommandException {
        final RulePipeline.RuleFilter filter = filter(args);
        final long now = System.currentTimeMillis();
        final List<Rule> rules = new ArrayList<>(pipeline.current().rules());
        rules.removeIf(r -> !filter.selects(r));
        rules.sort(Comparator.comparingInt(Rule::table).thenComparing(Comparator.comparingInt(Rule::priority).reversed()));
        final StringBuilder s = new StringBuilder();
        for (Rule r : rules) {
            final long used = Math.max(r.createdMillis(), r.stats().lastUsedMillis());
            s.append(" cookie=0x").append(Long.toHexString(r.cookie()));
            s.append(String.format(", duration=%.3fs", Math.max(0, now - r.createdMillis()) / 1000.0));
            s.append(", table=").append(r.table());
            s.append(", n_packets=").append(r.stats().packets()).append(", n_bytes=").append(r.stats().bytes());
            if (r.idleTimeout() != 0) {
                s.append(", idle_timeout=").append(r.idleTimeout());
            }
            if (r.hardTimeout() != 0) {
                s.append(", hard_timeout=").append(r.hardTimeout());
            }
            s.append(", idle_age=").append(Math.max(0, now - used) / 1000).append(", ");
            // OVS shows the time since the last modification only when it differs from the duration.
            final long hardAge = Math.max(0, now - r.modifiedMillis()) / 1000;
            if (hardAge != Math.max(0, now - r.createdMillis()) / 1000) {
                s.append("hard_age=").append(hardAge).append(", ");
            }
            final String m = r.match().toString();
            final String priority = r.priority() == DEFAULT_PRIORITY ? "" : "priority=" + r.priority();
            final String match = priority.isEmpty() || m.isEmpty() ? priority + m : priority + "," + m;
            s.append(match).append(match.isEmpty() ? "" : " ").append("actions=").append(Rule.formatActions(r.actions()))
                    .append('\n');
        }
        return s.toString();
    }

    /**
     * As {@code ovs-ofctl dump-ports br0 [PORT]} prints the OpenFlow 1.0 reply: per port (by number)
     * the packets, bytes and drops it received and sent, from the PMDs' per-port counters (the
     * ones dpctl/show -s prints); counters Flowgate does not keep (errors, frame, overrun, CRC,
     * collisions) are "?", as OVS prints a counter a netdev does not report. Flowgate's bridge has
     * no LOCAL port.
     */
    private String dumpPorts(final List<String> args) throws CommandException {
        final List<Port> ports = dp.ports();
        final Port wanted = args.isEmpty() ? null : dp.port(args.getFirst());
        final List<Integer> shown = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            if (args.isEmpty() || ports.get(i) == wanted) {
                shown.add(i);
            }
        }
        if (!args.isEmpty() && shown.isEmpty() && !args.getFirst().matches("[0-9]{1,10}")) {
            throw new CommandException("flowgate: unknown port `" + args.getFirst() + "'"); // as ovs-ofctl
        }
        shown.sort(Comparator.comparingLong(i -> Integer.toUnsignedLong(ports.get(i).number())));
        final PmdStats.Snapshot t = dp.totals().counters();
        final StringBuilder s = new StringBuilder("OFPST_PORT reply (xid=0x2): " + shown.size() + " ports\n");
        for (int i : shown) {
            final long number = Integer.toUnsignedLong(ports.get(i).number());
            s.append("  port ").append(number < 10 ? " " : "").append(number)
                    .append(": rx pkts=").append(t.portRx()[i]).append(", bytes=").append(t.portRxBytes()[i])
                    .append(", drop=").append(t.portRxDropped()[i]).append(", errs=?, frame=?, over=?, crc=?\n")
                    .append("           tx pkts=").append(t.portTx()[i]).append(", bytes=").append(t.portTxBytes()[i])
                    .append(", drop=").append(t.portTxDropped()[i]).append(", errs=?, coll=?\n");
        }
        return s.toString();
    }

    /**
     * As {@code ovs-ofctl dump-tables br0} prints it: every table OVS shows (0 to 253) with its rule
     * count and the packets looked up in it and matched there, a run of tables equal to the one
     * before shown as "ditto". Flowgate describes no table features (OVS's max_entries and
     * matching lines), so none are printed, as OVS prints a table whose features are unknown.
     */
    private String dumpTables() {
        final PipelineVersion version = pipeline.current();
        final StringBuilder s = new StringBuilder("OFPST_TABLE reply (xid=0x2):");
        long[] previous = null;
        int firstDitto = -1;
        int lastDitto = -1;
        for (int table = 0; table < SHOWN_TABLES; table++) {
            final RuleTable rules = version.table(table);
            final long[] stats = {rules == null ? 0 : rules.ruleCount(), version.tableStats().lookups(table),
                    version.tableStats().matches(table)};
            if (java.util.Arrays.equals(stats, previous)) {
                firstDitto = firstDitto < 0 ? table : firstDitto;
                lastDitto = table;
                continue;
            }
            ditto(s, firstDitto, lastDitto);
            firstDitto = -1;
            s.append("\n  table ").append(table).append(":\n    active=").append(stats[0]).append(", lookup=")
                    .append(stats[1]).append(", matched=").append(stats[2]).append('\n');
            previous = stats;
        }
        ditto(s, firstDitto, lastDitto);
        return s.toString();
    }

    /** OpenFlow tables 0 to 253: OVS hides its last one (254), which it keeps for itself. */
    private static final int SHOWN_TABLES = 254;

    private static void ditto(final StringBuilder s, final int first, final int last) {
        if (first >= 0) {
            s.append(first == last ? "\n  table " + first + ": ditto\n" : "\n  tables " + first + "..." + last + ": ditto\n");
        }
    }

    private String addGroup(final List<String> args) throws CommandException {
        final Group g;
        try {
            g = GroupSyntax.parseGroup("ofctl/add-group", 1, args.getFirst());
        } catch (SyntaxException e) {
            throw new CommandException(e.getMessage());
        }
        change("ofctl/add-group", e -> e.addGroup(g));
        return "";
    }

    /**
     * As ovs-ofctl mod-group: replaces an existing group's type and buckets at once (select groups
     * keep their connections, by bucket id: see docs/load-balancing.md).
     */
    private String modGroup(final List<String> args) throws CommandException {
        final Group g;
        try {
            g = GroupSyntax.parseGroup("ofctl/mod-group", 1, args.getFirst());
        } catch (SyntaxException e) {
            throw new CommandException(e.getMessage());
        }
        change("ofctl/mod-group", e -> {
            if (!e.base().groups().containsKey(g.groupId())) {
                throw new CommandException("group " + g.groupId() + " does not exist (OFPGMFC_UNKNOWN_GROUP)");
            }
            e.putGroup(g);
        });
        return "";
    }

    private String delGroups(final List<String> args) throws CommandException {
        if (args.isEmpty()) {
            change("ofctl/del-groups", e -> {
                for (Integer id : List.copyOf(e.base().groups().keySet())) {
                    e.deleteGroup(id);
                }
            });
            return "";
        }
        final String a = args.getFirst().strip();
        if (!a.matches("group_id=[0-9]+")) {
            throw new CommandException("expected group_id=N, not \"" + a + "\"");
        }
        final int id = Integer.parseUnsignedInt(a.substring("group_id=".length()));
        change("ofctl/del-groups", e -> e.deleteGroup(id));
        return "";
    }

    private String dumpGroups() {
        final StringBuilder s = new StringBuilder();
        for (Map.Entry<Integer, Group> e : new TreeMap<>(pipeline.current().groups()).entrySet()) {
            s.append(' ').append(e.getValue()).append('\n');
        }
        return s.toString();
    }

    /** ofproto/trace {[DPNAME] ODP_FLOW | [BRIDGE] FLOW} [-generate | PACKET] (see TraceRequest), against the live rules. */
    private String trace(final List<String> args) throws CommandException {
        final long[] key;
        try {
            key = TraceRequest.parse(args, dp.config().vlanLimit());
        } catch (TraceRequest.BadRequest e) {
            throw new CommandException(e.getMessage());
        }
        final PipelineVersion version = pipeline.current();
        return new Xlate(dp.xlatePorts(), null).translate(version, key, true).trace();
    }
}
