package io.flowgate.slowpath.ofproto;

import io.flowgate.fastpath.flow.FieldText;

/**
 * One OpenFlow action of a rule or group bucket, as Open vSwitch holds it after an
 * {@code ovs-ofctl -O OpenFlow13} round trip: {@code mod_nw_dst} becomes a set_field on ip_dst,
 * {@code mod_vlan_vid} becomes push_vlan (when the match does not guarantee a tag) plus a set_field
 * on vlan_vid, and so on. Each action's {@code toString()} prints it in ovs-ofctl syntax.
 */
public sealed interface OfAction {
    /** {@code output:PORT}. */
    record Output(int port) implements OfAction {
        @Override
        public String toString() {
            return "output:" + port;
        }
    }

    /** {@code in_port}: send back out of the input port (printed IN_PORT, as ovs-ofctl prints it). */
    record OutputInPort() implements OfAction {
        @Override
        public String toString() {
            return "IN_PORT";
        }
    }

    /**
     * {@code controller}: a packet-in with the packet as it is at this point. {@code reason} is
     * OpenFlow's (OFPR_ACTION unless given; a table-miss rule's packet-ins say OFPR_NO_MATCH),
     * {@code maxLen} what the controller asked for (an unbuffered packet-in carries the whole
     * frame anyway), {@code id} the controller connection id (0: every controller).
     */
    record Controller(int maxLen, int reason, int id) implements OfAction {
        public static final int REASON_NO_MATCH = io.flowgate.fastpath.action.DpActions.REASON_NO_MATCH;
        public static final int REASON_ACTION = io.flowgate.fastpath.action.DpActions.REASON_ACTION;
        public static final int REASON_INVALID_TTL = io.flowgate.fastpath.action.DpActions.REASON_INVALID_TTL;
        public static final int MAX_LEN = 65535;
        private static final String[] REASONS = {"no_match", "action", "invalid_ttl"};

        /** {@code controller:MAX_LEN}. */
        public Controller(final int maxLen) {
            this(maxLen, REASON_ACTION, 0);
        }

        public static String reasonName(final int reason) {
            return reason >= 0 && reason < REASONS.length ? REASONS[reason] : Integer.toString(reason);
        }

        /** The reason named as ovs-ofctl names it, or -1. */
        public static int reason(final String name) {
            return java.util.Arrays.asList(REASONS).indexOf(name);
        }

        @Override
        public String toString() {
            if (reason == REASON_ACTION && id == 0) {
                return "CONTROLLER:" + maxLen;
            }
            final StringBuilder s = new StringBuilder("controller(");
            if (reason != REASON_ACTION) {
                s.append("reason=").append(reasonName(reason)).append(',');
            }
            if (maxLen != MAX_LEN) {
                s.append("max_len=").append(maxLen).append(',');
            }
            if (id != 0) {
                s.append("id=").append(id).append(',');
            }
            s.setLength(s.length() - 1);
            return s.append(')').toString();
        }
    }

    /** {@code FLOOD}: every port but the input port and those whose no_flood is set. */
    record Flood() implements OfAction {
        @Override
        public String toString() {
            return "FLOOD";
        }
    }

    /** {@code ALL}: every port but the input port. */
    record All() implements OfAction {
        @Override
        public String toString() {
            return "ALL";
        }
    }

    /**
     * {@code output:TABLE}, only in a packet-out: the packet goes through the rule pipeline from
     * table 0 as if it had arrived on the packet-out's in_port.
     */
    record OutputTable() implements OfAction {
        @Override
        public String toString() {
            return "TABLE";
        }
    }

    /** {@code mod_dl_src} / {@code mod_dl_dst}. */
    record SetEth(boolean source, long mac) implements OfAction {
        @Override
        public String toString() {
            return (source ? "mod_dl_src:" : "mod_dl_dst:") + FieldText.mac(mac);
        }
    }

    /** {@code mod_nw_tos}: the DSCP bits of the TOS byte (a multiple of 4). */
    record SetIpDscp(int tos) implements OfAction {
        @Override
        public String toString() {
            return "mod_nw_tos:" + tos;
        }
    }

    /** {@code mod_nw_ttl}. */
    record SetIpTtl(int ttl) implements OfAction {
        @Override
        public String toString() {
            return "mod_nw_ttl:" + ttl;
        }
    }

