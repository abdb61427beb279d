package io.flowgate.slowpath.xlate;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.OfField;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.TableStats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

// One file above 400 lines: its Context is one translation's mutable state (flow, wildcards,
// actions, trace, depth) walked by one recursion, tables -> actions -> resubmit or group buckets
// -> tables. What stands apart from that walk has left: the set-action commit (OdpCommit), the
// trace report (XlateTrace), hash selection (HashSelect) and the VLAN slots (VlanStack).
/**
 * Translation ("xlate"): walks the rule pipeline for one packet and produces its megaflow — the
 * datapath actions plus every key bit that decided them, including bits consulted only to rule
 * out higher-priority rules — following Open vSwitch 3.1's ofproto-dpif-xlate:
 *
 * <ul>
 * <li>in_port, dl_type and (for IP) nw_frag are always part of the megaflow;</li>
 * <li>fragments are looked up with transport ports read as 0 (frag handling "normal");</li>
 * <li>a field an action rewrites becomes exact, and rewrites of IP fields other than DSCP also
 * make nw_proto exact;</li>
 * <li>set actions are committed before each output, grouped per header (Ethernet, IPv4/IPv6,
 * transport, then VLAN pops and pushes), carrying only the fields that changed
 * ({@code OdpCommit});</li>
 * <li>output to the input port is skipped unless the in_port action is used; FLOOD and ALL
 * output to every other port (FLOOD not to no_flood ports); the controller action sends the
 * packet as it is at that point (OFPR_NO_MATCH from a table-miss rule: priority 0, matching
 * everything); dec_ttl at TTL 1 or 0 sends it to the controller and stops the rule's actions; resubmits nest
 * at most {@value #MAX_DEPTH} deep; a table miss does nothing;</li>
 * <li>group buckets run as OpenFlow action sets on a copy of the flow.</li>
 * </ul>
 *
 * Stateless and thread-safe: each call works on its own context and one pipeline version.
 */
public final class Xlate {
    public static final int MAX_DEPTH = 64;
    public static final int MAX_RESUBMITS = 4096;
    private static final int CONTROLLER_MAX_LEN = 65535;

    private final XlatePorts ports;
    private final GroupSelector selector;

    public Xlate(final XlatePorts ports, final GroupSelector selector) {
        this.ports = ports;
        this.selector = selector;
    }

    /** @param portExists which output ports exist (FLOOD and ALL reach none: tests and benchmarks) */
    public Xlate(final IntPredicate portExists, final GroupSelector selector) {
        this(XlatePorts.existing(portExists), selector);
    }

    /** Every port exists; select groups hash. */
    public Xlate() {
        this(p -> true, null);
    }

    public XlateResult translate(final PipelineVersion pipeline, final long[] key) {
        return translate(pipeline, key, false);
    }

    public XlateResult translate(final PipelineVersion pipeline, final long[] key, final boolean trace) {
        return translate(pipeline, key, trace, true);
    }

    /**
     * Translates a packet-out's actions for the packet {@code key} (its in_port set): as a rule's
     * actions in table 0 with no rule, so {@code output:TABLE} runs the pipeline from table 0.
     */
    public XlateResult translateActions(final PipelineVersion pipeline, final long[] key,
                                        final List<OfAction> actions) {
        final Context ctx = contexts.get();
        ctx.reset(pipeline, key, false);
        ctx.schedule = true;
        try {
            ctx.doActions(actions, false);
            return ctx.result();
        } finally {
            ctx.pipeline = null;
        }
    }

    /**
     * Translates an installed flow's key again (revalidation): select groups read the connections
     * they keep but schedule none and change none.
     */
    public XlateResult retranslate(final PipelineVersion pipeline, final long[] key) {
        return translate(pipeline, key, false, false);
    }

    private XlateResult translate(final PipelineVersion pipeline, final long[] key, final boolean trace,
                                  final boolean schedule) {
        // A translating thread reuses its context: handlers and revalidators translate all day,
        // and the garbage would land on the PMDs as collection pauses.
        final Context ctx = trace ? new Context() : contexts.get();
        ctx.reset(pipeline, key, trace);
        ctx.schedule = schedule;
        try {
            ctx.run();
            return ctx.result();
        } finally {
            ctx.pipeline = null;
        }
    }

    private final ThreadLocal<Context> contexts = ThreadLocal.withInitial(Context::new);

