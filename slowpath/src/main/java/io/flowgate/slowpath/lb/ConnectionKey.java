package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.OfField;

import java.nio.ByteBuffer;

/**
 * A connection as the load balancer sees it: the select group it goes through and its 5-tuple
 * (addresses, IP protocol, ports; IPv4 addresses sit in the low words). Stored as {@link #BYTES}
 * bytes in the connection table.
 */
public record ConnectionKey(int groupId, int dlType, int proto, long srcHi, long srcLo, long dstHi, long dstLo,
                            int srcPort, int dstPort) {
    public static final int BYTES = 4 + 2 + 1 + 1 + 32 + 4;
    private static final int ETH_TYPE_IP = 0x0800;
    private static final int ETH_TYPE_IPV6 = 0x86DD;

    /** True if the packet has a 5-tuple (IPv4 or IPv6); connection scheduling needs one. */
    static boolean hasFiveTuple(final long[] flow) {
        final int type = FlowKey.dlType(flow, 0);
        return type == ETH_TYPE_IP || type == ETH_TYPE_IPV6;
    }

    /** The packet's connection through group {@code groupId}; un-wildcards the 5-tuple in {@code wc}. */
    static ConnectionKey of(final int groupId, final long[] flow, final long[] wc) {
        final int type = FlowKey.dlType(flow, 0);
        OfField.DL_TYPE.orMask(wc, -1L);
        OfField.NW_PROTO.orMask(wc, -1L);
        OfField.TP_SRC.orMask(wc, -1L);
        OfField.TP_DST.orMask(wc, -1L);
        final int proto = FlowKey.nwProto(flow, 0);
        final int sport = FlowKey.tpSrc(flow, 0);
        final int dport = FlowKey.tpDst(flow, 0);
        if (type == ETH_TYPE_IPV6) {
            OfField.IPV6_SRC.orMask(wc, -1L, -1L);
            OfField.IPV6_DST.orMask(wc, -1L, -1L);
            return new ConnectionKey(groupId, type, proto, OfField.IPV6_SRC.getHi(flow), OfField.IPV6_SRC.getLo(flow),
                    OfField.IPV6_DST.getHi(flow), OfField.IPV6_DST.getLo(flow), sport, dport);
        }
        OfField.NW_SRC.orMask(wc, -1L);
        OfField.NW_DST.orMask(wc, -1L);
        return new ConnectionKey(groupId, type, proto, 0, FlowKey.nwSrc(flow, 0) & 0xFFFF_FFFFL,
                0, FlowKey.nwDst(flow, 0) & 0xFFFF_FFFFL, sport, dport);
    }

    byte[] toBytes() {
        final ByteBuffer b = ByteBuffer.allocate(BYTES);
        b.putInt(groupId).putShort((short) dlType).put((byte) proto).put((byte) 0)
                .putLong(srcHi).putLong(srcLo).putLong(dstHi).putLong(dstLo)
                .putShort((short) srcPort).putShort((short) dstPort);
        return b.array();
    }

    static ConnectionKey fromBytes(final byte[] bytes) {
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        final int group = b.getInt();
        final int type = b.getShort() & 0xFFFF;
        final int proto = b.get() & 0xFF;
        b.get();
        return new ConnectionKey(group, type, proto, b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                b.getShort() & 0xFFFF, b.getShort() & 0xFFFF);
    }

    @Override
    public String toString() {
        return "group " + groupId + " " + (dlType == ETH_TYPE_IPV6 ? "ipv6" : "ip") + " proto " + proto + " "
                + address(srcHi, srcLo) + ":" + srcPort + " -> " + address(dstHi, dstLo) + ":" + dstPort;
    }

    private String address(final long hi, final long lo) {
        if (dlType != ETH_TYPE_IPV6) {
            return (lo >>> 24 & 0xFF) + "." + (lo >>> 16 & 0xFF) + "." + (lo >>> 8 & 0xFF) + "." + (lo & 0xFF);
        }
        return Long.toHexString(hi) + ":" + Long.toHexString(lo);
    }
}
