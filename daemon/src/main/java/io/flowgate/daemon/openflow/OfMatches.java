package io.flowgate.daemon.openflow;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.OfField;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFBadMatchCode;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFOxmList;
import org.projectfloodlight.openflow.protocol.oxm.OFOxm;

/**
 * OpenFlow's OXM match to and from a rule's {@link Match}. The codec gives a match's OXM fields
 * as typed objects, one class per field; here they are read and written in their wire form
 * (class, field, value and mask bytes), which maps onto {@link OfField} in one table
 * ({@link #BASIC}) instead of a case per class.
 */
final class OfMatches {
    private static final int CLASS_BASIC = 0x8000;
    private static final int CLASS_EXPERIMENTER = 0xFFFF;
    /** ONF's experimenter id: Open vSwitch's tcp_flags OXM for OpenFlow 1.3 (field 42). */
    private static final int ONF = 0x4F4E_4600;
    private static final int ONF_TCP_FLAGS = 42;

    /** OpenFlow basic class fields by OXM field number, with their width in bytes; null: not matched by Flowgate. */
    private static final OfField[] BASIC = new OfField[40];
    private static final int[] WIDTH = new int[40];

    static {
        basic(0, OfField.IN_PORT, 4);
        basic(3, OfField.ETH_DST, 6);
        basic(4, OfField.ETH_SRC, 6);
        basic(5, OfField.DL_TYPE, 2);
        basic(6, OfField.VLAN_VID, 2);
        basic(7, OfField.VLAN_PCP, 1);
        basic(8, OfField.IP_DSCP, 1);
        basic(9, OfField.NW_ECN, 1);
        basic(10, OfField.NW_PROTO, 1);
        basic(11, OfField.NW_SRC, 4);
        basic(12, OfField.NW_DST, 4);
        basic(13, OfField.TCP_SRC, 2);
        basic(14, OfField.TCP_DST, 2);
        basic(15, OfField.UDP_SRC, 2);
        basic(16, OfField.UDP_DST, 2);
        basic(17, OfField.SCTP_SRC, 2);
        basic(18, OfField.SCTP_DST, 2);
        basic(19, OfField.ICMP_TYPE, 1);
        basic(20, OfField.ICMP_CODE, 1);
        basic(21, OfField.ARP_OP, 2);
        basic(22, OfField.ARP_SPA, 4);
        basic(23, OfField.ARP_TPA, 4);
        basic(24, OfField.ARP_SHA, 6);
        basic(25, OfField.ARP_THA, 6);
        basic(26, OfField.IPV6_SRC, 16);
        basic(27, OfField.IPV6_DST, 16);
        basic(28, OfField.IPV6_LABEL, 4);
        basic(29, OfField.ICMPV6_TYPE, 1);
        basic(30, OfField.ICMPV6_CODE, 1);
        basic(31, OfField.ND_TARGET, 16);
        basic(32, OfField.ND_SLL, 6);
        basic(33, OfField.ND_TLL, 6);
    }

    /** The OXM basic-class field with this number and width in bytes, or null if Flowgate has none such. */
    static OfField basic(final int field, final int bytes) {
        return field < BASIC.length && WIDTH[field] == bytes ? BASIC[field] : null;
    }

    private static void basic(final int field, final OfField f, final int width) {
        BASIC[field] = f;
        WIDTH[field] = width;
    }

    private OfMatches() {
    }

    /** One OXM field in wire form: which {@link OfField}, its value and its mask (all ones when exact). */
    record Oxm(OfField field, long hi, long lo, long maskHi, long maskLo, boolean masked) {
    }

    /**
     * Reads the OXM TLVs of an OpenFlow 1.2+ match ({@code ofp_match} of type OXM) from a message's
     * own bytes, the match at {@link OfNicira#MATCH_AT}: OXM basic fields, ONF's tcp_flags and the
     * Nicira fields OVS sends where OXM has none ({@link OfNicira}).
     *
     * @throws OfError OFPBMC_BAD_TYPE, OFPBMC_BAD_FIELD (a field Flowgate does not match on),
     *                 OFPBMC_DUP_FIELD, OFPBMC_BAD_VALUE, OFPBMC_BAD_WILDCARDS (value bits outside the mask)
     */
    private static List<Oxm> read(final byte[] msg) throws OfError {
        try {
            return readRaw(Unpooled.wrappedBuffer(msg), OfNicira.MATCH_AT);
        } catch (IndexOutOfBoundsException e) { // a peer's bytes: whatever they hold, an error answers them
            throw OfError.badMatch(OFBadMatchCode.BAD_LEN, "the match runs past the message");
        }
    }