    private final class Context {
        PipelineVersion pipeline;
        final long[] original = new long[FlowKey.WORDS];
        final long[] flow = new long[FlowKey.WORDS];
        final long[] wc = new long[FlowKey.WORDS];
        final long[] scratch = new long[FlowKey.WORDS];
        final DpActions.Builder out = DpActions.builder();
        /** The datapath's view of the packet so far, and the set actions that bring it up to {@code flow}. */
        final OdpCommit odpCommit = new OdpCommit(flow, wc, out);
        final List<Rule> rules = new ArrayList<>();
        final List<XlateResult.GroupVisit> groups = new ArrayList<>();
        final List<GroupSelector.Claim> claims = new ArrayList<>();
        /** Tables looked up so far, in {@link TableStats#lookup}'s form. */
        int[] lookups = new int[8];
        int nLookups;
        /** The trace's report, or null when not tracing. */
        XlateTrace trace;
        boolean schedule;
        int depth;
        int resubmits;
        int table;
        long cookie;
        /** The rule whose actions run is a table-miss rule (priority 0, matching everything). */
        boolean tableMiss;
        boolean exit;
        String error;
        /** OVS's name of the error, for "Translation failed (...)". */
        String errorName;

        void reset(final PipelineVersion p, final long[] key, final boolean tracing) {
            if (pipeline != null) {
                throw new IllegalStateException("translation re-entered on " + Thread.currentThread().getName());
            }
            pipeline = p;
            System.arraycopy(key, 0, original, 0, FlowKey.WORDS);
            System.arraycopy(key, 0, flow, 0, FlowKey.WORDS);
            java.util.Arrays.fill(wc, 0);
            odpCommit.reset(key);
            out.clear();
            rules.clear();
            groups.clear();
            claims.clear();
            nLookups = 0;
            trace = tracing ? new XlateTrace() : null;
            depth = 0;
            resubmits = 0;
            table = 0;
            cookie = 0;
            tableMiss = false;
            exit = false;
            error = null;
            errorName = null;
        }

        void run() {
            FlowField.IN_PORT.or(wc, -1);
            FlowField.DL_TYPE.or(wc, -1);
            if (FlowKey.isIp(flow, 0)) {
                FlowField.NW_FRAG.or(wc, FRAG_MASK);
            }
            final int inPort = (int) FlowField.IN_PORT.get(flow);
            if ((ports.config(inPort) & (XlatePorts.PORT_DOWN | XlatePorts.NO_RECV)) != 0) {
                note("port " + Integer.toUnsignedString(inPort) + " is down or has no_recv: drop");
            } else {
                xlateTable(0, inPort, false);
            }
            finishWildcards();
        }

        XlateResult result() {
            final DpActions actions = error != null ? DpActions.DROP : out.build();
            String text = null;
            if (trace != null) {
                final XlateResult r = new XlateResult(original.clone(), wc.clone(), actions, List.copyOf(rules),
                        List.copyOf(groups), pipeline.version(), error, null, List.copyOf(claims), pipeline.tableStats(),
                        java.util.Arrays.copyOf(lookups, nLookups));
                text = trace.report(original, flow, r.megaflow(), actions, error != null ? errorName : null);
            }
            return new XlateResult(original.clone(), wc.clone(), actions, List.copyOf(rules), List.copyOf(groups),
                    pipeline.version(), error, text, List.copyOf(claims), pipeline.tableStats(),
                    java.util.Arrays.copyOf(lookups, nLookups));
        }

        private void note(final String line) {
            if (trace != null) {
                trace.note(line);
            }
        }

        // ---- tables ----

        /**
         * As OVS's xlate_resubmit_resource_check, before a resubmit and a group: false (and the
         * translation fails) when resubmits nest too deep or are too many.
         */
        private boolean resourceCheck() {
            if (depth >= MAX_DEPTH) {
                error = "over max translation depth " + MAX_DEPTH;
                errorName = "Recursion too deep";
            } else if (resubmits >= MAX_RESUBMITS) {
                error = "over " + MAX_RESUBMITS + " resubmit actions";
                errorName = "Too many resubmits";
            } else {
                return true;
            }
            note(" >>>> " + error + " <<<<");
            return false;
        }

