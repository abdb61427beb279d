package io.flowgate.daemon.openflow;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.slowpath.classifier.Prerequisite;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.OfField;

import java.util.ArrayList;
import java.util.List;

import org.projectfloodlight.openflow.protocol.OFBadActionCode;
import org.projectfloodlight.openflow.protocol.OFBadInstructionCode;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionDecNwTtl;
import org.projectfloodlight.openflow.protocol.action.OFActionGroup;
import org.projectfloodlight.openflow.protocol.action.OFActionNiciraDecTtl;
import org.projectfloodlight.openflow.protocol.action.OFActionNiciraLoad;
import org.projectfloodlight.openflow.protocol.action.OFActionNiciraResubmit;
import org.projectfloodlight.openflow.protocol.action.OFActionNiciraResubmitTable;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.action.OFActionPopVlan;
import org.projectfloodlight.openflow.protocol.action.OFActionPushVlan;
import org.projectfloodlight.openflow.protocol.action.OFActionSetField;
import org.projectfloodlight.openflow.protocol.action.OFActionSetNwTtl;
import org.projectfloodlight.openflow.protocol.instruction.OFInstruction;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionGotoTable;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;

/**
 * OpenFlow instructions and actions to and from a rule's {@link OfAction} list, normalised as the
 * flow syntax normalises them (a set_field on ip_dscp is the DSCP action, as after an
 * {@code ovs-ofctl -O OpenFlow13} round trip), so that a rule sent over OpenFlow and the same
 * rule read from a file are the same rule.
 */
final class OfActions {
    /** OpenFlow 1.0's OFPP_IN_PORT, which Nicira's resubmit uses for "the current in_port". */
    private static final int NX_IN_PORT = 0xFFF8;
    private static final int NX_CURRENT_TABLE = 0xFF;

    private OfActions() {
    }

    /**
     * The actions of a rule in table {@code table} matching {@code match}: apply_actions, then
     * goto_table (a later table only). Other instructions (write_actions, clear_actions,
     * write_metadata, meter) are OFPBIC_UNSUP_INST: Flowgate has no action set or metadata.
     */
    static List<OfAction> fromInstructions(final List<OFInstruction> instructions, final int table, final Match match)
            throws OfError {
        final List<OfAction> out = new ArrayList<>();
        OfAction.GotoTable next = null;
        boolean applied = false;
        final long[] value = match.value().clone();
        final long[] mask = match.mask().clone();
        for (OFInstruction in : instructions) {
            switch (in) {
                case OFInstructionApplyActions apply -> {
                    if (applied) {
                        throw OfError.badInstruction(OFBadInstructionCode.DUP_INST, "apply_actions twice");
                    }
                    applied = true;
                    for (OFAction a : apply.getActions()) {
                        out.add(action(a, value, mask, true));
                    }
                }
                case OFInstructionGotoTable go -> {
                    if (next != null) {
                        throw OfError.badInstruction(OFBadInstructionCode.DUP_INST, "goto_table twice");
                    }
                    final int to = go.getTableId().getValue();
                    if (to <= table || to > 253) {
                        throw OfError.badInstruction(OFBadInstructionCode.BAD_TABLE_ID, "goto_table:" + to
                                + " from table " + table + " (only a later table, up to 253)");
                    }
                    next = new OfAction.GotoTable(to);
                }
                default -> throw OfError.badInstruction(OFBadInstructionCode.UNSUP_INST, in.getType()
                        + " is not supported (Flowgate rules have apply_actions and goto_table)");
            }
        }
        if (next != null) {
            out.add(next);
        }
        return out;
    }

    /**
     * A PACKET_OUT's actions for the packet whose flow is {@code key}: as a rule's, plus
     * {@code output:TABLE} (the pipeline from table 0); set_field's prerequisites are the packet's.
     */
    static List<OfAction> fromPacketOut(final List<OFAction> actions, final long[] key) throws OfError {
        final long[] value = key.clone();
        final long[] mask = new long[key.length];
        java.util.Arrays.fill(mask, -1L);
        final List<OfAction> out = new ArrayList<>();
        for (OFAction a : actions) {
            out.add(a instanceof OFActionOutput o && o.getPort().equals(OFPort.TABLE) ? new OfAction.OutputTable()
                    : action(a, value, mask, false));
        }
        return out;
    }

    /**
     * A group bucket's actions. As in Flowgate's group syntax, set_field's prerequisites are not
     * checked here: a bucket may serve rules of any match, and translation skips a set_field
     * whose prerequisites the packet does not meet.
     */
    static List<OfAction> fromBucket(final List<OFAction> actions) throws OfError {
        final List<OfAction> out = new ArrayList<>();
        for (OFAction a : actions) {
            out.add(action(a, null, null, false));
        }
        return out;
    }

