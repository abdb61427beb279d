package io.flowgate.fastpath.testing;

/**
 * Reads a frame the way a receiver would and checks its checksums from scratch, so that tests of
 * incremental checksum updates compare against a full recomputation.
 */
public final class Wire {
    private final byte[] f;
    private final int l3;

    /** @param frame an untagged or single-tagged Ethernet frame */
    public Wire(final byte[] frame) {
        this.f = frame;
        final int type = u16(12);
        this.l3 = type == 0x8100 || type == 0x88a8 ? 18 : 14;
    }

    public int u8(final int at) {
        return f[at] & 0xFF;
    }

    public int u16(final int at) {
        return (u8(at) << 8) | u8(at + 1);
    }

    public int l3() {
        return l3;
    }

    public int ethType() {
        return u16(l3 - 2);
    }

    public boolean ipv6() {
        return ethType() == 0x86dd;
    }

    public int l4() {
        return ipv6() ? l3 + 40 : l3 + (u8(l3) & 0xF) * 4;
    }

    public int proto() {
        return ipv6() ? u8(l3 + 6) : u8(l3 + 9);
    }

    public String ipv4Src() {
        return u8(l3 + 12) + "." + u8(l3 + 13) + "." + u8(l3 + 14) + "." + u8(l3 + 15);
    }

    public String ipv4Dst() {
        return u8(l3 + 16) + "." + u8(l3 + 17) + "." + u8(l3 + 18) + "." + u8(l3 + 19);
    }

    public int tpSrc() {
        return u16(l4());
    }

    public int tpDst() {
        return u16(l4() + 2);
    }

    /** True if the IPv4 header checksum verifies. */
    public boolean ipv4ChecksumOk() {
        final int ihl = (u8(l3) & 0xF) * 4;
        return PacketBuilder.checksum(f, l3, ihl, 0) == 0;
    }

    /** The TCP/UDP/ICMPv6 checksum field's offset within the L4 header. */
    private int checksumAt() {
        return switch (proto()) {
            case 6 -> 16;
            case 17 -> 6;
            case 58 -> 2;
            default -> throw new IllegalStateException("no checksum for protocol " + proto());
        };
    }

    /** The L4 checksum field as it is on the wire. */
    public int l4ChecksumField() {
        return u16(l4() + checksumAt());
    }

    /** True if the TCP, UDP or ICMPv6 checksum verifies over the pseudo-header. */
    public boolean l4ChecksumOk() {
        final int l4 = l4();
        final int len = ipv6() ? u16(l3 + 4) : u16(l3 + 2) - (l4 - l3);
        long pseudo = proto() + len;
        final int from = ipv6() ? l3 + 8 : l3 + 12;
        final int to = ipv6() ? l3 + 40 : l3 + 20;
        for (int i = from; i < to; i += 2) {
            pseudo += u16(i);
        }
        return PacketBuilder.checksum(f, l4, len, pseudo) == 0;
    }
}