    /** Same, for a match at {@code base} of {@code b}. */
    private static List<Oxm> readRaw(final ByteBuf b, final int base) throws OfError {
        if (b.getUnsignedShort(base) != 1) {
            throw OfError.badMatch(OFBadMatchCode.BAD_TYPE, "match type " + b.getUnsignedShort(base) + " is not OXM");
        }
        final int end = base + b.getUnsignedShort(base + 2);
        if (end > b.writerIndex()) {
            throw OfError.badMatch(OFBadMatchCode.BAD_LEN, "match length " + (end - base) + " runs past the message");
        }
        final List<Oxm> out = new ArrayList<>();
        final Set<OfField> seen = EnumSet.noneOf(OfField.class);
        for (int at = base + 4; at + 4 <= end; ) {
            final int cls = b.getUnsignedShort(at);
            final int field = b.getUnsignedByte(at + 2) >>> 1;
            final boolean hasMask = (b.getUnsignedByte(at + 2) & 1) != 0;
            final int len = b.getUnsignedByte(at + 3);
            if (at + 4 + len > end) {
                throw OfError.badMatch(OFBadMatchCode.BAD_LEN, "OXM class 0x" + Integer.toHexString(cls) + " field "
                        + field + ": length " + len + " runs past the match");
            }
            int p = at + 4;
            final OfField f;
            int width;
            if (cls == CLASS_BASIC && field < BASIC.length && BASIC[field] != null) {
                f = BASIC[field];
                width = WIDTH[field];
            } else if (cls == CLASS_EXPERIMENTER && field == ONF_TCP_FLAGS && len >= 4 && b.getInt(p) == ONF) {
                f = OfField.TCP_FLAGS;
                width = 2;
                p += 4;
            } else if (OfNicira.field(cls, field) != null) {
                f = OfNicira.field(cls, field);
                width = 1;
            } else {
                throw OfError.badMatch(OFBadMatchCode.BAD_FIELD, "OXM class 0x" + Integer.toHexString(cls) + " field "
                        + field + ": not a field Flowgate matches on");
            }
            if ((hasMask ? 2 : 1) * width != at + 4 + len - p) {
                throw OfError.badMatch(OFBadMatchCode.BAD_LEN, f.displayName() + ": length " + len);
            }
            if (!seen.add(f)) {
                throw OfError.badMatch(OFBadMatchCode.DUP_FIELD, f.displayName() + " appears twice");
            }
            if (hasMask && !f.maskable()) {
                throw OfError.badMatch(OFBadMatchCode.BAD_MASK, f.displayName() + " cannot be masked");
            }
            final long[] v = bytes(b, p, width);
            final long[] m = hasMask ? bytes(b, p + width, width) : full(f);
            if (width <= 8 && ((v[1] & ~f.valueMask()) != 0 || (m[1] & ~f.valueMask()) != 0)) {
                throw OfError.badMatch(OFBadMatchCode.BAD_VALUE, f.displayName() + ": value 0x" + Long.toHexString(v[1])
                        + " is out of range");
            }
            if ((v[0] & ~m[0]) != 0 || (v[1] & ~m[1]) != 0) {
                throw OfError.badMatch(OFBadMatchCode.BAD_WILDCARDS, f.displayName() + ": value bits outside the mask");
            }
            out.add(new Oxm(f, v[0], v[1], m[0], m[1], hasMask));
            at += 4 + len;
        }
        return out;
    }

    /**
     * The rule match of a message's OpenFlow match (at {@link OfNicira#MATCH_AT}): every field written into the flow key layout, and each
     * field's prerequisite met by the rest (OFPBMC_BAD_PREREQ otherwise, as OpenFlow requires).
     */
    static Match toMatch(final byte[] msg) throws OfError {
        final List<Oxm> fields = read(msg);
        final long[] value = new long[WORDS];
        final long[] mask = new long[WORDS];
        for (Oxm o : fields) {
            o.field().write(value, o.hi(), o.lo(), o.maskHi(), o.maskLo());
            o.field().orMask(mask, o.maskHi(), o.maskLo());
        }
        final Match m = Match.of(value, mask);
        for (Oxm o : fields) {
            if (!o.field().prerequisite().satisfiedBy(m)) {
                throw OfError.badMatch(OFBadMatchCode.BAD_PREREQ, o.field().displayName() + " needs "
                        + o.field().prerequisite().description() + " in the same match");
            }
        }
        return m;
    }

