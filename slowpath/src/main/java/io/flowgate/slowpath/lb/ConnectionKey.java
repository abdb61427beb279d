package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.OfField;

import java.nio.ByteBuffer;

/**
 * A connection as the load balancer sees it: the select group it goes through and its 5-tuple
 * (addresses, IP protocol, ports; IPv4 addresses sit in the low words), in the direction of its
 * first packet. Stored as {@link #BYTES} bytes in the connection table's file.
 */
public record ConnectionKey(int groupId, int dlType, int proto, long srcHi, long srcLo, long dstHi, long dstLo,
                            int srcPort, int dstPort) {
    public static final int BYTES = 4 + 2 + 1 + 1 + 32 + 4;
    /** TCP FIN, SYN and RST: the flags a connection's megaflow matches on. */
    static final int CONTROL_FLAGS = 0x007;

    /**
     * The packet's connection through group {@code groupId} (the packet must be IP, see
     * {@link FlowKey#isIp}); un-wildcards the 5-tuple in {@code wc} (dl_type always is), and for
     * TCP the SYN, FIN and RST flags.
     */
    static ConnectionKey of(final int groupId, final long[] flow, final long[] wc) {
        final int type = FlowKey.dlType(flow, 0);
        final boolean v6 = type == FlowKey.ETH_TYPE_IPV6;
        final OfField src = v6 ? OfField.IPV6_SRC : OfField.NW_SRC;
        final OfField dst = v6 ? OfField.IPV6_DST : OfField.NW_DST;
        for (OfField f : new OfField[] {src, dst, OfField.NW_PROTO, OfField.TP_SRC, OfField.TP_DST}) {
            f.orMask(wc, -1L, -1L);
        }
        if (FlowKey.nwProto(flow, 0) == FlowKey.IPPROTO_TCP) {
            // SYN, FIN and RST packets miss the connection's data flow and come up one by one, so
            // that its state moves on each of them, in order.
            FlowField.TCP_FLAGS.or(wc, CONTROL_FLAGS);
        }
        return new ConnectionKey(groupId, type, FlowKey.nwProto(flow, 0), src.getHi(flow), src.getLo(flow),
                dst.getHi(flow), dst.getLo(flow), FlowKey.tpSrc(flow, 0), FlowKey.tpDst(flow, 0));
    }

    /** The same connection seen from the other end: its replies' key. */
    ConnectionKey reverse() {
        return new ConnectionKey(groupId, dlType, proto, dstHi, dstLo, srcHi, srcLo, dstPort, srcPort);
    }

    /** The hash Maglev looks up: the same on every node, for every Flowgate version (see {@link MaglevTable#hash}). */
    long fleetHash() {
        return MaglevTable.hash(dlType, proto, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
    }

    /** {@code proto source -> destination}, as ipvsadm -Lc names a connection. */
    String describe() {
        final String p = switch (proto) {
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 132 -> "SCTP";
            default -> "proto " + proto;
        };
        return p + " " + address(srcHi, srcLo) + ":" + srcPort + " -> " + address(dstHi, dstLo) + ":" + dstPort;
    }

    private String address(final long hi, final long lo) {
        if (dlType != FlowKey.ETH_TYPE_IPV6) {
            final int a = (int) lo;
            return (a >>> 24) + "." + (a >>> 16 & 0xFF) + "." + (a >>> 8 & 0xFF) + "." + (a & 0xFF);
        }
        final byte[] b = java.nio.ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        try {
            return "[" + java.net.InetAddress.getByAddress(b).getHostAddress() + "]";
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
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
