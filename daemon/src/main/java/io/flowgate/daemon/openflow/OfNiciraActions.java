package io.flowgate.daemon.openflow;

import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.OfField;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.projectfloodlight.openflow.protocol.OFBadActionCode;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionNiciraLoad;
import org.projectfloodlight.openflow.types.U64;

/**
 * The Nicira actions ovs-ofctl sends in OpenFlow 1.3 for what Flowgate's rules hold:
 * {@code NXAST_REG_LOAD} for {@code load:} and a masked set_field (OpenFlow 1.3's set_field sets
 * whole fields), {@code OFPAT_SET_FIELD} with an NXM field (vlan_tci, nw_tos, nw_ttl: no OXM
 * field of their own) and {@code NXAST_CONTROLLER} for a controller action with a reason or a
 * controller id. The codec reads REG_LOAD but not the other two: {@link #forCodec} turns those
 * into REG_LOADs before it reads (a set_field of a whole field is a load of all its bits; a
 * controller action travels in a load to a header no field has, {@link #CARRIER}), and
 * {@link #fromCodec} turns the carrier back into an NXAST_CONTROLLER in what the codec writes.
 */
final class OfNiciraActions {
    private static final int OFPT_FLOW_MOD = 14;
    private static final int OFPAT_SET_FIELD = 25;
    private static final int OFPAT_EXPERIMENTER = 0xFFFF;
    private static final int NX_VENDOR = 0x2320;
    private static final int NXAST_REG_LOAD = 7;
    private static final int NXAST_CONTROLLER = 20;
    private static final int REG_LOAD_LENGTH = 24;
    private static final int MAX_LENGTH = 0xFFFF;
    private static final int CONTROLLER_LENGTH = 16;
    private static final int OFPIT_WRITE_ACTIONS = 3;
    private static final int OFPIT_APPLY_ACTIONS = 4;
    /**
     * The REG_LOAD destination that carries a controller action between {@link #forCodec} and
     * {@link OfActions}: the experimenter class, which no REG_LOAD may name (OVS refuses it), so a
     * peer's own loads are never taken for one; the value starts with {@link #MAGIC}.
     */
    static final int CARRIER = 0xFFFF_FE08;
    private static final long MAGIC = 0x4647L << 48;

    /** NXAST_REG_LOAD's destination header of each writable field, by ovs-ofctl's name for it. */
    private static final String[] NAMES = {
        "NXM_OF_ETH_DST", "NXM_OF_ETH_SRC", "NXM_OF_VLAN_TCI", "NXM_OF_IP_TOS", "NXM_OF_IP_SRC", "NXM_OF_IP_DST",
        "NXM_OF_TCP_SRC", "NXM_OF_TCP_DST", "NXM_OF_UDP_SRC", "NXM_OF_UDP_DST", "NXM_OF_ARP_OP", "NXM_OF_ARP_SPA",
        "NXM_OF_ARP_TPA", "NXM_NX_ARP_SHA", "NXM_NX_ARP_THA", "NXM_NX_IPV6_SRC", "NXM_NX_IPV6_DST",
        "NXM_NX_ND_TARGET", "NXM_NX_ND_SLL", "NXM_NX_ND_TLL", "NXM_NX_IPV6_LABEL", "NXM_NX_IP_ECN", "NXM_NX_IP_TTL",
        "OXM_OF_VLAN_VID", "OXM_OF_SCTP_SRC", "OXM_OF_SCTP_DST",
    };
    /** Class, field number and bytes of each name above, as {@code class << 16 | field << 9 | bytes}. */
    private static final int[] HEADERS = {
        h(0, 1, 6), h(0, 2, 6), h(0, 4, 2), h(0, 5, 1), h(0, 7, 4), h(0, 8, 4),
        h(0, 9, 2), h(0, 10, 2), h(0, 11, 2), h(0, 12, 2), h(0, 15, 2), h(0, 16, 4),
        h(0, 17, 4), h(1, 17, 6), h(1, 18, 6), h(1, 19, 16), h(1, 20, 16),
        h(1, 23, 16), h(1, 24, 6), h(1, 25, 6), h(1, 27, 4), h(1, 28, 1), h(1, 29, 1),
        h(0x8000, 6, 2), h(0x8000, 17, 2), h(0x8000, 18, 2),
    };

    private OfNiciraActions() {
    }

    private static int h(final int cls, final int field, final int bytes) {
        return cls << 16 | field << 9 | bytes;
    }