    /**
     * A match in OpenFlow form: the codec's match, the Nicira entries to splice into it once
     * written ({@link OfNicira#splice}; empty if none) and the fields of the rule that OpenFlow 1.3
     * cannot carry (printed for the log).
     */
    record Encoded(org.projectfloodlight.openflow.protocol.match.Match match, byte[] nicira, List<String> left) {
        /** {@code s}, written by the codec with this match at {@code matchAt}, with the Nicira entries in it. */
        byte[] into(final byte[] s, final int lengthAt, final int matchAt) {
            return nicira.length == 0 ? s : OfNicira.splice(s, lengthAt, matchAt, nicira, false);
        }
    }

    /**
     * The OpenFlow 1.3 form of a rule's match. Fields are chosen as OVS encodes them: by
     * dl_type and nw_proto (tp_src is tcp_src in a TCP match, icmp_type in an ICMP one); nw_ttl and
     * ip_frag in Nicira's fields, as OVS sends them. A field OpenFlow 1.3 cannot carry (partial
     * masks where OXM takes none) is left out and named in {@link Encoded#left()}.
     */
    static Encoded fromMatch(final Match match, final OFFactory factory) {
        final long[] v = match.value();
        final long[] m = match.mask();
        final ByteBuf tlvs = Unpooled.buffer();
        final long[] covered = new long[WORDS];
        put(tlvs, 0, v, m, covered);
        put(tlvs, 3, v, m, covered);
        put(tlvs, 4, v, m, covered);
        put(tlvs, 5, v, m, covered);
        put(tlvs, 6, v, m, covered);
        put(tlvs, 7, v, m, covered);
        final boolean typeExact = FlowField.DL_TYPE.get(m) == 0xFFFF;
        final int type = (int) FlowField.DL_TYPE.get(v);
        final boolean protoExact = FlowField.NW_PROTO.get(m) == 0xFF;
        final int proto = (int) FlowField.NW_PROTO.get(v);
        final ByteBuf nicira = Unpooled.buffer();
        if (typeExact && (type == ETH_TYPE_IP || type == ETH_TYPE_IPV6)) {
            OfNicira.put(nicira, v, m, covered);
            put(tlvs, 8, v, m, covered);
            put(tlvs, 9, v, m, covered);
            put(tlvs, 10, v, m, covered);
            if (type == ETH_TYPE_IP) {
                put(tlvs, 11, v, m, covered);
                put(tlvs, 12, v, m, covered);
            } else {
                put(tlvs, 26, v, m, covered);
                put(tlvs, 27, v, m, covered);
                put(tlvs, 28, v, m, covered);
            }
            if (protoExact) {
                switch (proto) {
                    case IPPROTO_TCP -> {
                        put(tlvs, 13, v, m, covered);
                        put(tlvs, 14, v, m, covered);
                        putTcpFlags(tlvs, v, m, covered);
                    }
                    case IPPROTO_UDP -> {
                        put(tlvs, 15, v, m, covered);
                        put(tlvs, 16, v, m, covered);
                    }
                    case IPPROTO_SCTP -> {
                        put(tlvs, 17, v, m, covered);
                        put(tlvs, 18, v, m, covered);
                    }
                    case IPPROTO_ICMP -> {
                        put(tlvs, 19, v, m, covered);
                        put(tlvs, 20, v, m, covered);
                    }
                    case IPPROTO_ICMPV6 -> {
                        put(tlvs, 29, v, m, covered);
                        put(tlvs, 30, v, m, covered);
                        put(tlvs, 31, v, m, covered);
                        put(tlvs, 32, v, m, covered);
                        put(tlvs, 33, v, m, covered);
                    }
                    default -> {
                    }
                }
            }
        } else if (typeExact && (type == ETH_TYPE_ARP || type == ETH_TYPE_RARP)) {
            for (int field = 21; field <= 25; field++) {
                put(tlvs, field, v, m, covered);
            }
        }
        final List<String> left = new ArrayList<>();
        for (OfField f : OfField.values()) {
            final long[] fm = new long[WORDS];
            f.orMask(fm, -1L, -1L);
            for (int w = 0; w < WORDS; w++) {
                if ((fm[w] & m[w] & ~covered[w]) != 0) {
                    left.add(f.displayName());
                    for (int x = 0; x < WORDS; x++) {
                        covered[x] |= fm[x] & m[x];
                    }
                    break;
                }
            }
        }
        final List<OFOxm<?>> oxms = new ArrayList<>();
        try {
            while (tlvs.isReadable()) {
                oxms.add(factory.oxms().getReader().readFrom(tlvs));
            }
        } catch (OFParseError e) {
            throw new IllegalStateException("the codec does not read back an OXM written here: " + e.getMessage(), e);
        }
        final byte[] nx = new byte[nicira.readableBytes()];
        nicira.readBytes(nx);
        return new Encoded(factory.matchV3(OFOxmList.ofList(oxms)), nx, left);
    }

