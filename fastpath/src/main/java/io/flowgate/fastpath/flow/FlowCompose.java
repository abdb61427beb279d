package io.flowgate.fastpath.flow;

import static io.flowgate.fastpath.flow.FlowKey.*;

import java.util.Arrays;

/**
 * Makes a packet that the parser would read as a given flow key: Open vSwitch's
 * {@code flow_compose} and {@code packet_expand} (lib/flow.c, 3.1), byte for byte, so that a
 * scenario scripted with {@code netdev-dummy/receive} puts the same frames into Flowgate as into
 * OVS. As in OVS, fields a key does not hold are zero (IPv4 id, TCP sequence numbers, ICMP id),
 * checksums are valid (except SCTP's, which OVS leaves zero), and the payload of TCP (without
 * SYN, FIN or RST), UDP and ICMP/ICMPv6 echo packets is the bytes 0, 1, 2, …. Frames are not
 * padded to the Ethernet minimum. A key whose ethertype is {@link FlowKey#DL_TYPE_NONE} becomes
 * an 802.3 frame whose length field is the frame's length. VLAN tags go on in the order the key
 * holds them (outer first); MPLS is not composed (the key has no labels).
 */
public final class FlowCompose {
    /** The payload OVS gives a flow in {@code netdev-dummy/receive} when no length is asked for. */
    public static final int DEFAULT_PAYLOAD = 64;
    /** The shortest length {@code netdev-dummy/receive --len} accepts (OVS's ETH_TOTAL_MIN). */
    public static final int MIN_LENGTH = 60;
    /** The longest frame composed or expanded here. */
    public static final int MAX_LENGTH = 65_535;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int ICMP4_ECHO_REPLY = 0;
    private static final int ICMP4_ECHO_REQUEST = 8;
    private static final int ICMP6_ECHO_REQUEST = 128;
    private static final int ICMP6_ECHO_REPLY = 129;
    private static final int ND_NEIGHBOR_SOLICIT = 135;
    private static final int ND_NEIGHBOR_ADVERT = 136;
    private static final int ND_OPT_SOURCE_LINKADDR = 1;
    private static final int ND_OPT_TARGET_LINKADDR = 2;

    private final long[] key;
    private byte[] b = new byte[256];
    private int n;
    private int l3 = -1;
    private int l4 = -1;

    private FlowCompose(final long[] key) {
        this.key = key;
    }

    /** {@code flow_compose(key, NULL, payload)}: the packet, with {@code payload} bytes where its protocol takes one. */
    public static byte[] compose(final long[] key, final int payload) {
        if (payload < 0 || payload > MAX_LENGTH) {
            throw new IllegalArgumentException("payload of " + payload + " bytes (0 to " + MAX_LENGTH + ")");
        }
        final FlowCompose c = new FlowCompose(key);
        c.compose(payload);
        return Arrays.copyOf(c.b, c.n);
    }