    /**
     * @param value, mask what the rule's match (or the packet) guarantees so far; null: unchecked
     * @param carriers whether a controller action may come as a carrier ({@link OfNiciraActions}:
     *                 only a FLOW_MOD's actions are rewritten so; elsewhere such a load is refused)
     */
    private static OfAction action(final OFAction a, final long[] value, final long[] mask, final boolean carriers)
            throws OfError {
        return switch (a) {
            case OFActionOutput o -> output(o.getPort(), o.getMaxLen());
            case OFActionSetField s -> setField(s, value, mask);
            case OFActionNiciraLoad l -> carriers && OfNiciraActions.isCarrier(l) ? OfNiciraActions.controller(l)
                    : write(OfNiciraActions.load(l), value, mask);
            case OFActionPushVlan p -> {
                final int tpid = p.getEthertype().getValue();
                if (tpid != ETH_TYPE_VLAN_8021Q && tpid != ETH_TYPE_VLAN_8021AD) {
                    throw OfError.badAction(OFBadActionCode.BAD_ARGUMENT, "push_vlan:0x" + Integer.toHexString(tpid)
                            + " (0x8100 or 0x88a8)");
                }
                if (value != null) {
                    FlowField.VLAN0_TCI.set(value, FlowField.VLAN0_TCI.get(value) | VLAN_CFI);
                    FlowField.VLAN0_TCI.set(mask, FlowField.VLAN0_TCI.get(mask) | VLAN_CFI);
                }
                yield new OfAction.PushVlan(tpid);
            }
            case OFActionPopVlan p -> new OfAction.PopVlan();
            case OFActionDecNwTtl d -> new OfAction.DecTtl();
            case OFActionNiciraDecTtl d -> new OfAction.DecTtl();
            case OFActionSetNwTtl t -> new OfAction.SetIpTtl(t.getNwTtl() & 0xFF);
            case OFActionGroup g -> new OfAction.Group(g.getGroup().getGroupNumber());
            case OFActionNiciraResubmit r -> new OfAction.Resubmit(resubmitPort(r.getInPort()), -1);
            case OFActionNiciraResubmitTable r -> new OfAction.Resubmit(resubmitPort(r.getInPort()),
                    (r.getTable() & 0xFF) == NX_CURRENT_TABLE ? -1 : r.getTable() & 0xFF);
            default -> throw OfError.badAction(OFBadActionCode.BAD_TYPE, a.getType() + " is not supported by Flowgate");
        };
    }

    private static int resubmitPort(final int port) {
        return port == NX_IN_PORT ? -1 : port;
    }

    private static OfAction output(final OFPort port, final int maxLen) throws OfError {
        if (port.equals(OFPort.IN_PORT)) {
            return new OfAction.OutputInPort();
        } else if (port.equals(OFPort.CONTROLLER)) {
            return new OfAction.Controller(maxLen & 0xFFFF);
        } else if (port.equals(OFPort.FLOOD)) {
            return new OfAction.Flood();
        } else if (port.equals(OFPort.ALL)) {
            return new OfAction.All();
        }
        final long n = Integer.toUnsignedLong(port.getPortNumber());
        if (n == 0 || n > 0xFFFF_FF00L) {
            throw OfError.badAction(OFBadActionCode.BAD_OUT_PORT, "output to " + port + " is not supported (of the"
                    + " reserved ports Flowgate has IN_PORT, CONTROLLER, FLOOD and ALL; TABLE in a packet-out)");
        }
        return new OfAction.Output((int) n);
    }

    private static OfAction setField(final OFActionSetField s, final long[] value, final long[] mask) throws OfError {
        final OfMatches.Oxm o;
        try {
            o = OfMatches.readOne(s.getField());
        } catch (OfError e) {
            throw OfError.badAction(OFBadActionCode.BAD_SET_TYPE, "set_field: " + e.getMessage());
        }
        return write(o, value, mask);
    }

    /** A write of {@code o}'s field (set_field, load): checked against what the match guarantees. */
    private static OfAction write(final OfMatches.Oxm o, final long[] value, final long[] mask) throws OfError {
        final OfField f = o.field();
        if (!f.writable()) {
            throw OfError.badAction(OFBadActionCode.BAD_SET_TYPE, "set_field: " + f.displayName()
                    + " cannot be written (Flowgate's datapath has no action for it)");
        }
        if (value != null) {
            final Prerequisite p = f.prerequisite();
            if (!p.satisfiedBy(Match.of(value, mask))) {
                throw OfError.badAction(OFBadActionCode.MATCH_INCONSISTENT, "set_field " + f.displayName()
                        + " needs " + p.description() + " in the rule's match");
            }
            f.write(value, o.hi(), o.lo(), o.maskHi(), o.maskLo());
            f.orMask(mask, o.maskHi(), o.maskLo());
        }
        if (f == OfField.IP_DSCP) {
            return new OfAction.SetIpDscp((int) o.lo() << 2);
        }
        return new OfAction.SetField(f, o.hi(), o.lo(), o.maskHi(), o.maskLo());
    }

    /** A rule's actions as OpenFlow 1.3 instructions, and what OpenFlow 1.3 cannot carry. */
    record Encoded(List<OFInstruction> instructions, List<String> left) {
    }

