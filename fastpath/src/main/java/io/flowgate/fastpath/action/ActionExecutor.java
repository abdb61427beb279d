package io.flowgate.fastpath.action;

import static io.flowgate.fastpath.action.DpActions.*;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Runs a {@link DpActions} program on a group of packets of one batch, one instruction over the
 * whole group at a time. Packets are changed in place in their buffers; header offsets recorded
 * by the parser move with VLAN pushes and pops. Set actions update checksums incrementally as OVS
 * does (IPv4 header; TCP, non-zero UDP and ICMPv6 checksums for address changes; TCP/UDP for port
 * changes; SCTP's CRC32c keeps its old error). Allocates nothing. One per PMD.
 */
public final class ActionExecutor {
    private static final MemorySegment M = Memory.ALL;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int NONE = FlowExtractor.NO_OFFSET;

    /**
     * Executes {@code actions} on packets {@code pkts[0..n)} of {@code batch}.
     *
     * @param keys  the packets' flow keys: protocol and fragment state, which the parser already
     *              worked out
     * @param keyAt per packet of the batch, where its key starts in {@code keys}
     */
    public void execute(final DpActions actions, final PacketBatch batch, final int[] pkts, final int n,
                        final long[] keys, final int[] keyAt, final Outputs out) {
        final long[] code = actions.code();
        if (code.length == 0) {
            for (int j = 0; j < n; j++) {
                out.drop(batch, pkts[j], DropReason.ACTION);
            }
            return;
        }
        boolean output = false;
        boolean toController = false;
        for (int i = 0; i < code.length; ) {
            final long h = code[i];
            final int len = DpActions.length(h);
            switch ((int) h & 0xFF) {
                case OP_OUTPUT -> {
                    final int port = (int) (h >>> 32);
                    final boolean last = i + len == code.length;
                    out.output(port, batch, pkts, n, last);
                    output = true;
                }
                case OP_POP_VLAN -> {
                    for (int j = 0; j < n; j++) {
                        popVlan(batch, pkts[j]);
                    }
                }
                case OP_PUSH_VLAN -> {
                    for (int j = 0; j < n; j++) {
                        pushVlan(batch, pkts[j], (int) (h >>> 16) & 0xFFFF, (int) (h >>> 32) & 0xFFFF);
                    }
                }
                case OP_SET_ETH -> {
                    for (int j = 0; j < n; j++) {
                        setEth(batch.address(pkts[j]), code[i + 1], code[i + 2], code[i + 3], code[i + 4]);
                    }
                }
                case OP_SET_IPV4 -> {
                    for (int j = 0; j < n; j++) {
                        setIpv4(batch, pkts[j], keys, keyAt[pkts[j]], code, i);
                    }
                }
                case OP_SET_IPV6 -> {
                    for (int j = 0; j < n; j++) {
                        setIpv6(batch, pkts[j], keys, keyAt[pkts[j]], code, i);
                    }
                }
                case OP_SET_L4 -> {
                    for (int j = 0; j < n; j++) {
                        setL4(batch, pkts[j], (int) (h >>> 8) & 0xFF, code[i + 1]);
                    }
                }
                case OP_SET_ARP -> {
                    for (int j = 0; j < n; j++) {
                        setArp(batch, pkts[j], keys, keyAt[pkts[j]], code, i);
                    }
                }
                case OP_SET_ND -> {
                    for (int j = 0; j < n; j++) {
                        setNd(batch, pkts[j], keys, keyAt[pkts[j]], code, i);
                    }
                }
                case OP_USERSPACE -> toController |= out.controller(batch, pkts, n, h, code[i + 1]);
                default -> throw new IllegalStateException("bad opcode " + (h & 0xFF));
            }
            i += len;
        }
        if (!output && !toController) {
            // Nothing sent: a drop action, or a controller action with no controller listening.
            final DropReason reason = hasUserspace(code) ? DropReason.CONTROLLER : DropReason.ACTION;
            for (int j = 0; j < n; j++) {
                out.drop(batch, pkts[j], reason);
            }
        }
    }

    private static boolean hasUserspace(final long[] code) {
        for (int i = 0; i < code.length; i += DpActions.length(code[i])) {
            if (((int) code[i] & 0xFF) == OP_USERSPACE) {
                return true;
            }
        }
        return false;
    }

    // ---- Ethernet and VLAN ----

    private static long readMac(final long at) {
        return (M.get(BE32, at) & 0xFFFF_FFFFL) << 16 | (M.get(BE16, at + 4) & 0xFFFFL);
    }

    private static void writeMac(final long at, final long mac) {
        M.set(BE32, at, (int) (mac >>> 16));
        M.set(BE16, at + 4, (short) mac);
    }

    private static void setEth(final long a, final long src, final long srcMask, final long dst, final long dstMask) {
        if (dstMask != 0) {
            writeMac(a, (readMac(a) & ~dstMask) | dst);
        }
        if (srcMask != 0) {
            writeMac(a + 6, (readMac(a + 6) & ~srcMask) | src);
        }
    }

    private static void popVlan(final PacketBatch b, final int i) {
        final long a = b.address(i);
        final int len = b.length(i);
        if (len < 18 || !FlowKey.isVlanTpid(M.get(BE16, a + 12) & 0xFFFF)) {
            return;
        }
        // Move the two MAC addresses over the tag.
        MemorySegment.copy(M, a, M, a + 4, 12);
        b.reframe(i, a + 4, len - 4);
        shiftOffsets(b, i, -4);
    }

    private static void pushVlan(final PacketBatch b, final int i, final int tpid, final int tci) {
        final long a = b.address(i);
        final int len = b.length(i);
        if (len < 12 || a - 4 < b.bufferStart(i)) {
            return;
        }
        MemorySegment.copy(M, a, M, a - 4, 12);
        M.set(BE16, a - 4 + 12, (short) tpid);
        // The action's tci carries OVS's "tag present" bit; on the wire that bit is CFI/DEI and is cleared.
        M.set(BE16, a - 4 + 14, (short) (tci & ~FlowKey.VLAN_CFI));
        b.reframe(i, a - 4, len + 4);
        shiftOffsets(b, i, 4);
    }

    private static void shiftOffsets(final PacketBatch b, final int i, final int delta) {
        final int l3 = b.l3Offset(i);
        final int l4 = b.l4Offset(i);
        b.headerOffsets(i, l3 == NONE ? NONE : l3 + delta, l4 == NONE ? NONE : l4 + delta);
    }

    // ---- IPv4 ----

    private static void setIpv4(final PacketBatch b, final int i, final long[] keys, final int ko, final long[] code,
                                final int at) {
        final int l3 = b.l3Offset(i);
        if (l3 == NONE || FlowKey.dlType(keys, ko) != FlowKey.ETH_TYPE_IP) {
            return;
        }
        final long nh = b.address(i) + l3;
        final int proto = M.get(ValueLayout.JAVA_BYTE, nh + 9) & 0xFF;
        final int l4 = b.l4Offset(i);
        final long th = l4 == NONE ? 0 : b.address(i) + l4;
        final long addrs = code[at + 1];
        final long masks = code[at + 2];
        final long rest = code[at + 3];
        final int srcMask = (int) (masks >>> 32);
        final int dstMask = (int) masks;
        if (srcMask != 0) {
            final int old = M.get(BE32, nh + 12);
            final int now = (int) (addrs >>> 32) | (old & ~srcMask);
            if (old != now) {
                setIpv4Addr(nh, nh + 12, old, now, proto, th);
            }
        }
        if (dstMask != 0) {
            final int old = M.get(BE32, nh + 16);
            final int now = (int) addrs | (old & ~dstMask);
            if (old != now) {
                setIpv4Addr(nh, nh + 16, old, now, proto, th);
            }
        }
        final int tosMask = (int) (rest >>> 16) & 0xFF;
        if (tosMask != 0) {
            final int old = M.get(ValueLayout.JAVA_BYTE, nh + 1) & 0xFF;
            final int now = ((int) (rest >>> 24) & 0xFF) | (old & ~tosMask & 0xFF);
            if (old != now) {
                final int csum = Checksums.readLe(M, nh + 10);
                Checksums.writeLe(M, nh + 10, Checksums.csum16(csum, old << 8, now << 8));
                M.set(ValueLayout.JAVA_BYTE, nh + 1, (byte) now);
            }
        }
        final int ttlMask = (int) rest & 0xFF;
        if (ttlMask != 0) {
            final int old = M.get(ValueLayout.JAVA_BYTE, nh + 8) & 0xFF;
            final int now = ((int) (rest >>> 8) & 0xFF) | (old & ~ttlMask & 0xFF);
            if (old != now) {
                final int csum = Checksums.readLe(M, nh + 10);
                Checksums.writeLe(M, nh + 10, Checksums.csum16(csum, old, now));
                M.set(ValueLayout.JAVA_BYTE, nh + 8, (byte) now);
            }
        }
    }

    private static void setIpv4Addr(final long nh, final long field, final int old, final int now, final int proto,
                                    final long th) {
        if (th != 0) {
            if (proto == FlowKey.IPPROTO_TCP) {
                Checksums.writeLe(M, th + 16, Checksums.csum32(Checksums.readLe(M, th + 16), old, now));
            } else if (proto == FlowKey.IPPROTO_UDP) {
                final int c = Checksums.readLe(M, th + 6);
                if (c != 0) {
                    final int u = Checksums.csum32(c, old, now);
                    Checksums.writeLe(M, th + 6, u == 0 ? 0xFFFF : u);
                }
            }
        }
        Checksums.writeLe(M, nh + 10, Checksums.csum32(Checksums.readLe(M, nh + 10), old, now));
        M.set(BE32, field, now);
    }

    // ---- IPv6 ----

    private static void setIpv6(final PacketBatch b, final int i, final long[] keys, final int ko, final long[] code,
                                final int at) {
        final int l3 = b.l3Offset(i);
        if (l3 == NONE || FlowKey.dlType(keys, ko) != FlowKey.ETH_TYPE_IPV6) {
            return;
        }
        final long nh = b.address(i) + l3;
        final int l4 = b.l4Offset(i);
        final long th = l4 == NONE ? 0 : b.address(i) + l4;
        final int proto = FlowKey.nwProto(keys, ko);
        setIpv6Addr(nh + 8, code[at + 1], code[at + 2], code[at + 3], code[at + 4], proto, th);
        setIpv6Addr(nh + 24, code[at + 5], code[at + 6], code[at + 7], code[at + 8], proto, th);
        final long label = code[at + 9];
        final long rest = code[at + 10];
        final int flow = M.get(BE32, nh);
        final int tcMask = (int) (rest >>> 16) & 0xFF;
        final int oldTc = (flow >>> 20) & 0xFF;
        final int tc = ((int) (rest >>> 24) & 0xFF) | (oldTc & ~tcMask & 0xFF);
        final int flMask = (int) label & 0xFFFFF;
        final int fl = ((int) (label >>> 32) & 0xFFFFF) | (flow & 0xFFFFF & ~flMask);
        M.set(BE32, nh, (flow & 0xF000_0000) | (tc << 20) | fl);
        final int hlMask = (int) rest & 0xFF;
        if (hlMask != 0) {
            final int old = M.get(ValueLayout.JAVA_BYTE, nh + 7) & 0xFF;
            M.set(ValueLayout.JAVA_BYTE, nh + 7, (byte) (((int) (rest >>> 8) & 0xFF) | (old & ~hlMask & 0xFF)));
        }
    }

    private static void setIpv6Addr(final long field, final long hi, final long lo, final long maskHi, final long maskLo,
                                    final int proto, final long th) {
        if (maskHi == 0 && maskLo == 0) {
            return;
        }
        final long oldHi = M.get(BE64, field);
        final long oldLo = M.get(BE64, field + 8);
        final long newHi = hi | (oldHi & ~maskHi);
        final long newLo = lo | (oldLo & ~maskLo);
        if (oldHi == newHi && oldLo == newLo) {
            return;
        }
        if (th != 0) {
            final long csumAt;
            if (proto == FlowKey.IPPROTO_TCP) {
                csumAt = th + 16;
            } else if (proto == FlowKey.IPPROTO_UDP) {
                csumAt = Checksums.readLe(M, th + 6) != 0 ? th + 6 : 0;
            } else if (proto == FlowKey.IPPROTO_ICMPV6) {
                csumAt = th + 2;
            } else {
                csumAt = 0;
            }
            if (csumAt != 0) {
                int c = Checksums.readLe(M, csumAt);
                c = Checksums.csum32(c, (int) (oldHi >>> 32), (int) (newHi >>> 32));
                c = Checksums.csum32(c, (int) oldHi, (int) newHi);
                c = Checksums.csum32(c, (int) (oldLo >>> 32), (int) (newLo >>> 32));
                c = Checksums.csum32(c, (int) oldLo, (int) newLo);
                if (proto == FlowKey.IPPROTO_UDP && c == 0) {
                    c = 0xFFFF;
                }
                Checksums.writeLe(M, csumAt, c);
            }
        }
        M.set(BE64, field, newHi);
        M.set(BE64, field + 8, newLo);
    }

    // ---- ARP and IPv6 neighbour discovery ----

    /** ARP header offsets (Ethernet/IPv4 ARP, the only kind the parser reads): op, sha, spa, tha, tpa. */
    private static final int ARP_OP = 6;
    private static final int ARP_SHA = 8;
    private static final int ARP_SPA = 14;
    private static final int ARP_THA = 18;
    private static final int ARP_TPA = 24;
    private static final int ARP_LEN = 28;
    /** ICMPv6 neighbour solicitation/advertisement: the target after type, code, checksum and 4 bytes of flags. */
    private static final int ND_TARGET = 8;
    private static final int ND_MSG_LEN = 24;
    private static final int ND_OPT_SLL = 1;
    private static final int ND_OPT_TLL = 2;

    private static void setArp(final PacketBatch b, final int i, final long[] keys, final int ko, final long[] code,
                               final int at) {
        final int l3 = b.l3Offset(i);
        if (l3 == NONE || FlowKey.dlType(keys, ko) != FlowKey.ETH_TYPE_ARP
                || b.length(i) - l3 < ARP_LEN) {
            return;
        }
        final long nh = b.address(i) + l3;
        final long addrs = code[at + 1];
        final long masks = code[at + 2];
        final int spaMask = (int) (masks >>> 32);
        final int tpaMask = (int) masks;
        final int op = (int) code[at + 3];
        final int opMask = op & 0xFFFF;
        M.set(BE16, nh + ARP_OP, (short) (((op >>> 16) & 0xFFFF) | (M.get(BE16, nh + ARP_OP) & ~opMask)));
        writeMac(nh + ARP_SHA, (readMac(nh + ARP_SHA) & ~code[at + 5]) | code[at + 4]);
        M.set(BE32, nh + ARP_SPA, (int) (addrs >>> 32) | (M.get(BE32, nh + ARP_SPA) & ~spaMask));
        writeMac(nh + ARP_THA, (readMac(nh + ARP_THA) & ~code[at + 7]) | code[at + 6]);
        M.set(BE32, nh + ARP_TPA, (int) addrs | (M.get(BE32, nh + ARP_TPA) & ~tpaMask));
    }

    /**
     * As OVS's odp_set_nd: the target (the ICMPv6 checksum follows it), then the first link-layer
     * address option, whichever it is: a source option takes the sll, a target option the tll
     * (a message carries only one of them).
     */
    private static void setNd(final PacketBatch b, final int i, final long[] keys, final int ko, final long[] code,
                              final int at) {
        final int l4 = b.l4Offset(i);
        if (l4 == NONE || FlowKey.dlType(keys, ko) != FlowKey.ETH_TYPE_IPV6
                || FlowKey.nwProto(keys, ko) != FlowKey.IPPROTO_ICMPV6 || b.length(i) - l4 < ND_MSG_LEN) {
            return;
        }
        final long th = b.address(i) + l4;
        setIpv6Addr(th + ND_TARGET, code[at + 1], code[at + 2], code[at + 3], code[at + 4], FlowKey.IPPROTO_ICMPV6, th);
        int remain = b.length(i) - l4 - ND_MSG_LEN;
        long opt = th + ND_MSG_LEN;
        while (remain >= 8) {
            final int type = M.get(ValueLayout.JAVA_BYTE, opt) & 0xFF;
            final int len = M.get(ValueLayout.JAVA_BYTE, opt + 1) & 0xFF;
            if (len == 0) {
                return;
            }
            if ((type == ND_OPT_SLL || type == ND_OPT_TLL) && len == 1) {
                final long value = type == ND_OPT_SLL ? code[at + 5] : code[at + 7];
                final long mask = type == ND_OPT_SLL ? code[at + 6] : code[at + 8];
                final long old = readMac(opt + 2);
                final long now = (old & ~mask) | value;
                if (old != now) {
                    int c = Checksums.readLe(M, th + 2);
                    c = Checksums.csum32(c, (int) (old >>> 16), (int) (now >>> 16));
                    c = Checksums.csum16(c, Checksums.le((int) old & 0xFFFF), Checksums.le((int) now & 0xFFFF));
                    Checksums.writeLe(M, th + 2, c);
                    writeMac(opt + 2, now);
                }
                return;
            }
            opt += len * 8L;
            remain -= len * 8;
        }
    }

    // ---- TCP, UDP, SCTP ports ----

    private static void setL4(final PacketBatch b, final int i, final int proto, final long w) {
        final int l4 = b.l4Offset(i);
        if (l4 == NONE) {
            return;
        }
        final long th = b.address(i) + l4;
        final int srcMask = (int) (w >>> 32) & 0xFFFF;
        final int dstMask = (int) w & 0xFFFF;
        final int oldSrc = M.get(BE16, th) & 0xFFFF;
        final int oldDst = M.get(BE16, th + 2) & 0xFFFF;
        final int src = ((int) (w >>> 48) & 0xFFFF) | (oldSrc & ~srcMask & 0xFFFF);
        final int dst = ((int) (w >>> 16) & 0xFFFF) | (oldDst & ~dstMask & 0xFFFF);
        if (proto == FlowKey.IPPROTO_TCP) {
            int c = Checksums.readLe(M, th + 16);
            if (oldSrc != src) {
                c = Checksums.csum16(c, Checksums.le(oldSrc), Checksums.le(src));
            }
            if (oldDst != dst) {
                c = Checksums.csum16(c, Checksums.le(oldDst), Checksums.le(dst));
            }
            Checksums.writeLe(M, th + 16, c);
        } else if (proto == FlowKey.IPPROTO_UDP) {
            int c = Checksums.readLe(M, th + 6);
            if (c != 0) {
                if (oldSrc != src) {
                    c = Checksums.csum16(c, Checksums.le(oldSrc), Checksums.le(src));
                }
                if (oldDst != dst) {
                    c = Checksums.csum16(c, Checksums.le(oldDst), Checksums.le(dst));
                }
                Checksums.writeLe(M, th + 6, c == 0 ? 0xFFFF : c);
            }
        } else if (proto == FlowKey.IPPROTO_SCTP) {
            final int length = b.length(i) - l4;
            final int oldCrc = M.get(BE32, th + 8);
            M.set(BE32, th + 8, 0);
            final int oldCorrect = Crc32c.compute(M, th, length);
            M.set(BE16, th, (short) src);
            M.set(BE16, th + 2, (short) dst);
            final int now = Crc32c.compute(M, th, length);
            M.set(BE32, th + 8, oldCrc ^ oldCorrect ^ now);
            return;
        }
        M.set(BE16, th, (short) src);
        M.set(BE16, th + 2, (short) dst);
    }
}
