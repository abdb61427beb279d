package io.flowgate.fastpath.testing;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Ethernet frames layer by layer for tests, with lengths, next-header fields and checksums
 * filled in: {@code PacketBuilder.eth(B, A).vlan(100).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(10).build()}.
 */
public final class PacketBuilder {
    private interface Layer {
        /** Ethertype or IP protocol number that announces this layer, -1 for none. */
        int id();

        byte[] encode(byte[] payload, PacketBuilder b, int index);
    }

    private final List<Layer> layers = new ArrayList<>();
    private int lastIpv4;
    private int lastIpv6;

    private PacketBuilder() {
    }

    public static PacketBuilder eth(final String dst, final String src) {
        final PacketBuilder b = new PacketBuilder();
        final byte[] d = mac(dst);
        final byte[] s = mac(src);
        b.layers.add(new Layer() {
            public int id() {
                return -1;
            }

            public byte[] encode(final byte[] payload, final PacketBuilder pb, final int index) {
                return concat(d, s, u16(pb.nextId(index, 0x88B5)), payload);
            }
        });
        return b;
    }

    public static PacketBuilder eth() {
        return eth("02:00:00:00:00:0b", "02:00:00:00:00:0a");
    }

    /** Forces the next ethertype (for frames whose payload is raw bytes). */
    public PacketBuilder ethertype(final int type) {
        return add(type, (p, b, i) -> p);
    }

    public PacketBuilder vlan(final int vid) {
        return vlan(0x8100, vid, 0);
    }

    public PacketBuilder vlan(final int tpid, final int vid, final int pcp) {
        return add(tpid, (p, b, i) -> concat(u16((pcp << 13) | vid), u16(b.nextId(i, 0x88B5)), p));
    }

    public PacketBuilder ipv4(final String src, final String dst) {
        return ipv4(src, dst, 0, 64, 0);
    }

    /** @param fragField the 16-bit flags+offset field (0x2000 = MF, 0x4000 = DF, low 13 bits offset) */
    public PacketBuilder ipv4(final String src, final String dst, final int tos, final int ttl, final int fragField) {
        final byte[] s = ip(src);
        final byte[] d = ip(dst);
        lastIpv4 = layers.size();
        return add(0x0800, (p, b, i) -> {
            final byte[] h = concat(new byte[] {0x45, (byte) tos}, u16(20 + p.length), u16(0x1234), u16(fragField),
                    new byte[] {(byte) ttl, (byte) b.nextId(i, 255)}, u16(0), s, d);
            final int sum = checksum(h, 0, h.length, 0);
            h[10] = (byte) (sum >>> 8);
            h[11] = (byte) sum;
            return concat(h, p);
        });
    }

    public PacketBuilder ipv6(final String src, final String dst) {
        return ipv6(src, dst, 0, 0, 64);
    }

    public PacketBuilder ipv6(final String src, final String dst, final int tc, final int label, final int hlim) {
        final byte[] s = ip(src);
        final byte[] d = ip(dst);
        lastIpv6 = layers.size();
        return add(0x86DD, (p, b, i) -> concat(u32((6 << 28) | (tc << 20) | label), u16(p.length),
                new byte[] {(byte) b.nextId(i, 59), (byte) hlim}, s, d, p));
    }

    /** A hop-by-hop (0), routing (43) or destination options (60) header of 8 bytes. */
    public PacketBuilder ipv6Ext(final int type) {
        return add(type, (p, b, i) -> concat(new byte[] {(byte) b.nextId(i, 59), 0, 0, 0, 0, 0, 0, 0}, p));
    }

    public PacketBuilder ipv6Fragment(final int offset, final boolean more) {
        return add(44, (p, b, i) -> concat(new byte[] {(byte) b.nextId(i, 59), 0}, u16((offset << 3) | (more ? 1 : 0)),
                u32(0xABCD), p));
    }

    public PacketBuilder tcp(final int sport, final int dport, final int flags) {
        return add(6, (p, b, i) -> {
            final byte[] h = concat(u16(sport), u16(dport), u32(1), u32(0), u16((5 << 12) | flags), u16(65535), u16(0), u16(0));
            return b.l4Checksum(concat(h, p), 16, i);
        });
    }

    public PacketBuilder udp(final int sport, final int dport) {
        return add(17, (p, b, i) -> b.l4Checksum(concat(u16(sport), u16(dport), u16(8 + p.length), u16(0), p), 6, i));
    }

    /** UDP with a zero (absent) checksum, allowed in IPv4. */
    public PacketBuilder udpNoChecksum(final int sport, final int dport) {
        return add(17, (p, b, i) -> concat(u16(sport), u16(dport), u16(8 + p.length), u16(0), p));
    }

    public PacketBuilder sctp(final int sport, final int dport) {
        return add(132, (p, b, i) -> concat(u16(sport), u16(dport), u32(0), u32(0), p));
    }