    static Encoded toInstructions(final List<OfAction> actions, final Match match, final OFFactory f) {
        final List<OFInstruction> out = new ArrayList<>();
        final List<String> left = new ArrayList<>();
        final int proto = FlowField.NW_PROTO.get(match.mask()) == 0xFF ? (int) FlowField.NW_PROTO.get(match.value()) : -1;
        final List<OFAction> apply = toActions(actions, proto, f, left, true);
        if (!apply.isEmpty()) {
            out.add(f.instructions().applyActions(apply));
        }
        for (OfAction a : actions) {
            if (a instanceof OfAction.GotoTable g) {
                out.add(f.instructions().gotoTable(TableId.of(g.table())));
            }
        }
        return new Encoded(out, left);
    }

    /**
     * Actions (goto_table aside) as OpenFlow 1.3 actions; what it cannot carry goes to
     * {@code left}. {@code proto}: the IP protocol the match fixes, or -1 (a set of a transport
     * port needs it to pick the OXM field). {@code carriers}: the caller turns carriers into
     * Nicira controller actions ({@link OfNiciraActions#fromCodec}); otherwise a controller
     * action's reason and id are left.
     */
    static List<OFAction> toActions(final List<OfAction> actions, final int proto, final OFFactory f,
                                    final List<String> left, final boolean carriers) {
        final List<OFAction> apply = new ArrayList<>();
        for (OfAction a : actions) {
            switch (a) {
                case OfAction.Output o -> apply.add(f.actions().output(OFPort.of(o.port()), 0));
                case OfAction.OutputInPort o -> apply.add(f.actions().output(OFPort.IN_PORT, 0));
                case OfAction.Flood o -> apply.add(f.actions().output(OFPort.FLOOD, 0));
                case OfAction.All o -> apply.add(f.actions().output(OFPort.ALL, 0));
                case OfAction.OutputTable o -> apply.add(f.actions().output(OFPort.TABLE, 0));
                case OfAction.Controller c -> {
                    final boolean plain = c.reason() == OfAction.Controller.REASON_ACTION && c.id() == 0;
                    if (plain || !carriers) {
                        apply.add(f.actions().output(OFPort.CONTROLLER, c.maxLen()));
                        if (!plain) {
                            left.add(a.toString());
                        }
                    } else {
                        apply.add(OfNiciraActions.carrier(f, c));
                    }
                }
                case OfAction.SetEth e -> apply.add(f.actions().setField(
                        OfMatches.oxm(f, e.source() ? OfField.ETH_SRC : OfField.ETH_DST, 0, e.mac())));
                case OfAction.SetIpDscp d -> apply.add(f.actions().setField(OfMatches.oxm(f, OfField.IP_DSCP, 0, d.tos() >>> 2)));
                case OfAction.SetIpTtl t -> apply.add(f.actions().setNwTtl((short) t.ttl()));
                case OfAction.SetL4Port p -> {
                    final OfField field = switch (proto) {
                        case IPPROTO_TCP -> p.source() ? OfField.TCP_SRC : OfField.TCP_DST;
                        case IPPROTO_UDP -> p.source() ? OfField.UDP_SRC : OfField.UDP_DST;
                        case IPPROTO_SCTP -> p.source() ? OfField.SCTP_SRC : OfField.SCTP_DST;
                        default -> null;
                    };
                    if (field == null) {
                        left.add(a.toString());
                    } else {
                        apply.add(f.actions().setField(OfMatches.oxm(f, field, 0, p.port())));
                    }
                }
                case OfAction.DecTtl d -> apply.add(f.actions().decNwTtl());
                case OfAction.PopVlan p -> apply.add(f.actions().popVlan());
                case OfAction.PushVlan p -> apply.add(f.actions().pushVlan(EthType.of(p.tpid())));
                case OfAction.SetField s -> {
                    // OpenFlow 1.3's set_field sets a whole field with an OXM: the rest goes as loads, as OVS sends it
                    final var oxm = s.fullMask() ? OfMatches.oxm(f, s.field(), s.hi(), s.lo()) : null;
                    final List<OFAction> loads = oxm == null ? OfNiciraActions.loads(f, s) : List.of();
                    if (oxm != null) {
                        apply.add(f.actions().setField(oxm));
                    } else if (!loads.isEmpty()) {
                        apply.addAll(loads);
                    } else {
                        left.add(a.toString());
                    }
                }
                case OfAction.Resubmit r -> apply.add(f.actions().niciraResubmitTable(
                        r.inPort() < 0 ? NX_IN_PORT : r.inPort(), (short) (r.table() < 0 ? NX_CURRENT_TABLE : r.table())));
                case OfAction.Group g -> apply.add(f.actions().group(OFGroup.of(g.groupId())));
                case OfAction.GotoTable g -> {
                    // an instruction: toInstructions adds it
                }
            }
        }
        return apply;
    }
}