        /**
         * Looks table {@code tableId} up and runs the rule's actions. As in OVS, a resubmit
         * (or goto_table) counts towards the resubmit limit when it finds a rule, and towards the
         * depth limit only when it goes back to the same or an earlier table (only those can loop).
         */
        void xlateTable(final int tableId, final int inPort, final boolean resubmit) {
            if (resubmit && !resourceCheck()) {
                return;
            }
            final long oldInPort = FlowField.IN_PORT.get(flow);
            FlowField.IN_PORT.set(flow, inPort & 0xFFFF_FFFFL);
            final Rule rule = lookup(tableId);
            FlowField.IN_PORT.set(flow, oldInPort);
            if (nLookups == lookups.length) {
                lookups = java.util.Arrays.copyOf(lookups, 2 * nLookups);
            }
            lookups[nLookups++] = TableStats.lookup(tableId, rule != null);
            List<XlateTrace.TraceNode> outer = null;
            if (trace != null) {
                final StringBuilder line = new StringBuilder(String.format("%2d. ", tableId));
                if (rule == null) {
                    line.append("No match.");
                } else {
                    final String m = rule.match().toString();
                    line.append(m.isEmpty() ? "" : m + ", ").append("priority ").append(rule.priority());
                    if (rule.cookie() != 0) {
                        line.append(", cookie 0x").append(Long.toHexString(rule.cookie()));
                    }
                }
                outer = trace.open(line.toString());
            }
            if (rule == null) {
                note("drop");
                if (trace != null) {
                    trace.close(outer);
                }
                return;
            }
            rules.add(rule);
            final int oldTable = table;
            final long oldCookie = cookie;
            final boolean oldTableMiss = tableMiss;
            table = tableId;
            cookie = rule.cookie();
            tableMiss = rule.priority() == 0 && rule.match().isCatchAll();
            final int deepens = resubmit && tableId <= oldTable ? 1 : 0;
            resubmits += resubmit ? 1 : 0;
            depth += deepens;
            doActions(rule.actions(), false);
            depth -= deepens;
            if (trace != null) {
                trace.close(outer);
            }
            table = oldTable;
            cookie = oldCookie;
            tableMiss = oldTableMiss;
        }

        /** Lookup with fragments' transport ports read as 0, as OVS's "normal" frag handling does. */
        private Rule lookup(final int tableId) {
            if ((FlowField.NW_FRAG.get(flow) & FRAG_ANY) == 0) {
                return pipeline.lookup(tableId, flow, wc);
            }
            FlowField.NW_FRAG.or(wc, FRAG_MASK);
            final long ports = flow[W_L4];
            flow[W_L4] = 0;
            final Rule r = pipeline.lookup(tableId, flow, wc);
            flow[W_L4] = ports;
            return r;
        }

        // ---- actions ----

        void doActions(final List<OfAction> actions, final boolean inBucket) {
            if (actions.isEmpty()) {
                note("drop");
                return;
            }
            for (OfAction a : actions) {
                if (error != null || exit) {
                    break;
                }
                note(a.toString());
                switch (a) {
                    case OfAction.Output o -> output(o.port(), false);
                    case OfAction.OutputInPort o -> output((int) FlowField.IN_PORT.get(flow), true);
                    case OfAction.Flood o -> flood(false);
                    case OfAction.All o -> flood(true);
                    case OfAction.OutputTable o -> xlateTable(0, (int) FlowField.IN_PORT.get(flow), true);
                    case OfAction.Controller c -> {
                        if ((ports.config((int) FlowField.IN_PORT.get(flow)) & XlatePorts.NO_PACKET_IN) != 0) {
                            note(" >> the input port has no_packet_in: not sent to the controller");
                            continue;
                        }
                        odpCommit.commit();
                        out.userspaceController(c.reason() == OfAction.Controller.REASON_ACTION && tableMiss
                                ? DpActions.REASON_EXPLICIT_MISS : c.reason(), table, cookie, c.id(), c.maxLen());
                    }
                    case OfAction.SetEth s -> {
                        final FlowField f = s.source() ? FlowField.ETH_SRC : FlowField.ETH_DST;
                        f.or(wc, -1);
                        f.set(flow, s.mac());
                    }
                    case OfAction.SetIpDscp s -> {
                        if (FlowKey.isIp(flow, 0)) {
                            FlowField.NW_TOS.or(wc, 0xFC);
                            FlowField.NW_TOS.set(flow, (FlowField.NW_TOS.get(flow) & 0x03) | s.tos());
                        }
                    }
                    case OfAction.SetIpTtl s -> {
                        if (FlowKey.isIp(flow, 0)) {
                            FlowField.NW_TTL.or(wc, 0xFF);
                            FlowField.NW_PROTO.or(wc, 0xFF);
                            FlowField.NW_TTL.set(flow, s.ttl());
                        }
                    }
                    case OfAction.SetL4Port s -> {
                        if (FlowKey.isIp(flow, 0) && (FlowField.NW_FRAG.get(flow) & FRAG_LATER) == 0) {
                            final FlowField f = s.source() ? FlowField.TP_SRC : FlowField.TP_DST;
                            FlowField.NW_PROTO.or(wc, 0xFF);
                            f.or(wc, 0xFFFF);
                            f.set(flow, s.port());
                        }
                    }
                    case OfAction.DecTtl d -> {
                        FlowField.NW_TTL.or(wc, 0xFF);
                        if (FlowKey.isIp(flow, 0)) {
                            FlowField.NW_PROTO.or(wc, 0xFF);
                            final long ttl = FlowField.NW_TTL.get(flow);
                            if (ttl > 1) {
                                FlowField.NW_TTL.set(flow, ttl - 1);
                            } else {
                                odpCommit.commit();
                                out.userspaceController(DpActions.REASON_INVALID_TTL, table, cookie, 0,
                                        CONTROLLER_MAX_LEN);
                                note(" >> IPv" + (FlowKey.dlType(flow, 0) == ETH_TYPE_IP ? 4 : 6)
                                        + " decrement TTL exception");
                                return;
                            }
                        }
                    }
                    case OfAction.PopVlan p -> popVlan();
                    case OfAction.PushVlan p -> pushVlan(p.tpid());
                    case OfAction.SetField s -> setField(s);
                    case OfAction.Resubmit r -> xlateTable(r.table() < 0 ? table : r.table(),
                            r.inPort() < 0 ? (int) FlowField.IN_PORT.get(flow) : r.inPort(), true);
                    case OfAction.GotoTable g -> xlateTable(g.table(), (int) FlowField.IN_PORT.get(flow), true);
                    case OfAction.Group g -> {
                        if (!resourceCheck()) {
                            return;
                        }
                        final Group group = pipeline.group(g.groupId());
                        if (group == null) {
                            note(" >> output to nonexistent group " + g.groupId()); // and the action list ends
                            return;
                        }
                        xlateGroup(group);
                    }
                }
            }
        }