    /** The load destination header of a writable field (its NXM name's), or 0 if none. */
    static int header(final OfField f) {
        final String name = f.nxmName();
        for (int i = 0; name != null && i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return HEADERS[i];
            }
        }
        return 0;
    }

    /** The writable field a load destination header names (NXM or OXM), or null. */
    static OfField field(final int header) {
        final int plain = header & ~0x100; // the has-mask bit plays no part in a destination
        for (int i = 0; i < HEADERS.length; i++) {
            if (HEADERS[i] == plain) {
                return OfField.byNxmName(NAMES[i]);
            }
        }
        if (plain >>> 16 == 0x8000) {
            final OfField f = OfMatches.basic(plain >>> 9 & 0x7F, plain & 0xFF);
            return f != null && f.writable() ? f : null;
        }
        return null;
    }

    /** The field's width as OVS's load sees it: arp_op is 16 bits there, vlan_vid 12 (its OXM form's present bit aside). */
    private static int loadBits(final OfField f) {
        return f == OfField.ARP_OP ? 16 : f == OfField.VLAN_VID ? 12 : f.bits();
    }

    /**
     * A REG_LOAD as the field, value and mask it writes.
     *
     * @throws OfError OFPBAC_BAD_SET_TYPE (no writable field of Flowgate's), OFPBAC_BAD_SET_LEN (bits
     *                 outside the field), OFPBAC_BAD_ARGUMENT (a value wider than its bits), as OVS;
     *                 OFPBAC_BAD_SET_ARGUMENT for a value Flowgate's field cannot hold (arp_op above 255)
     */
    static OfMatches.Oxm load(final OFActionNiciraLoad l) throws OfError {
        final OfField f = field((int) l.getDst());
        if (f == null) {
            throw OfError.badAction(OFBadActionCode.BAD_SET_TYPE, "load to header 0x" + Long.toHexString(l.getDst())
                    + ": not a field Flowgate writes");
        }
        final int ofs = l.getOfsNbits() >>> 6;
        final int bits = (l.getOfsNbits() & 0x3F) + 1;
        final long v = l.getValue().getValue();
        if (ofs + bits > loadBits(f)) {
            throw OfError.badAction(OFBadActionCode.BAD_SET_LEN, "load to " + f.nxmName() + "[" + ofs + ".."
                    + (ofs + bits - 1) + "]: the field has " + loadBits(f) + " bits");
        }
        if (bits < 64 && v >>> bits != 0) {
            throw OfError.badAction(OFBadActionCode.BAD_ARGUMENT, "load of 0x" + Long.toHexString(v) + " into "
                    + bits + " bits");
        }
        final OfAction.SetField s = OfAction.SetField.load(f, ofs, bits, v);
        final long maskLo = f.wide() ? s.maskLo() : s.maskLo() & f.valueMask();
        // nw_tos: OVS writes the DSCP bits of what is loaded into the TOS byte and drops the ECN bits.
        final long lo = f == OfField.NW_TOS ? s.lo() & maskLo : s.lo();
        if (!f.wide() && ((lo & ~f.valueMask()) != 0 || maskLo == 0)) {
            throw OfError.badAction(OFBadActionCode.BAD_SET_ARGUMENT, "load into " + f.nxmName()
                    + ": bits Flowgate's " + f.displayName() + " does not have");
        }
        return new OfMatches.Oxm(f, s.hi(), lo, s.maskHi(), maskLo, true);
    }

    /** A carrier's value: {@link #MAGIC}, then reason, controller id and max_len. */
    private static long carried(final int maxLen, final int id, final int reason) {
        return MAGIC | (long) reason << 32 | (long) id << 16 | maxLen;
    }

    /** True if the action at {@code at} ({@code len} bytes) is Nicira's {@code subtype}, of that subtype's {@code length}. */
    private static boolean nicira(final byte[] s, final int at, final int len, final int subtype, final int length) {
        return len == length && OfNicira.u16(s, at) == OFPAT_EXPERIMENTER && OfNicira.u32(s, at + 4) == NX_VENDOR
                && OfNicira.u16(s, at + 8) == subtype;
    }

    /** True if a REG_LOAD is a controller action in transit ({@link #forCodec}). */
    static boolean isCarrier(final OFActionNiciraLoad l) {
        return (int) l.getDst() == CARRIER && (l.getValue().getValue() & 0xFFFF_0000_0000_0000L) == MAGIC;
    }

    /** The controller action a carrier holds. */
    static OfAction.Controller controller(final OFActionNiciraLoad l) {
        final long v = l.getValue().getValue();
        return new OfAction.Controller((int) v & 0xFFFF, (int) (v >>> 32) & 0xFF, (int) (v >>> 16) & 0xFFFF);
    }

    /** A controller action with a reason or an id, as a carrier for the codec to write ({@link #fromCodec}). */
    static OFAction carrier(final OFFactory f, final OfAction.Controller c) {
        return f.actions().buildNiciraLoad().setOfsNbits(63).setDst(CARRIER & 0xFFFF_FFFFL)
                .setValue(U64.of(carried(c.maxLen(), c.id(), c.reason()))).build();
    }

    /** A set_field as loads, one per run of mask bits (at most 64 bits each), lowest first; empty if no header. */
    static List<OFAction> loads(final OFFactory f, final OfAction.SetField s) {
        final List<OFAction> out = new ArrayList<>();
        final int header = header(s.field());
        if (header != 0) {
            loads(f, out, header, s.lo(), s.maskLo(), 0);
            loads(f, out, header, s.hi(), s.maskHi(), 64);
        }
        return out;
    }

    private static void loads(final OFFactory f, final List<OFAction> out, final int header, final long value,
                              final long mask, final int base) {
        long m = mask;
        while (m != 0) {
            final int first = Long.numberOfTrailingZeros(m);
            final int end = first + Long.numberOfTrailingZeros(~(m >>> first)); // exclusive
            final int bits = end - first;
            final long v = (value >>> first) & (bits == 64 ? -1L : (1L << bits) - 1);
            out.add(f.actions().buildNiciraLoad().setOfsNbits((base + first) << 6 | (bits - 1))
                    .setDst(header & 0xFFFF_FFFFL).setValue(U64.of(v)).build());
            m = end == 64 ? 0 : m & -(1L << end);
        }
    }

    /**
     * A FLOW_MOD (match at {@link OfNicira#MATCH_AT}) with its NXAST_CONTROLLER and NXM set_field
     * actions turned into loads the codec reads; the message itself if it has none or does not
     * hold together (the codec's error then answers it).
     */
    static byte[] forCodec(final byte[] msg) {
        if ((msg[1] & 0xFF) != OFPT_FLOW_MOD) {
            return msg;
        }
        return rewrite(msg, 2, msg.length, OfNiciraActions::toLoad);
    }

    /**
     * A flow-stats entry written by the codec, with its carriers turned back into NXAST_CONTROLLER
     * and whole-field loads of NXM-only fields into set_field, as OVS writes them.
     */
    static byte[] fromCodec(final byte[] entry) {
        return rewrite(entry, 0, entry.length, OfNiciraActions::toOpenFlow);
    }

    /** One action's replacement, or null to keep it. */
    private interface Rewrite {
        byte[] apply(byte[] s, int at, int length);
    }

    private static byte[] rewrite(final byte[] s, final int lengthAt, final int end, final Rewrite rewrite) {
        if (end < OfNicira.MATCH_AT + 4) {
            return s;
        }
        final int start = OfNicira.MATCH_AT + ((OfNicira.u16(s, OfNicira.MATCH_AT + 2) + 7) & ~7);
        if (start > end) {
            return s;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream(s.length + 32);
        out.write(s, 0, start);
        boolean changed = false;
        for (int at = start; at < end; ) {
            if (at + 4 > end) {
                return s;
            }
            final int type = OfNicira.u16(s, at);
            final int len = OfNicira.u16(s, at + 2);
            if (len < 8 || at + len > end) {
                return s;
            }
            if (type != OFPIT_APPLY_ACTIONS && type != OFPIT_WRITE_ACTIONS) {
                out.write(s, at, len);
                at += len;
                continue;
            }
            final ByteArrayOutputStream actions = new ByteArrayOutputStream(len);
            for (int a = at + 8; a < at + len; ) {
                final int alen = a + 4 <= at + len ? OfNicira.u16(s, a + 2) : 0;
                if (alen < 4 || a + alen > at + len) {
                    return s;
                }
                final byte[] r = rewrite.apply(s, a, alen);
                if (r != null) {
                    actions.write(r, 0, r.length);
                    changed = true;
                } else {
                    actions.write(s, a, alen);
                }
                a += alen;
            }
            final int newLen = 8 + actions.size();
            if (newLen > MAX_LENGTH) {
                return s; // the codec's error answers it rather than a length cut to 16 bits
            }
            out.write(type >>> 8);
            out.write(type);
            out.write(newLen >>> 8);
            out.write(newLen);
            out.write(s, at + 4, 4);
            out.writeBytes(actions.toByteArray());
            at += len;
        }
        if (!changed) {
            return s;
        }
        out.write(s, end, s.length - end);
        final byte[] b = out.toByteArray();
        final int total = OfNicira.u16(s, lengthAt) + b.length - s.length;
        if (total > MAX_LENGTH) {
            return s;
        }
        b[lengthAt] = (byte) (total >>> 8);
        b[lengthAt + 1] = (byte) total;
        return b;
    }

    private static byte[] toLoad(final byte[] s, final int at, final int len) {
        if (nicira(s, at, len, NXAST_CONTROLLER, CONTROLLER_LENGTH)) {
            return regLoad(CARRIER, 63, carried(OfNicira.u16(s, at + 10), OfNicira.u16(s, at + 12), s[at + 14] & 0xFF));
        }
        if (nicira(s, at, len, NXAST_REG_LOAD, REG_LOAD_LENGTH) && (int) OfNicira.u32(s, at + 12) == CARRIER) {
            final byte[] forged = java.util.Arrays.copyOfRange(s, at, at + len);
            forged[14] = (byte) 0xFC; // a peer's load to the carrier's header: to one no field has (OFPBAC_BAD_SET_TYPE)
            return forged;
        }
        if (OfNicira.u16(s, at) == OFPAT_SET_FIELD && len >= 8) {
            final int header = (int) OfNicira.u32(s, at + 4);
            final int cls = header >>> 16;
            final int bytes = header & 0xFF;
            if ((cls == OfNicira.CLASS_NXM0 || cls == OfNicira.CLASS_NXM1) && (header & 0x100) == 0 && bytes >= 1
                    && bytes <= 8 && 8 + bytes <= len) {
                long v = 0;
                for (int i = 0; i < bytes; i++) {
                    v = v << 8 | (s[at + 8 + i] & 0xFF);
                }
                // A field Flowgate does not write still becomes a load: refused as one (OFPBAC_BAD_SET_TYPE).
                final OfField f = field(header);
                return regLoad(header, (f == null || f.wide() ? 8 * bytes : loadBits(f)) - 1, v);
            }
        }
        return null;
    }

    /**
     * A carrier back to NXAST_CONTROLLER; a load of a whole field that has no OXM field (vlan_tci,
     * nw_tos, nw_ttl) to the set_field OVS writes for it, with the NXM header.
     */
    private static byte[] toOpenFlow(final byte[] s, final int at, final int len) {
        if (!nicira(s, at, len, NXAST_REG_LOAD, REG_LOAD_LENGTH)) {
            return null;
        }
        final int header = (int) OfNicira.u32(s, at + 12);
        if (header == CARRIER) {
            final byte[] c = new byte[CONTROLLER_LENGTH];
            put16(c, 0, OFPAT_EXPERIMENTER);
            put16(c, 2, CONTROLLER_LENGTH);
            put16(c, 6, NX_VENDOR);
            put16(c, 8, NXAST_CONTROLLER);
            System.arraycopy(s, at + 22, c, 10, 2); // max_len
            System.arraycopy(s, at + 20, c, 12, 2); // controller id
            c[14] = s[at + 19]; // reason
            return c;
        }
        final OfField f = field(header);
        final int cls = header >>> 16;
        final int ofsNbits = OfNicira.u16(s, at + 10);
        final int bits = (ofsNbits & 0x3F) + 1;
        if (f == null || f.wide() || (cls != OfNicira.CLASS_NXM0 && cls != OfNicira.CLASS_NXM1)
                || ((1L << bits) - 1) << (ofsNbits >>> 6) != f.valueMask()) {
            return null;
        }
        final int bytes = header & 0xFF;
        final byte[] set = new byte[16];
        put16(set, 0, OFPAT_SET_FIELD);
        put16(set, 2, set.length);
        System.arraycopy(s, at + 12, set, 4, 4);
        final long value = OfNicira.u32(s, at + 16) << 32 | OfNicira.u32(s, at + 20);
        final long v = value << (ofsNbits >>> 6);
        for (int i = 0; i < bytes; i++) {
            set[8 + i] = (byte) (v >>> (8 * (bytes - 1 - i)));
        }
        return set;
    }

    private static byte[] regLoad(final int header, final int ofsNbits, final long value) {
        final byte[] b = new byte[REG_LOAD_LENGTH];
        put16(b, 0, OFPAT_EXPERIMENTER);
        put16(b, 2, REG_LOAD_LENGTH);
        put16(b, 6, NX_VENDOR);
        put16(b, 8, NXAST_REG_LOAD);
        put16(b, 10, ofsNbits);
        put16(b, 12, header >>> 16);
        put16(b, 14, header);
        for (int i = 0; i < 8; i++) {
            b[16 + i] = (byte) (value >>> (56 - 8 * i));
        }
        return b;
    }

    private static void put16(final byte[] b, final int at, final int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }
}