    /**
     * {@code netdev-dummy/receive FLOW --len length}: the packet without payload, grown to
     * {@code length} bytes with zeros and its lengths and checksums fixed as OVS's
     * {@code packet_expand} does.
     *
     * @throws IllegalArgumentException if the packet is longer than {@code length} already
     */
    public static byte[] composeLength(final long[] key, final int length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("packet length " + length + " (up to " + MAX_LENGTH + ")");
        }
        final FlowCompose c = new FlowCompose(key);
        c.compose(0);
        if (c.n > length) {
            throw new IllegalArgumentException("the packet is " + c.n + " bytes long, more than " + length);
        }
        if (c.n < length) {
            c.expand(length);
        }
        return Arrays.copyOf(c.b, c.n);
    }

    // ---- flow_compose ----

    private void compose(final int payload) {
        final int dlType = FlowKey.dlType(key, 0);
        putMac(FlowKey.ethDst(key, 0));
        putMac(FlowKey.ethSrc(key, 0));
        put16(dlType);
        if (dlType == DL_TYPE_NONE) {
            set16(12, n);
            return;
        }
        // Inner tag first: each push goes right behind the addresses, so the outer one ends first.
        pushVlan(FlowKey.vlan1Tpid(key, 0), FlowKey.vlan1Tci(key, 0));
        pushVlan(FlowKey.vlan0Tpid(key, 0), FlowKey.vlan0Tci(key, 0));
        l3 = n;
        if (dlType == ETH_TYPE_IP) {
            put8(0x45);
            put8(FlowKey.nwTos(key, 0));
            zeros(4); // total length, id
            final int frag = FlowKey.nwFrag(key, 0);
            put16((frag & FRAG_ANY) == 0 ? 0 : (frag & FRAG_LATER) == 0 ? 0x2000 : 0x2000 | 100);
            put8(FlowKey.nwTtl(key, 0));
            put8(FlowKey.nwProto(key, 0));
            zeros(2);
            put32(FlowKey.nwSrc(key, 0));
            put32(FlowKey.nwDst(key, 0));
            l4 = n;
            l4(payload);
            set16(l3 + 2, n - l3);
            set16(l3 + 10, checksum(0, l3, 20));
            l4Checksum(pseudoHeader());
        } else if (dlType == ETH_TYPE_IPV6) {
            put32((6 << 28) | (FlowKey.nwTos(key, 0) << 20) | FlowKey.ipv6Label(key, 0));
            zeros(2); // payload length
            put8(FlowKey.nwProto(key, 0));
            put8(FlowKey.nwTtl(key, 0));
            put64(key[W_IPV6_SRC]);
            put64(key[W_IPV6_SRC + 1]);
            put64(key[W_IPV6_DST]);
            put64(key[W_IPV6_DST + 1]);
            l4 = n;
            l4(payload);
            set16(l3 + 4, n - l4);
            l4Checksum(pseudoHeader());
        } else if (dlType == ETH_TYPE_ARP || dlType == ETH_TYPE_RARP) {
            put16(1);
            put16(ETH_TYPE_IP);
            put8(6);
            put8(4);
            final int op = FlowKey.nwProto(key, 0);
            put16(op);
            if (op == 1 || op == 2) {
                putMac(FlowField.ARP_SHA.get(key));
                put32(FlowKey.nwSrc(key, 0));
                putMac(FlowField.ARP_THA.get(key));
                put32(FlowKey.nwDst(key, 0));
            } else {
                zeros(20);
            }
        }
    }

    private void pushVlan(final int tpid, final int tci) {
        if ((tci & VLAN_CFI) == 0) {
            return;
        }
        room(4);
        System.arraycopy(b, 12, b, 16, n - 12);
        n += 4;
        set16(12, tpid);
        set16(14, tci & ~VLAN_CFI);
    }

    private boolean laterFragment() {
        return (FlowKey.nwFrag(key, 0) & (FRAG_ANY | FRAG_LATER)) == (FRAG_ANY | FRAG_LATER);
    }

    /** flow_compose_l4: a later fragment has no transport header. */
    private void l4(final int payload) {
        if (laterFragment()) {
            return;
        }
        final int type = FlowKey.tpSrc(key, 0);
        final int code = FlowKey.tpDst(key, 0);
        switch (FlowKey.nwProto(key, 0)) {
            case IPPROTO_TCP -> {
                put16(type);
                put16(code);
                zeros(8); // sequence and acknowledgement numbers
                final int flags = FlowKey.tcpFlags(key, 0) & 0x0FFF;
                put16((5 << 12) | flags);
                zeros(6); // window, checksum, urgent pointer
                if ((flags & (TCP_SYN | TCP_FIN | TCP_RST)) == 0) {
                    payload(payload);
                }
            }
            case IPPROTO_UDP -> {
                put16(type);
                put16(code);
                put16(8 + payload);
                zeros(2);
                payload(payload);
            }
            case IPPROTO_SCTP -> {
                put16(type);
                put16(code);
                zeros(8); // verification tag, checksum (OVS computes none)
            }
            case IPPROTO_ICMP -> {
                put8(type);
                put8(code);
                zeros(6);
                if ((type == ICMP4_ECHO_REQUEST || type == ICMP4_ECHO_REPLY) && code == 0) {
                    payload(payload);
                }
            }
            case IPPROTO_IGMP -> {
                put8(type);
                put8(code);
                zeros(6); // checksum, group (the key has no IGMP group)
            }
            case IPPROTO_ICMPV6 -> {
                put8(type);
                put8(code);
                zeros(6);
                if (code == 0 && (type == ND_NEIGHBOR_SOLICIT || type == ND_NEIGHBOR_ADVERT)) {
                    put64(key[W_ND_TARGET]);
                    put64(key[W_ND_TARGET + 1]);
                    final long sll = FlowField.ARP_SHA.get(key);
                    final long tll = FlowField.ARP_THA.get(key);
                    if (sll != 0) {
                        put8(ND_OPT_SOURCE_LINKADDR);
                        put8(1);
                        putMac(sll);
                    }
                    if (tll != 0) {
                        put8(ND_OPT_TARGET_LINKADDR);
                        put8(1);
                        putMac(tll);
                    }
                } else if (code == 0 && (type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY)) {
                    payload(payload);
                }
            }
            default -> {
            }
        }
    }

    /** OVS's arbitrary payload: byte i is i. */
    private void payload(final int length) {
        room(length);
        for (int i = 0; i < length; i++) {
            b[n++] = (byte) i;
        }
    }

    /** The sum over the IPv4 or IPv6 pseudo-header, from the header as composed. */
    private long pseudoHeader() {
        if (FlowKey.dlType(key, 0) == ETH_TYPE_IP) {
            return sum(0, l3 + 12, 8) + FlowKey.nwProto(key, 0) + (get16(l3 + 2) - 20);
        }
        return sum(0, l3 + 8, 32) + FlowKey.nwProto(key, 0) + get16(l3 + 4);
    }

    /** flow_compose_l4_csum. */
    private void l4Checksum(final long pseudo) {
        if (laterFragment()) {
            return;
        }
        final int len = n - l4;
        switch (FlowKey.nwProto(key, 0)) {
            case IPPROTO_TCP -> {
                set16(l4 + 16, 0);
                set16(l4 + 16, checksum(pseudo, l4, len));
            }
            case IPPROTO_UDP -> {
                set16(l4 + 6, 0);
                final int c = checksum(pseudo, l4, len);
                set16(l4 + 6, c == 0 ? 0xFFFF : c);
            }
            case IPPROTO_ICMP, IPPROTO_IGMP -> {
                set16(l4 + 2, 0);
                set16(l4 + 2, checksum(0, l4, len));
            }
            case IPPROTO_ICMPV6 -> {
                set16(l4 + 2, 0);
                set16(l4 + 2, checksum(pseudo, l4, len));
            }
            default -> {
            }
        }
    }

    // ---- packet_expand ----

    private void expand(final int length) {
        final int extra = length - n;
        zeros(extra);
        final int dlType = FlowKey.dlType(key, 0);
        if (dlType == DL_TYPE_NONE) {
            set16(12, n);
        } else if (dlType == ETH_TYPE_IP || dlType == ETH_TYPE_IPV6) {
            final int l4Length = n - l4;
            if (dlType == ETH_TYPE_IP) {
                set16(l3 + 2, l4 - l3 + l4Length);
                set16(l3 + 10, 0);
                set16(l3 + 10, checksum(0, l3, 20));
            } else {
                set16(l3 + 4, l4Length);
            }
            if (!laterFragment() && FlowKey.nwProto(key, 0) == IPPROTO_UDP) {
                // OVS counts the added bytes twice here; the same bytes are made on purpose, so
                // that a scripted scenario sends what it sends to OVS.
                set16(l4 + 4, l4Length + extra);
            }
            l4Checksum(pseudoHeader());
        }
    }

    // ---- bytes ----

    /** Ones'-complement sum of {@code len} bytes at {@code from} as big-endian 16-bit words, unfolded. */
    private long sum(final long initial, final int from, final int len) {
        long s = initial;
        int i = from;
        for (; i + 1 < from + len; i += 2) {
            s += ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
        }
        if (i < from + len) {
            s += (b[i] & 0xFF) << 8;
        }
        return s;
    }

    /** The Internet checksum of {@code len} bytes at {@code from} with {@code pseudo} added. */
    private int checksum(final long pseudo, final int from, final int len) {
        long s = sum(pseudo, from, len);
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) ~s & 0xFFFF;
    }

    private void room(final int more) {
        if (n + more > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
        }
    }

    private void put8(final int v) {
        room(1);
        b[n++] = (byte) v;
    }

    private void put16(final int v) {
        put8(v >>> 8);
        put8(v);
    }

    private void put32(final int v) {
        put16(v >>> 16);
        put16(v);
    }

    private void put64(final long v) {
        put32((int) (v >>> 32));
        put32((int) v);
    }

    private void putMac(final long mac) {
        put16((int) (mac >>> 32));
        put32((int) mac);
    }

    private void zeros(final int count) {
        room(count);
        n += count; // the buffer only grows, and grows zeroed
    }

    private void set16(final int at, final int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    private int get16(final int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