    /** Writes basic field {@code field} if the match constrains it; marks what it carried in {@code covered}. */
    private static void put(final ByteBuf b, final int field, final long[] v, final long[] m, final long[] covered) {
        final OfField f = BASIC[field];
        final int width = WIDTH[field];
        final long maskHi = f.getHi(m);
        final long maskLo = f.getLo(m);
        if (maskHi == 0 && maskLo == 0) {
            return;
        }
        final long[] all = full(f);
        final boolean exact = maskHi == all[0] && maskLo == all[1];
        if (!exact && !f.maskable()) {
            return; // a partial mask OXM cannot carry: left
        }
        b.writeShort(CLASS_BASIC).writeByte(field << 1 | (exact ? 0 : 1)).writeByte(exact ? width : 2 * width);
        writeBytes(b, f.getHi(v), f.getLo(v), width);
        if (!exact) {
            writeBytes(b, maskHi, maskLo, width);
        }
        f.orMask(covered, maskHi, maskLo);
    }

    private static void putTcpFlags(final ByteBuf b, final long[] v, final long[] m, final long[] covered) {
        final OfField f = OfField.TCP_FLAGS;
        final long mask = f.get(m);
        if (mask == 0) {
            return;
        }
        final boolean exact = mask == f.valueMask();
        b.writeShort(CLASS_EXPERIMENTER).writeByte(ONF_TCP_FLAGS << 1 | (exact ? 0 : 1)).writeByte(exact ? 6 : 8);
        b.writeInt(ONF).writeShort((int) f.get(v));
        if (!exact) {
            b.writeShort((int) mask);
        }
        f.orMask(covered, mask);
    }

    /** A value of {@code width} bytes, big-endian, as {hi, lo} (hi only for 16-byte fields). */
    private static long[] bytes(final ByteBuf b, final int at, final int width) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < width; i++) {
            final int x = b.getUnsignedByte(at + i);
            if (width == 16 && i < 8) {
                hi = hi << 8 | x;
            } else {
                lo = lo << 8 | x;
            }
        }
        return new long[] {hi, lo};
    }

    private static void writeBytes(final ByteBuf b, final long hi, final long lo, final int width) {
        if (width == 16) {
            b.writeLong(hi).writeLong(lo);
            return;
        }
        for (int i = width - 1; i >= 0; i--) {
            b.writeByte((int) (lo >>> (8 * i)));
        }
    }

    private static long[] full(final OfField f) {
        return f.wide() ? new long[] {-1L, -1L} : new long[] {0, f.valueMask()};
    }

    /**
     * The OXM headers of the fields Flowgate matches on (with the has-mask bit where a mask may be
     * given, {@code masks}), or of those set_field may write ({@code writable}): table features.
     */
    static List<Integer> oxmIds(final boolean masks, final boolean writable) {
        final List<Integer> out = new ArrayList<>();
        for (int field = 0; field < BASIC.length; field++) {
            final OfField f = BASIC[field];
            if (f != null && (!writable || f.writable())) {
                final boolean masked = masks && f.maskable();
                out.add(CLASS_BASIC << 16 | field << 9 | (masked ? 1 << 8 : 0) | (masked ? 2 : 1) * WIDTH[field]);
            }
        }
        return out;
    }

    /** The field and value of one OXM (a set_field action's). */
    static Oxm readOne(final OFOxm<?> oxm) throws OfError {
        final ByteBuf b = Unpooled.buffer();
        b.writeShort(1).writeShort(0);
        oxm.writeTo(b);
        b.setShort(2, b.readableBytes());
        return readRaw(b, 0).getFirst();
    }

    /** The OXM of a set_field writing {@code field} with {@code hi}/{@code lo} (exact), or null if OXM has no such field. */
    static OFOxm<?> oxm(final OFFactory f, final OfField field, final long hi, final long lo) {
        for (int i = 0; i < BASIC.length; i++) {
            if (BASIC[i] == field) {
                final ByteBuf b = Unpooled.buffer();
                b.writeShort(CLASS_BASIC).writeByte(i << 1).writeByte(WIDTH[i]);
                writeBytes(b, hi, lo, WIDTH[i]);
                try {
                    return f.oxms().getReader().readFrom(b);
                } catch (OFParseError e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }
}