    /** {@code mod_tp_src} / {@code mod_tp_dst}. */
    record SetL4Port(boolean source, int port) implements OfAction {
        @Override
        public String toString() {
            return (source ? "mod_tp_src:" : "mod_tp_dst:") + port;
        }
    }

    /** {@code dec_ttl}. */
    record DecTtl() implements OfAction {
        @Override
        public String toString() {
            return "dec_ttl";
        }
    }

    /** {@code strip_vlan} / {@code pop_vlan}. */
    record PopVlan() implements OfAction {
        @Override
        public String toString() {
            return "pop_vlan";
        }
    }

    /** {@code push_vlan:ETHERTYPE}. */
    record PushVlan(int tpid) implements OfAction {
        @Override
        public String toString() {
            return "push_vlan:0x" + Integer.toHexString(tpid);
        }
    }

    /** {@code set_field:VALUE[/MASK]->FIELD}. */
    record SetField(OfField field, long hi, long lo, long maskHi, long maskLo) implements OfAction {
        /**
         * {@code load:VALUE->FIELD[FIRST..FIRST+BITS-1]}: {@code value} written into {@code bits}
         * bits (at most 64) of {@code field} from bit {@code first} (of 128 for a wide field).
         */
        public static SetField load(final OfField field, final int first, final int bits, final long value) {
            final long run = bits == 64 ? -1L : (1L << bits) - 1;
            if (first >= 64) {
                return new SetField(field, value << (first - 64), 0, run << (first - 64), 0);
            }
            final boolean spans = first > 0 && first + bits > 64;
            return new SetField(field, spans ? value >>> (64 - first) : 0, value << first,
                    spans ? run >>> (64 - first) : 0, run << first);
        }

        public boolean fullMask() {
            return field.wide() ? maskHi == -1L && maskLo == -1L : maskLo == field.valueMask();
        }

        /**
         * {@code set_field:VALUE->FIELD}; a masked write as OVS shows it after OpenFlow 1.3 carried
         * it: one {@code load:VALUE->NXM_NAME[FIRST..LAST]} per run of mask bits (runs end at
         * 64-bit boundaries), lowest bits first.
         */
        @Override
        public String toString() {
            final String v = field.formatValue(hi, lo);
            if (fullMask()) {
                return "set_field:" + v + "->" + field.setFieldName();
            }
            if (field.nxmName() == null) {
                return "set_field:" + v + "/" + field.formatValue(maskHi, maskLo) + "->" + field.setFieldName();
            }
            final StringBuilder s = new StringBuilder();
            loads(s, lo, maskLo, 0);
            if (field.wide()) {
                loads(s, hi, maskHi, 64);
            }
            return s.toString();
        }

        private void loads(final StringBuilder s, final long value, final long mask, final int base) {
            long m = mask;
            while (m != 0) {
                final int first = Long.numberOfTrailingZeros(m);
                final int end = first + Long.numberOfTrailingZeros(~(m >>> first)); // exclusive
                final int bits = end - first;
                final long run = bits == 64 ? -1L : (1L << bits) - 1;
                final long v = (value >>> first) & run;
                if (!s.isEmpty()) {
                    s.append(',');
                }
                s.append("load:").append(v == 0 ? "0" : "0x" + Long.toHexString(v)).append("->")
                        .append(field.nxmName()).append('[').append(base + first);
                if (bits > 1) {
                    s.append("..").append(base + end - 1);
                }
                s.append(']');
                m = end == 64 ? 0 : m & -(1L << end);
            }
        }
    }

    /** {@code resubmit(PORT,TABLE)}; -1 means "the current one". */
    record Resubmit(int inPort, int table) implements OfAction {
        @Override
        public String toString() {
            if (table < 0) {
                return "resubmit:" + inPort;
            }
            return "resubmit(" + (inPort < 0 ? "" : Integer.toString(inPort)) + "," + table + ")";
        }
    }

    /** {@code goto_table:TABLE} (an instruction; always the last). */
    record GotoTable(int table) implements OfAction {
        @Override
        public String toString() {
            return "goto_table:" + table;
        }
    }

    /** {@code group:GROUP}. */
    record Group(int groupId) implements OfAction {
        @Override
        public String toString() {
            return "group:" + groupId;
        }
    }
}
