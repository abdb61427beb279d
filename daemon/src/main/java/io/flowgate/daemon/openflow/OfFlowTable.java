package io.flowgate.daemon.openflow;

import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RuleRemoval;
import io.flowgate.slowpath.ofproto.RulePipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.projectfloodlight.openflow.protocol.OFAggregateStatsRequest;
import org.projectfloodlight.openflow.protocol.OFBadActionCode;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFFlowModCommand;
import org.projectfloodlight.openflow.protocol.OFFlowModFailedCode;
import org.projectfloodlight.openflow.protocol.OFFlowModFlags;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsRequest;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * FLOW_MOD and the flow statistics requests against the rule pipeline: OpenFlow changes go
 * through the same versioned publish as rule files and {@code ofctl/*}, so once a BARRIER is
 * answered every change before it is visible, and revalidation follows as for any change.
 */
final class OfFlowTable {
    private static final System.Logger LOG = System.getLogger("openflow");
    /** OpenFlow's OFPTT_ALL: every table (deletes and statistics only). */
    private static final int ALL_TABLES = 0xFF;
    /** Tables 0 to 253, as OVS (it keeps 254 for itself). */
    private static final int LAST_TABLE = 253;
    /** The largest OpenFlow message (its length is 16 bits). */
    private static final int MAX_MESSAGE = 65535;
    private static final int OFPT_MULTIPART_REPLY = 19;
    private static final int OFPMP_FLOW = 1;
    private static final int MULTIPART_HEADER = 16;
    /** Where a multipart reply's flags are, and its OFPMPF_REPLY_MORE. */
    private static final int MULTIPART_FLAGS_AT = 10;
    private static final int REPLY_MORE = 1;

    private final RulePipeline pipeline;

    OfFlowTable(final RulePipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** A FLOW_MOD as the codec read it, and its bytes as received (its match is read from them: {@link OfNicira}). */
    record Received(OFFlowMod mod, byte[] raw) {
    }

    /**
     * Applies FLOW_MODs that arrived together as one published change; a refused one changes
     * nothing, the others apply.
     *
     * @return per FLOW_MOD, its error or null
     */
    OfError[] apply(final OfConnection c, final List<Received> mods) {
        final OfError[] errors = new OfError[mods.size()];
        final long now = System.currentTimeMillis();
        try {
            pipeline.apply(e -> {
                for (int i = 0; i < mods.size(); i++) {
                    try {
                        apply(e, mods.get(i), now);
                    } catch (OfError x) {
                        errors[i] = x;
                    }
                }
            });
        } catch (PipelineException whole) {
            // The batch as a whole does not hold (a rule names a group that is not there, say):
            // apply them one by one to answer the one at fault.
            for (int i = 0; i < mods.size(); i++) {
                final Received fm = mods.get(i);
                final int at = i;
                try {
                    pipeline.apply(e -> {
                        try {
                            apply(e, fm, now);
                        } catch (OfError x) {
                            errors[at] = x;
                        }
                    });
                } catch (PipelineException one) {
                    errors[i] = refusal(one);
                }
            }
        }
        for (OfError e : errors) {
            if (e != null) {
                LOG.log(System.Logger.Level.INFO, c + ": FLOW_MOD refused, " + e.ovsName() + ": " + e.getMessage());
            }
        }
        return errors;
    }

    private static OfError refusal(final PipelineException e) {
        final String why = e.getMessage() == null ? "" : e.getMessage();
        return why.contains("group") ? OfError.badAction(OFBadActionCode.BAD_OUT_GROUP, why)
                : OfError.flowModFailed(OFFlowModFailedCode.UNKNOWN, why);
    }

    private static void apply(final RulePipeline.Editor e, final Received in, final long now) throws OfError {
        final OFFlowMod fm = in.mod();
        final OFFlowModCommand command = fm.getCommand();
        final int table = fm.getTableId().getValue();
        final boolean delete = command == OFFlowModCommand.DELETE || command == OFFlowModCommand.DELETE_STRICT;
        if ((table == ALL_TABLES && !delete) || (table > LAST_TABLE && table != ALL_TABLES)) {
            throw OfError.flowModFailed(OFFlowModFailedCode.BAD_TABLE_ID, "table " + table);
        }
        if (!fm.getBufferId().equals(OFBufferId.NO_BUFFER)) {
            throw OfError.badRequest(OfError.BadRequest.BUFFER_UNKNOWN, "buffer " + fm.getBufferId()
                    + " (Flowgate buffers no packets)");
        }
        final Match match = OfMatches.toMatch(in.raw());
        final Set<OFFlowModFlags> flags = fm.getFlags();
        switch (command) {
            case ADD -> {
                final Rule plain = new Rule(table, fm.getPriority(), fm.getCookie().getValue(), fm.getIdleTimeout(),
                        fm.getHardTimeout(), match, OfActions.fromInstructions(fm.getInstructions(), table, match), now);
                final Rule rule = flags.contains(OFFlowModFlags.SEND_FLOW_REM) ? plain.sendingFlowRemoved() : plain;
                if (flags.contains(OFFlowModFlags.CHECK_OVERLAP)) {
                    for (Rule r : e.rules()) {
                        if (r.table() == table && r.priority() == rule.priority() && overlap(r.match(), match)) {
                            throw OfError.flowModFailed(OFFlowModFailedCode.OVERLAP, "overlaps " + r);
                        }
                    }
                }
                e.addRule(rule);
            }
            case MODIFY, MODIFY_STRICT -> {
                final List<OfAction> actions = OfActions.fromInstructions(fm.getInstructions(), table, match);
                final RulePipeline.RuleFilter filter = filter(fm, table, match, command == OFFlowModCommand.MODIFY_STRICT);
                final boolean reset = flags.contains(OFFlowModFlags.RESET_COUNTS);
                for (Rule r : e.rules()) {
                    if (filter.selects(r)) {
                        // Same identity: takes the old one's place (its counters too, unless reset).
                        final Rule fresh = new Rule(r.table(), r.priority(), r.cookie(), r.idleTimeout(),
                                r.hardTimeout(), r.match(), actions, r.createdMillis());
                        e.addRule(!reset ? r.withActions(actions, now)
                                : r.sendFlowRemoved() ? fresh.sendingFlowRemoved() : fresh);
                    }
                }
            }
            case DELETE, DELETE_STRICT -> {
                final RulePipeline.RuleFilter filter = filter(fm, table == ALL_TABLES ? -1 : table, match,
                        command == OFFlowModCommand.DELETE_STRICT);
                e.deleteRules(r -> filter.selects(r) && outputsTo(r, fm.getOutPort(), fm.getOutGroup()));
            }
            default -> throw OfError.flowModFailed(OFFlowModFailedCode.BAD_COMMAND, "command " + command);
        }
    }

    private static RulePipeline.RuleFilter filter(final OFFlowMod fm, final int table, final Match match,
                                                  final boolean strict) {
        return new RulePipeline.RuleFilter(table, match, strict, fm.getPriority(), fm.getCookie().getValue(),
                fm.getCookieMask().getValue());
    }

    /** True if some packet matches both (the masks agree wherever both care). */
    private static boolean overlap(final Match a, final Match b) {
        final long[] av = a.value();
        final long[] am = a.mask();
        final long[] bv = b.value();
        final long[] bm = b.mask();
        for (int i = 0; i < av.length; i++) {
            if (((av[i] ^ bv[i]) & am[i] & bm[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The out_port / out_group filter of deletes and statistics: ANY selects every rule. */
    private static boolean outputsTo(final Rule r, final OFPort port, final OFGroup group) {
        final boolean anyPort = port == null || port.equals(OFPort.ANY);
        final boolean anyGroup = group == null || group.equals(OFGroup.ANY);
        if (anyPort && anyGroup) {
            return true;
        }
        boolean toPort = anyPort;
        boolean toGroup = anyGroup;
        for (OfAction a : r.actions()) {
            if (!anyPort && (a instanceof OfAction.Output o && o.port() == port.getPortNumber()
                    || a instanceof OfAction.OutputInPort && port.equals(OFPort.IN_PORT)
                    || a instanceof OfAction.Controller && port.equals(OFPort.CONTROLLER)
                    || a instanceof OfAction.Flood && port.equals(OFPort.FLOOD)
                    || a instanceof OfAction.All && port.equals(OFPort.ALL))) {
                toPort = true;
            }
            if (!anyGroup && a instanceof OfAction.Group g && g.groupId() == group.getGroupNumber()) {
                toGroup = true;
            }
        }
        return toPort && toGroup;
    }

    /** The rules a statistics request selects (loose match, cookie, out_port, out_group), by table then priority. */
    private List<Rule> selected(final int table, final byte[] raw, final U64 cookie, final U64 cookieMask,
                                final OFPort outPort, final OFGroup outGroup) throws OfError {
        final Match match = OfMatches.toMatch(raw);
        final RulePipeline.RuleFilter filter = new RulePipeline.RuleFilter(table == ALL_TABLES ? -1 : table, match,
                false, 0, cookie.getValue(), cookieMask.getValue());
        final List<Rule> out = new ArrayList<>();
        for (Rule r : pipeline.current().rules()) {
            if (filter.selects(r) && outputsTo(r, outPort, outGroup)) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingInt(Rule::table).thenComparing(Comparator.comparingInt(Rule::priority).reversed()));
        return out;
    }

    /**
     * The FLOW multipart reply, split over as many messages as it takes (REPLY_MORE on all but the
     * last); written here, as the entries' matches carry Nicira fields the codec cannot write.
     */
    List<byte[]> flowStats(final OFFactory f, final OFFlowStatsRequest req, final byte[] raw) throws OfError {
        final List<Rule> rules = selected(req.getTableId().getValue(), raw, req.getCookie(),
                req.getCookieMask(), req.getOutPort(), req.getOutGroup());
        final long now = System.currentTimeMillis();
        final List<byte[]> replies = new ArrayList<>();
        final ByteBuf reply = Unpooled.buffer();
        final AtomicBoolean warned = new AtomicBoolean();
        startFlowStats(reply, f, req.getXid());
        for (Rule r : rules) {
            final byte[] entry = entry(f, r, now, warned);
            if (MULTIPART_HEADER + entry.length > MAX_MESSAGE) {
                LOG.log(System.Logger.Level.WARNING, "flow statistics: rule " + r + " is too large for one OpenFlow"
                        + " message (" + entry.length + " bytes), left out (ofctl/dump-flows shows it)");
                continue;
            }
            if (reply.readableBytes() + entry.length > MAX_MESSAGE) {
                reply.setShort(MULTIPART_FLAGS_AT, REPLY_MORE);
                replies.add(finish(reply));
                startFlowStats(reply, f, req.getXid());
            }
            reply.writeBytes(entry);
        }
        replies.add(finish(reply));
        return replies;
    }

    private static void startFlowStats(final ByteBuf b, final OFFactory f, final long xid) {
        b.clear().writeByte(f.getVersion().getWireVersion()).writeByte(OFPT_MULTIPART_REPLY).writeShort(0)
                .writeInt((int) xid).writeShort(OFPMP_FLOW).writeShort(0).writeInt(0);
    }

    /** The multipart reply in {@code b}, its length set. */
    private static byte[] finish(final ByteBuf b) {
        b.setShort(2, b.readableBytes());
        return bytes(b);
    }

    private static byte[] bytes(final ByteBuf b) {
        final byte[] out = new byte[b.readableBytes()];
        b.getBytes(0, out);
        return out;
    }

    private static byte[] entry(final OFFactory f, final Rule r, final long now, final AtomicBoolean warned) {
        final OfMatches.Encoded m = OfMatches.fromMatch(r.match(), f);
        final OfActions.Encoded a = OfActions.toInstructions(r.actions(), r.match(), f);
        if ((!m.left().isEmpty() || !a.left().isEmpty()) && warned.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "flow statistics: OpenFlow 1.3 cannot carry " + m.left() + a.left()
                    + " of rule " + r + " (ofctl/dump-flows shows it whole)");
        }
        final long age = Math.max(0, now - r.createdMillis());
        final OFFlowStatsEntry e = f.buildFlowStatsEntry().setTableId(TableId.of(r.table())).setDurationSec(age / 1000)
                .setDurationNsec(age % 1000 * 1_000_000).setPriority(r.priority()).setIdleTimeout(r.idleTimeout())
                .setHardTimeout(r.hardTimeout()).setFlags(r.sendFlowRemoved() ? EnumSet.of(OFFlowModFlags.SEND_FLOW_REM)
                        : EnumSet.noneOf(OFFlowModFlags.class))
                .setCookie(U64.of(r.cookie())).setPacketCount(U64.of(r.stats().packets()))
                .setByteCount(U64.of(r.stats().bytes())).setMatch(m.match()).setInstructions(a.instructions()).build();
        final ByteBuf b = Unpooled.buffer();
        e.writeTo(b);
        return OfNiciraActions.fromCodec(m.into(bytes(b), 0, OfNicira.MATCH_AT));
    }

    /** FLOW_REMOVED for a rule that asked for it (OFPFF_SEND_FLOW_REM), with its counters as last pushed. */
    static byte[] flowRemoved(final OFFactory f, final RuleRemoval x, final long now) {
        final Rule r = x.rule();
        final long age = Math.max(0, now - r.createdMillis());
        final OfMatches.Encoded match = OfMatches.fromMatch(r.match(), f);
        final OFFlowRemoved removed = f.buildFlowRemoved().setCookie(U64.of(r.cookie())).setPriority(r.priority())
                .setReason(switch (x.reason()) {
                    case IDLE_TIMEOUT -> OFFlowRemovedReason.IDLE_TIMEOUT;
                    case HARD_TIMEOUT -> OFFlowRemovedReason.HARD_TIMEOUT;
                    case DELETE -> OFFlowRemovedReason.DELETE;
                    case GROUP_DELETE -> OFFlowRemovedReason.GROUP_DELETE;
                }).setTableId(TableId.of(r.table())).setDurationSec(age / 1000).setDurationNsec(age % 1000 * 1_000_000)
                .setIdleTimeout(r.idleTimeout()).setHardTimeout(r.hardTimeout())
                .setPacketCount(U64.of(r.stats().packets())).setByteCount(U64.of(r.stats().bytes()))
                .setMatch(match.match()).build();
        final ByteBuf b = Unpooled.buffer();
        removed.writeTo(b);
        return match.into(bytes(b), 2, OfNicira.MATCH_AT);
    }

    /** The AGGREGATE multipart reply: packets, bytes and rules over what the request selects. */
    OFMessage aggregate(final OFFactory f, final OFAggregateStatsRequest req, final byte[] raw) throws OfError {
        long packets = 0;
        long bytes = 0;
        final List<Rule> rules = selected(req.getTableId().getValue(), raw, req.getCookie(),
                req.getCookieMask(), req.getOutPort(), req.getOutGroup());
        for (Rule r : rules) {
            packets += r.stats().packets();
            bytes += r.stats().bytes();
        }
        return f.buildAggregateStatsReply().setXid(req.getXid()).setFlags(EnumSet.noneOf(OFStatsReplyFlags.class))
                .setPacketCount(U64.of(packets)).setByteCount(U64.of(bytes)).setFlowCount(rules.size()).build();
    }
}
