package io.flowgate.daemon.openflow;

import io.flowgate.slowpath.ofproto.OfField;

import io.netty.buffer.ByteBuf;


/**
 * The Nicira (NXM) fields OVS puts in an OpenFlow 1.3 match where OXM has no field of its own:
 * nw_ttl ({@code NXM_NX_IP_TTL}) and ip_frag ({@code NXM_NX_IP_FRAG}), which Flowgate matches on.
 * OpenFlow 1.2+ lets any OXM class appear in a match, and OVS uses its NXM classes so; the codec
 * reads only the classes it was generated for. So {@link OfMatches} reads a received match from
 * the message's own bytes, the codec gets the message with an empty match ({@link #forCodec}:
 * it has nothing left to read there, which also spares reading every match twice), and written
 * matches get the NXM entries spliced into what the codec writes ({@link #splice}).
 */
final class OfNicira {
    /** Where the match starts in FLOW_MOD, FLOW_REMOVED, a flow-stats entry and a FLOW or AGGREGATE request. */
    static final int MATCH_AT = 48;
    static final int CLASS_NXM0 = 0x0000;
    static final int CLASS_NXM1 = 0x0001;
    static final int IP_FRAG = 26;
    static final int IP_TTL = 29;

    private static final int OFPT_FLOW_REMOVED = 11;
    private static final int OFPT_FLOW_MOD = 14;
    private static final int OFPT_MULTIPART_REQUEST = 18;
    private static final int OFPMP_FLOW = 1;
    private static final int OFPMP_AGGREGATE = 2;
    private static final int OFPMT_OXM = 1;

    private OfNicira() {
    }

    /** The field an NXM entry carries, or null if Flowgate does not match on it. */
    static OfField field(final int cls, final int field) {
        if (cls != CLASS_NXM1) {
            return null;
        }
        return switch (field) {
            case IP_TTL -> OfField.NW_TTL;
            case IP_FRAG -> OfField.NW_FRAG;
            default -> null;
        };
    }

    /** Whether a message carries a match at {@link #MATCH_AT} that Flowgate reads from the message's bytes. */
    static boolean hasMatch(final byte[] msg) {
        final int type = msg[1] & 0xFF;
        if (type == OFPT_FLOW_MOD || type == OFPT_FLOW_REMOVED) {
            return msg.length >= MATCH_AT + 4;
        }
        if (type == OFPT_MULTIPART_REQUEST && msg.length >= MATCH_AT + 4) {
            final int mp = u16(msg, 8);
            return mp == OFPMP_FLOW || mp == OFPMP_AGGREGATE;
        }
        return false;
    }

    /**
     * The message as the codec should see it: with an empty match, since {@link OfMatches} reads
     * the match from the message's own bytes (the codec would read it again, and cannot read its
     * NXM entries), or the message itself when its match is empty already or does not hold
     * together (the codec's error then answers it).
     */
    static byte[] forCodec(final byte[] msg) {
        if (!hasMatch(msg) || u16(msg, MATCH_AT) != OFPMT_OXM) {
            return msg;
        }
        final int length = u16(msg, MATCH_AT + 2);
        if (length <= 4 || MATCH_AT + padded(length) > msg.length) {
            return msg;
        }
        return splice(msg, 2, MATCH_AT, new byte[] {0, OFPMT_OXM, 0, 4}, true);
    }

    /**
     * Writes the NXM entries of a match that OXM has no field for (ip_frag, nw_ttl), in OVS's
     * order; marks what they carry in {@code covered}.
     */
    static void put(final ByteBuf b, final long[] value, final long[] mask, final long[] covered) {
        final long fragMask = OfField.NW_FRAG.get(mask);
        if (fragMask != 0) {
            final boolean exact = fragMask == OfField.NW_FRAG.valueMask();
            b.writeShort(CLASS_NXM1).writeByte(IP_FRAG << 1 | (exact ? 0 : 1)).writeByte(exact ? 1 : 2)
                    .writeByte((int) OfField.NW_FRAG.get(value));
            if (!exact) {
                b.writeByte((int) fragMask);
            }
            OfField.NW_FRAG.orMask(covered, fragMask);
        }
        final long ttlMask = OfField.NW_TTL.get(mask);
        if (ttlMask != 0) { // nw_ttl is exact or absent: a rule's field is as parsed
            b.writeShort(CLASS_NXM1).writeByte(IP_TTL << 1).writeByte(1).writeByte((int) OfField.NW_TTL.get(value));
            OfField.NW_TTL.orMask(covered, ttlMask);
        }
    }

    /**
     * {@code s} (a message or a flow-stats entry, its 16-bit length at {@code lengthAt}) with its
     * match at {@code matchAt} replaced: {@code entries} appended to the match's own ({@code
     * replace} false) or in place of them ({@code replace} true, {@code entries} then being the
     * whole new match without padding). The match is padded to 8 bytes, as OpenFlow requires.
     */
    static byte[] splice(final byte[] s, final int lengthAt, final int matchAt, final byte[] entries,
                         final boolean replace) {
        final int oldLength = u16(s, matchAt + 2);
        final int oldPadded = padded(oldLength);
        final int newLength = replace ? entries.length : oldLength + entries.length;
        final int newPadded = padded(newLength);
        final byte[] out = new byte[s.length - oldPadded + newPadded];
        if (replace) {
            System.arraycopy(s, 0, out, 0, matchAt);
            System.arraycopy(entries, 0, out, matchAt, entries.length);
        } else {
            System.arraycopy(s, 0, out, 0, matchAt + oldLength);
            System.arraycopy(entries, 0, out, matchAt + oldLength, entries.length);
        }
        System.arraycopy(s, matchAt + oldPadded, out, matchAt + newPadded, s.length - matchAt - oldPadded);
        putU16(out, matchAt + 2, newLength);
        putU16(out, lengthAt, u16(s, lengthAt) - oldPadded + newPadded);
        return out;
    }

    private static int padded(final int length) {
        return (length + 7) & ~7;
    }

    static int u16(final byte[] b, final int at) {
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    static long u32(final byte[] b, final int at) {
        return (long) u16(b, at) << 16 | u16(b, at + 2);
    }

    private static void putU16(final byte[] b, final int at, final int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }
}