        private void output(final int port, final boolean toInPort) {
            if (!toInPort && port == (int) FlowField.IN_PORT.get(flow)) {
                note(" >> skipping output to input port");
                return;
            }
            if (!ports.exists(port)) {
                note(" >> Nonexistent output port");
                return;
            }
            if ((ports.config(port) & (XlatePorts.PORT_DOWN | XlatePorts.NO_FWD)) != 0) {
                note(" >> output port is down or has no_fwd");
                return;
            }
            odpCommit.commit();
            out.output(port);
        }

        /**
         * FLOOD or ALL: every port but the input port, in port order; none that is down or has
         * no_fwd, and for FLOOD none with no_flood.
         */
        private void flood(final boolean all) {
            final int inPort = (int) FlowField.IN_PORT.get(flow);
            final int skip = XlatePorts.PORT_DOWN | XlatePorts.NO_FWD | (all ? 0 : XlatePorts.NO_FLOOD);
            for (int p : ports.numbers()) {
                if (p != inPort && (ports.config(p) & skip) == 0) {
                    odpCommit.commit();
                    out.output(p);
                }
            }
        }

        private void setField(final OfAction.SetField s) {
            final OfField f = s.field();
            final boolean ok = f == OfField.NW_SRC || f == OfField.NW_DST
                    ? FlowKey.dlType(flow, 0) == ETH_TYPE_IP
                    : f.prerequisite().satisfiedBy(flow, wc);
            if (!ok) {
                note(" >> unmet prerequisites for " + f.displayName() + ", set_field ignored");
                return;
            }
            f.orMask(wc, s.maskHi(), s.maskLo());
            f.write(flow, s.hi(), s.lo(), s.maskHi(), s.maskLo());
            java.util.Arrays.fill(scratch, 0);
            f.orMask(scratch, s.maskHi(), s.maskLo());
            odpCommit.tagBitsSet(0, VlanStack.qtag(scratch, 0));
            odpCommit.tagBitsSet(1, VlanStack.qtag(scratch, 1));
            if (f == OfField.VLAN_PCP || f == OfField.VLAN_VID) {
                // Setting either part of a tag makes the tag present, in the packet and the mask.
                FlowField.VLAN0_TCI.or(wc, VLAN_CFI);
                FlowField.VLAN0_TCI.set(flow, FlowField.VLAN0_TCI.get(flow) | VLAN_CFI);
                odpCommit.tagBitsSet(0, VLAN_CFI);
                if (FlowField.VLAN0_TPID.get(flow) == 0) {
                    FlowField.VLAN0_TPID.set(flow, ETH_TYPE_VLAN_8021Q);
                    odpCommit.tagBitsSet(0, 0xFFFF_0000L);
                }
            }
            if (f == OfField.VLAN_TCI && FlowField.VLAN0_TPID.get(flow) == 0 && FlowField.VLAN0_TCI.get(flow) != 0) {
                // As OVS's flow_fix_vlan_tpid: a TCI written into no tag gets the 802.1Q TPID (the
                // tag exists for the datapath only if the write set the "present" bit).
                FlowField.VLAN0_TPID.set(flow, ETH_TYPE_VLAN_8021Q);
                odpCommit.tagBitsSet(0, 0xFFFF_0000L);
            }
            if (f.writeConsultsNwProto() && (FlowKey.isIp(flow, 0) || FlowKey.dlType(flow, 0) == ETH_TYPE_ARP)) {
                FlowField.NW_PROTO.or(wc, 0xFF);
            }
        }