    public PacketBuilder icmp(final int type, final int code) {
        return add(1, (p, b, i) -> {
            final byte[] m = concat(new byte[] {(byte) type, (byte) code}, u16(0), u32(0), p);
            final int sum = checksum(m, 0, m.length, 0);
            m[2] = (byte) (sum >>> 8);
            m[3] = (byte) sum;
            return m;
        });
    }

    /** ICMPv6 with the 4 bytes after type/code/checksum, then the payload. */
    public PacketBuilder icmp6(final int type, final int code, final byte[] body) {
        return add(58, (p, b, i) -> b.l4Checksum(concat(new byte[] {(byte) type, (byte) code}, u16(0), body, p), 2, i));
    }

    /** Neighbour solicitation (135) or advertisement (136) for {@code target} with one link-layer option. */
    public PacketBuilder nd(final int type, final String target, final int optionType, final String mac) {
        final byte[] opt = optionType == 0 ? new byte[0] : concat(new byte[] {(byte) optionType, 1}, mac(mac));
        return icmp6(type, 0, concat(u32(0), ip(target), opt));
    }

    public PacketBuilder arp(final int op, final String sha, final String spa, final String tha, final String tpa) {
        return add(0x0806, (p, b, i) -> concat(u16(1), u16(0x0800), new byte[] {6, 4}, u16(op), mac(sha), ip(spa),
                mac(tha), ip(tpa), p));
    }

    public PacketBuilder payload(final int n) {
        final byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) i;
        }
        return payload(bytes);
    }

    public PacketBuilder payload(final byte[] bytes) {
        return add(-1, (p, b, i) -> concat(bytes, p));
    }

    public byte[] build() {
        byte[] out = new byte[0];
        for (int i = layers.size() - 1; i >= 0; i--) {
            out = layers.get(i).encode(out, this, i);
        }
        return out;
    }

    private PacketBuilder add(final int id, final Encoder e) {
        layers.add(new Layer() {
            public int id() {
                return id;
            }

            public byte[] encode(final byte[] payload, final PacketBuilder b, final int index) {
                return e.encode(payload, b, index);
            }
        });
        return this;
    }

    @FunctionalInterface
    private interface Encoder {
        byte[] encode(byte[] payload, PacketBuilder b, int index);
    }

    private int nextId(final int index, final int fallback) {
        for (int i = index + 1; i < layers.size(); i++) {
            final int id = layers.get(i).id();
            if (id >= 0) {
                return id;
            }
        }
        return fallback;
    }

    /** Fills in a TCP/UDP/ICMPv6 checksum at {@code at} using the nearest IP header's pseudo-header. */
    private byte[] l4Checksum(final byte[] seg, final int at, final int index) {
        final int proto = layers.get(index).id();
        long pseudo = 0;
        final boolean v6 = lastIpv6 > lastIpv4;
        final Layer ipLayer = layers.get(v6 ? lastIpv6 : lastIpv4);
        final byte[] ipHeader = ipLayer.encode(new byte[0], this, v6 ? lastIpv6 : lastIpv4);
        if (v6) {
            for (int i = 8; i < 40; i += 2) {
                pseudo += ((ipHeader[i] & 0xFF) << 8) | (ipHeader[i + 1] & 0xFF);
            }
        } else {
            for (int i = 12; i < 20; i += 2) {
                pseudo += ((ipHeader[i] & 0xFF) << 8) | (ipHeader[i + 1] & 0xFF);
            }
        }
        pseudo += proto + seg.length;
        int sum = checksum(seg, 0, seg.length, pseudo);
        if (sum == 0 && proto == 17) {
            sum = 0xFFFF;
        }
        seg[at] = (byte) (sum >>> 8);
        seg[at + 1] = (byte) sum;
        return seg;
    }

    /** Internet checksum (one's complement of the one's complement sum) over bytes plus {@code initial}. */
    public static int checksum(final byte[] b, final int from, final int len, final long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((b[from + i] & 0xFF) << 8) | (b[from + i + 1] & 0xFF);
        }
        if ((len & 1) != 0) {
            sum += (b[from + len - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    public static byte[] mac(final String text) {
        final String[] parts = text.split(":");
        final byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }

    public static long macValue(final String text) {
        long v = 0;
        for (byte b : mac(text)) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }

    public static byte[] ip(final String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    public static long ipv4Value(final String text) {
        final byte[] a = ip(text);
        return ((a[0] & 0xFFL) << 24) | ((a[1] & 0xFFL) << 16) | ((a[2] & 0xFFL) << 8) | (a[3] & 0xFFL);
    }

    /** High (half 0) or low (half 1) 64 bits of an IPv6 address. */
    public static long ipv6Half(final String text, final int half) {
        final byte[] a = ip(text);
        long v = 0;
        for (int i = half * 8; i < half * 8 + 8; i++) {
            v = (v << 8) | (a[i] & 0xFF);
        }
        return v;
    }

    public static byte[] u16(final int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    public static byte[] u32(final int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    public static byte[] concat(final byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    public static byte[] hex(final String hex) {
        final String h = hex.replaceAll("\\s+", "");
        final byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
