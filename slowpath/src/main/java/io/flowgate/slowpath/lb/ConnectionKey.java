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

    /**
     * The packet's connection through group {@code groupId} (the packet must be IP, see
     * {@link FlowKey#isIp}); un-wildcards the 5-tuple in {@code wc} (dl_type always is).
     */
    static ConnectionKey of(final int groupId, final long[] flow, final long[] wc) {
        final int type = FlowKey.dlType(flow, 0);
        final boolean v6 = type == FlowKey.ETH_TYPE_IPV6;
        final OfField src = v6 ? OfField.IPV6_SRC : OfField.NW_SRC;
        final OfField dst = v6 ? OfField.IPV6_DST : OfField.NW_DST;
        for (OfField f : new OfField[] {src, dst, OfField.NW_PROTO, OfField.TP_SRC, OfField.TP_DST}) {
            f.orMask(wc, -1L, -1L);
        }
        return new ConnectionKey(groupId, type, FlowKey.nwProto(flow, 0), src.getHi(flow), src.getLo(flow),
                dst.getHi(flow), dst.getLo(flow), FlowKey.tpSrc(flow, 0), FlowKey.tpDst(flow, 0));
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

}