        // ---- VLAN stack (two slots: outer 0, inner 1) ----

        private void popVlan() {
            final int n = VlanStack.tags(flow);
            if (n > 1) {
                VlanStack.setQtag(wc, 1, 0xFFFF_FFFFL);
                VlanStack.setQtag(flow, 0, VlanStack.qtag(flow, 1));
                odpCommit.tagBitsSet(0, 0xFFFF_FFFFL);
            }
            if (n > 0) {
                VlanStack.setQtag(flow, n - 1, 0);
                odpCommit.tagBitsSet(n - 1, 0xFFFF_FFFFL);
            }
        }

        private void pushVlan(final int tpid) {
            final int n = VlanStack.tags(flow);
            for (int i = 0; i < n; i++) {
                VlanStack.setQtag(wc, i, 0xFFFF_FFFFL);
            }
            VlanStack.setQtag(flow, 1, VlanStack.qtag(flow, 0));
            VlanStack.setQtag(flow, 0, ((long) tpid << 16) | VLAN_CFI);
            odpCommit.tagBitsSet(0, 0xFFFF_FFFFL);
            odpCommit.tagBitsSet(1, 0xFFFF_FFFFL);
        }

        // ---- groups ----

        private void xlateGroup(final Group group) {
            switch (group.type()) {
                case ALL -> {
                    groups.add(new XlateResult.GroupVisit(group, null));
                    for (Bucket b : group.buckets()) {
                        bucket(b);
                    }
                }
                case INDIRECT -> {
                    groups.add(new XlateResult.GroupVisit(group, group.buckets().get(0)));
                    bucket(group.buckets().get(0));
                }
                case SELECT -> {
                    final Bucket b = selector != null && selector.handles(group)
                            ? selector.select(group, pipeline.version(), flow, wc, claims, schedule) : HashSelect.select(group, flow, wc);
                    if (b == null) {
                        note(" -> no live bucket");
                    } else {
                        note(" -> using bucket " + b.bucketId());
                        groups.add(new XlateResult.GroupVisit(group, b));
                        bucket(b);
                    }
                }
            }
        }

        private void bucket(final Bucket b) {
            final long[] saved = flow.clone();
            final long[] savedTags = odpCommit.tagBits();
            final List<XlateTrace.TraceNode> outer = trace == null ? null : trace.open("bucket " + b.bucketId());
            depth++;
            doActions(ActionSet.order(b.actions()), true);
            depth--;
            if (trace != null) {
                trace.close(outer);
            }
            System.arraycopy(saved, 0, flow, 0, FlowKey.WORDS);
            odpCommit.tagBits(savedTags);
            exit = false;
        }

        // ---- finishing the wildcards (OVS's xlate_wc_finish) ----

        private void finishWildcards() {
            final int type = FlowKey.dlType(original, 0);
            final int proto = (int) FlowField.NW_PROTO.get(original);
            if ((type == ETH_TYPE_IP && proto == IPPROTO_ICMP) || (type == ETH_TYPE_IPV6 && proto == IPPROTO_ICMPV6)) {
                final long keep = (0xFFL << TP_SRC_SHIFT) | (0xFFL << TP_DST_SHIFT);
                wc[W_L4] &= keep;
            }
            if (FlowField.VLAN0_TCI.get(wc) != 0) {
                FlowField.VLAN0_TCI.or(wc, VLAN_CFI);
            }
            if (FlowField.VLAN1_TCI.get(wc) != 0) {
                FlowField.VLAN1_TCI.or(wc, VLAN_CFI);
            }
            if ((FlowField.NW_FRAG.get(original) & FRAG_LATER) != 0) {
                wc[W_L4] = 0;
            }
            // Tags the packet does not have cannot be part of its megaflow.
            if (!FlowKey.isVlanTpid((int) FlowField.VLAN0_TPID.get(original))) {
                VlanStack.setQtag(wc, 0, 0);
            }
            if (!FlowKey.isVlanTpid((int) FlowField.VLAN1_TPID.get(original))) {
                VlanStack.setQtag(wc, 1, 0);
            }
        }
    }
}
