package io.flowgate.fastpath.parse;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.packet.Memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Parses a frame into one {@link io.flowgate.fastpath.flow.FlowKey} row: Open vSwitch's
 * {@code miniflow_extract}, field for field.
 *
 * <p>Never throws and never reads outside {@code [base, base + length)}: every read is preceded by
 * a length check. What cannot be read stays zero and the reason is counted in
 * {@link ParseCounters}; the packet is then classified the way OVS classifies it (a broken IPv4
 * header still has dl_type 0x0800 but zero addresses, a later fragment has no L4 fields, and so
 * on). Allocates nothing.
 *
 * <p>The return value packs the header offsets that datapath actions need: the L3 offset in bits
 * 0–15 and the L4 offset in bits 16–31, {@link #NO_OFFSET} where that header was not parsed in full;
 * or {@link #DROP} for a frame too short to forward.
 *
 * <p>Owned by one thread (a PMD, or a handler for its own use) because of the counters.
 *
 * <p>One file above 400 lines on purpose: it is one pass over the frame with the offset, the
 * remaining length and the key row in locals, as OVS's miniflow_extract is one function; a
 * parser per protocol in its own class would pass that state around per packet.
 */
public final class FlowExtractor {
    /** Returned for frames shorter than an Ethernet header: OVS drops these on receive. */
    public static final long DROP = -1L;
    /** Offset value meaning "this header was not parsed". */
    public static final int NO_OFFSET = 0xFFFF;
    /** OVS's default vlan-limit: only the outer tag is parsed. */
    public static final int DEFAULT_VLAN_LIMIT = 1;
    /** The most tags the key can hold. */
    public static final int MAX_VLAN_LIMIT = 2;

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final int ETH_HEADER_LEN = 14;
    private static final int ETH_TYPE_MIN = 0x600;
    private static final int IPV4_HEADER_LEN = 20;
    private static final int IPV6_HEADER_LEN = 40;
    private static final int ARP_ETH_HEADER_LEN = 28;
    private static final int TCP_HEADER_LEN = 20;
    private static final int UDP_HEADER_LEN = 8;
    private static final int SCTP_HEADER_LEN = 12;
    private static final int ICMP_HEADER_LEN = 8;
    private static final int IGMP_HEADER_LEN = 8;
    private static final int ICMP6_DATA_HEADER_LEN = 8;
    private static final int ND_NEIGHBOR_SOLICIT = 135;
    private static final int ND_NEIGHBOR_ADVERT = 136;
    private static final int ND_OPT_SOURCE_LINKADDR = 1;
    private static final int ND_OPT_TARGET_LINKADDR = 2;
    /** The shortest frame {@link #plainIpv4} takes: Ethernet, IPv4 and UDP headers. */
    private static final int FAST_MIN_LENGTH = ETH_HEADER_LEN + IPV4_HEADER_LEN + UDP_HEADER_LEN;
    /** Where a plain IPv4 frame's L4 header starts. */
    private static final int PLAIN_L4 = ETH_HEADER_LEN + IPV4_HEADER_LEN;
    /** Not a frame {@link #plainIpv4} takes (no valid offsets value is negative but DROP). */
    private static final long NOT_PLAIN = -2L;

    private final ParseCounters counters;
    private final int vlanLimit;

    public FlowExtractor(final ParseCounters counters) {
        this(counters, DEFAULT_VLAN_LIMIT);
    }

    /**
     * @param vlanLimit how many VLAN tags to parse (OVS's {@code vlan-limit}): 1 or 2; with 1, a
     *                  double-tagged frame has dl_type 0x8100 or 0x88a8 and only the outer tag
     */
    public FlowExtractor(final ParseCounters counters, final int vlanLimit) {
        if (vlanLimit < 0 || vlanLimit > MAX_VLAN_LIMIT) {
            throw new IllegalArgumentException("vlan-limit must be 0.." + MAX_VLAN_LIMIT + ", not " + vlanLimit);
        }
        this.counters = counters;
        this.vlanLimit = vlanLimit == 0 ? MAX_VLAN_LIMIT : vlanLimit;
    }

    public ParseCounters counters() {
        return counters;
    }

    public static int l3Offset(final long offsets) {
        return (int) offsets & 0xFFFF;
    }

    public static int l4Offset(final long offsets) {
        return (int) (offsets >>> 16) & 0xFFFF;
    }

    static long offsets(final int l3, final int l4) {
        return (l3 & 0xFFFFL) | ((l4 & 0xFFFFL) << 16);
    }

    /**
     * Parses the frame at {@code seg[base, base + length)} received on {@code inPort} into the key
     * row {@code k[o, o + WORDS)}.
     *
     * @return packed L3/L4 offsets, or {@link #DROP}
     */
    public long extract(final MemorySegment seg, final long base, final int length, final int inPort,
                        final long[] k, final int o) {
        if (seg == Memory.ALL && length >= FAST_MIN_LENGTH) {
            final long offsets = plainIpv4(base, length, inPort, k, o);
            if (offsets != NOT_PLAIN) {
                return offsets;
            }
        }
        return extractAny(seg, base, length, inPort, k, o);
    }

    /**
     * The commonest frame, untagged IPv4 without options or fragmentation carrying a whole UDP or
     * TCP header, in one straight pass: its six reads at fixed offsets, its conditions checked
     * together, every key word written once (no zeroing first). Anything else, including every
     * frame with an anomaly to count, is {@link #NOT_PLAIN} and goes through
     * {@link #extractAny}, which gives the same key and offsets for the frames taken here
     * (PlainIpv4ShortcutTest). Only for frames read through {@link Memory#ALL} (the fast path):
     * one kind of read keeps the inlined code small enough that the rarer parsers after it are
     * still inlined too.
     */
    private static long plainIpv4(final long base, final int length, final int inPort, final long[] k, final int o) {
        // Bytes 6-13 (source MAC, ethertype), 14-21 (version and IHL, TOS, total length, id,
        // fragment) and 22-29 (TTL, protocol, checksum, part of the source): within the 42 bytes.
        final long srcType = Memory.ALL.get(BE64, base + 6);
        if (((int) srcType & 0xFFFF) != ETH_TYPE_IP) {
            return NOT_PLAIN;
        }
        final long first = Memory.ALL.get(BE64, base + 14);
        final long second = Memory.ALL.get(BE64, base + 22);
        final int totLen = (int) (first >>> 32) & 0xFFFF;
        final int proto = (int) (second >>> 48) & 0xFF;
        final int l4Size = totLen - IPV4_HEADER_LEN;
        if (((first >>> 56) & 0x0F) != IPV4_HEADER_LEN / 4 || (first & 0x3FFF) != 0 || totLen > length - ETH_HEADER_LEN) {
            return NOT_PLAIN;
        }
        long tcpFlags = 0;
        if (proto == IPPROTO_UDP) {
            if (l4Size < UDP_HEADER_LEN) {
                return NOT_PLAIN;
            }
        } else if (proto == IPPROTO_TCP && l4Size >= TCP_HEADER_LEN) {
            final int ctl = Memory.ALL.get(BE16, base + PLAIN_L4 + 12) & 0xFFFF;
            final int hdrLen = (ctl >>> 12) * 4;
            if (hdrLen < TCP_HEADER_LEN || l4Size < hdrLen) {
                return NOT_PLAIN;
            }
            tcpFlags = (long) (ctl & 0x0FFF) << TCP_FLAGS_SHIFT;
        } else {
            return NOT_PLAIN;
        }
        plainKey(base, inPort, srcType, first, second, tcpFlags, k, o);
        return offsets(ETH_HEADER_LEN, PLAIN_L4);
    }

    /** A plain IPv4 frame's key, every word: from the reads {@link #plainIpv4} made and two more. */
    private static void plainKey(final long base, final int inPort, final long srcType,
                                 final long first, final long second, final long tcpFlags, final long[] k, final int o) {
        k[o + W_IN_PORT] = inPort & 0xFFFF_FFFFL;
        k[o + W_ETH_DST] = (Memory.ALL.get(BE64, base) >>> 16) | ((long) ETH_TYPE_IP << DL_TYPE_SHIFT);
        k[o + W_ETH_SRC] = srcType >>> 16;
        k[o + W_VLAN] = 0;
        k[o + W_NW_ADDR] = Memory.ALL.get(BE64, base + ETH_HEADER_LEN + 12);
        k[o + W_IPV6_SRC] = 0;
        k[o + W_IPV6_SRC + 1] = 0;
        k[o + W_IPV6_DST] = 0;
        k[o + W_IPV6_DST + 1] = 0;
        // Protocol and TTL from the second read, TOS from the first; not a fragment.
        k[o + W_NW] = nw((int) (second >>> 48) & 0xFF, (int) (first >>> 48) & 0xFF, (int) (second >>> 56), 0);
        k[o + W_ARP_SHA] = tcpFlags;
        k[o + W_ARP_THA] = 0;
        k[o + W_ND_TARGET] = 0;
        k[o + W_ND_TARGET + 1] = 0;
        k[o + W_L4] = (Memory.ALL.get(BE32, base + PLAIN_L4) & 0xFFFF_FFFFL) << TP_DST_SHIFT;
    }

    /** {@link #extract} for any frame, without the plain-IPv4 shortcut (tests compare the two). */
    long extractAny(final MemorySegment seg, final long base, final int length, final int inPort,
                    final long[] k, final int o) {
        k[o + W_IN_PORT] = inPort & 0xFFFF_FFFFL;
        for (int i = 1; i < WORDS; i++) {
            k[o + i] = 0;
        }
        if (length < ETH_HEADER_LEN) {
            counters.increment(ParseAnomaly.RUNT_FRAME);
            return DROP;
        }
        final long ethDst = be64(seg, base) >>> 16;
        final long ethSrc = be64(seg, base + 6) >>> 16;

        int pos = 12;
        int type = u16(seg, base + pos);
        if (isVlanTpid(type)) {
            pos = vlans(seg, base, length, type, k, o);
            type = u16(seg, base + pos);
        }
        pos += 2;
        if (type < ETH_TYPE_MIN) {
            type = llcSnapType(seg, base, pos, length);
            if (type != DL_TYPE_NONE) {
                pos += 8;
            }
        }
        k[o + W_ETH_DST] = ethDst | ((long) type << DL_TYPE_SHIFT);
        k[o + W_ETH_SRC] = ethSrc;

        if (type == ETH_TYPE_IP) {
            return ipv4(seg, base, pos, length, k, o);
        } else if (type == ETH_TYPE_IPV6) {
            return ipv6(seg, base, pos, length, k, o);
        } else if (type == ETH_TYPE_ARP || type == ETH_TYPE_RARP) {
            arp(seg, base, pos, length, k, o);
        }
        return offsets(pos, NO_OFFSET);
    }

    /**
     * VLAN tags from the first, whose TPID {@code type} is at offset 12, up to the vlan limit, into
     * the key row. Each needs its 4 bytes plus the next ethertype.
     *
     * @return the offset of the ethertype after the last tag parsed
     */
    private int vlans(final MemorySegment seg, final long base, final int length, final int first,
                      final long[] k, final int o) {
        int pos = 12;
        int type = first;
        long vlans = 0;
        for (int n = 0; n < vlanLimit && isVlanTpid(type); n++) {
            if (length - pos < 6) {
                counters.increment(ParseAnomaly.VLAN_TRUNCATED);
                break;
            }
            final long tag = ((long) type << 16) | (u16(seg, base + pos + 2) | VLAN_CFI);
            vlans |= n == 0 ? tag << VLAN0_TCI_SHIFT : tag << VLAN1_TCI_SHIFT;
            pos += 4;
            type = u16(seg, base + pos);
        }
        k[o + W_VLAN] = vlans;
        return pos;
    }

    /** The ethertype of an 802.2 LLC/SNAP frame with OUI 0, else {@link FlowKey#DL_TYPE_NONE}. */
    private static int llcSnapType(final MemorySegment seg, final long base, final int pos, final int length) {
        if (length - pos < 8) {
            return DL_TYPE_NONE;
        }
        // dsap 0xaa, ssap 0xaa, control 0x03, OUI 00:00:00, then the ethertype.
        final long llc = be64(seg, base + pos);
        if ((llc >>> 16) != 0xAAAA_0300_0000L) {
            return DL_TYPE_NONE;
        }
        final int snapType = (int) llc & 0xFFFF;
        return snapType >= ETH_TYPE_MIN ? snapType : DL_TYPE_NONE;
    }

    private void arp(final MemorySegment seg, final long base, final int pos, final int length,
                     final long[] k, final int o) {
        if (length - pos < ARP_ETH_HEADER_LEN) {
            counters.increment(ParseAnomaly.ARP_MALFORMED);
            return;
        }
        final long a = base + pos;
        // hardware type 1 (Ethernet), protocol 0x0800, hardware length 6, protocol length 4
        if (be32(seg, a) != 0x0001_0800 || u16(seg, a + 4) != 0x0604) {
            counters.increment(ParseAnomaly.ARP_MALFORMED);
            return;
        }
        final int op = u16(seg, a + 6);
        final long sha = be64(seg, a + 6) & MAC_MASK;
        final long spa = u32(seg, a + 14);
        final long tha = be64(seg, a + 16) & MAC_MASK;
        final long tpa = u32(seg, a + 24);
        k[o + W_NW_ADDR] = (spa << NW_SRC_SHIFT) | tpa;
        if (op <= 0xFF) {
            // Only the low 8 bits of the opcode can be matched; larger opcodes read as 0.
            k[o + W_NW] = (long) op << NW_PROTO_SHIFT;
        }
        k[o + W_ARP_SHA] = sha;
        k[o + W_ARP_THA] = tha;
    }

    private long ipv4(final MemorySegment seg, final long base, final int pos, final int length,
                      final long[] k, final int o) {
        final int size = length - pos;
        if (size < IPV4_HEADER_LEN) {
            return unparsedL3(ParseAnomaly.IPV4_TRUNCATED);
        }
        final long h = base + pos;
        // Bytes 0-7 (version and IHL, TOS, total length, id, fragment) and 8-15 (TTL, protocol,
        // checksum, source) in two reads: the header's 20 bytes are there, checked above.
        final long first = be64(seg, h);
        final int ipLen = (int) (first >>> 54) & 0x3C; // IHL * 4
        if (ipLen < IPV4_HEADER_LEN || size < ipLen) {
            return unparsedL3(ParseAnomaly.IPV4_BAD_IHL);
        }
        final int totLen = (int) (first >>> 32) & 0xFFFF;
        if (totLen > size || ipLen > totLen) {
            return unparsedL3(ParseAnomaly.IPV4_BAD_TOTAL_LENGTH);
        }
        final long second = be64(seg, h + 8);
        final int tos = (int) (first >>> 48) & 0xFF;
        final int fragOff = (int) first & 0xFFFF;
        final int ttl = (int) (second >>> 56) & 0xFF;
        final int proto = (int) (second >>> 48) & 0xFF;
        k[o + W_NW_ADDR] = be64(seg, h + 12);
        // MF set or offset non-zero is a fragment (DF alone is not); a non-zero offset, a later one.
        final int frag = (fragOff & 0x3FFF) == 0 ? 0 : (fragOff & 0x1FFF) == 0 ? FRAG_ANY : FRAG_ANY | FRAG_LATER;
        k[o + W_NW] = nw(proto, tos, ttl, frag);
        final int l4 = pos + ipLen;
        if ((frag & FRAG_LATER) != 0) {
            counters.increment(ParseAnomaly.IP_LATER_FRAGMENT);
            return offsets(pos, NO_OFFSET);
        }
        // L2 padding beyond the IP total length is never parsed.
        return offsets(pos, l4(seg, base, l4, pos + totLen, proto, k, o));
    }

    /** The key's IP word: protocol, TOS, TTL and fragment bits (IPv6 adds its flow label). */
    private static long nw(final int proto, final int tos, final int ttl, final int frag) {
        return ((long) proto << NW_PROTO_SHIFT) | ((long) tos << NW_TOS_SHIFT) | ((long) ttl << NW_TTL_SHIFT)
                | ((long) frag << NW_FRAG_SHIFT);
    }

    /** An IP header that cannot be read: counted, and no L3 or L4 offset. */
    private long unparsedL3(final ParseAnomaly why) {
        counters.increment(why);
        return offsets(NO_OFFSET, NO_OFFSET);
    }

    private long ipv6(final MemorySegment seg, final long base, final int pos, final int length,
                      final long[] k, final int o) {
        final int size = length - pos;
        if (size < IPV6_HEADER_LEN) {
            return unparsedL3(ParseAnomaly.IPV6_TRUNCATED);
        }
        final long h = base + pos;
        final int plen = u16(seg, h + 4);
        if (plen + IPV6_HEADER_LEN > size) {
            return unparsedL3(ParseAnomaly.IPV6_TRUNCATED);
        }
        final int end = pos + IPV6_HEADER_LEN + plen;
        final int tcFlow = be32(seg, h);
        addresses6(seg, h, k, o);
        final int tos = (tcFlow >>> 20) & 0xFF;
        final int ttl = u8(seg, h + 7);
        int proto = u8(seg, h + 6);
        int frag = 0;
        int p = pos + IPV6_HEADER_LEN;
        if (isExtension(proto)) {
            final long chain = extensions(seg, base, p, end, proto);
            if (chain < 0) {
                // Like OVS, a broken chain leaves the addresses set but label, tos, ttl, proto and frag at zero.
                return offsets(pos, NO_OFFSET);
            }
            p = (int) chain;
            proto = (int) (chain >>> 32) & 0xFF;
            frag = (int) (chain >>> 40) & 0xFF;
        }
        k[o + W_NW] = nw(proto, tos, ttl, frag) | ((long) (tcFlow & 0xFFFFF) << IPV6_LABEL_SHIFT);
        if ((frag & FRAG_LATER) != 0) {
            counters.increment(ParseAnomaly.IP_LATER_FRAGMENT);
            return offsets(pos, NO_OFFSET);
        }
        return offsets(pos, l4(seg, base, p, end, proto, k, o));
    }

    /** The IPv6 source and destination of the header at {@code h}. */
    private static void addresses6(final MemorySegment seg, final long h, final long[] k, final int o) {
        k[o + W_IPV6_SRC] = be64(seg, h + 8);
        k[o + W_IPV6_SRC + 1] = be64(seg, h + 16);
        k[o + W_IPV6_DST] = be64(seg, h + 24);
        k[o + W_IPV6_DST + 1] = be64(seg, h + 32);
    }

    private static boolean isExtension(final int proto) {
        return proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING || proto == IPPROTO_DSTOPTS
                || proto == IPPROTO_AH || proto == IPPROTO_FRAGMENT;
    }

    /**
     * Walks the IPv6 extension headers from {@code p} (header {@code proto}) to the L4 protocol.
     *
     * @return the L4 offset in bits 0-31, the protocol in bits 32-39 and the fragment bits in
     *         40-47; or -1 for a broken chain (counted)
     */
    private long extensions(final MemorySegment seg, final long base, final int from, final int end, final int first) {
        int p = from;
        int proto = first;
        int frag = 0;
        while (isExtension(proto)) {
            if (end - p < 8) {
                counters.increment(ParseAnomaly.IPV6_BAD_EXTENSION_CHAIN);
                return -1;
            }
            final int next = u8(seg, base + p);
            final int extLen;
            if (proto == IPPROTO_FRAGMENT) {
                final int offlg = u16(seg, base + p + 2);
                proto = next;
                p += 8;
                if (offlg != 0) {
                    frag = FRAG_ANY;
                    if ((offlg & 0xFFF8) != 0) {
                        frag |= FRAG_LATER;
                        proto = IPPROTO_FRAGMENT;
                        break;
                    }
                }
                continue;
            } else if (proto == IPPROTO_AH) {
                extLen = (u8(seg, base + p + 1) + 2) * 4;
            } else {
                extLen = (u8(seg, base + p + 1) + 1) * 8;
            }
            proto = next;
            if (end - p < extLen) {
                counters.increment(ParseAnomaly.IPV6_BAD_EXTENSION_CHAIN);
                return -1;
            }
            p += extLen;
        }
        return (p & 0xFFFF_FFFFL) | ((long) proto << 32) | ((long) frag << 40);
    }

    /**
     * Parses the L4 header at {@code p}, with the IP payload ending at {@code end}.
     *
     * @return the L4 offset if its header was read in full, else {@link #NO_OFFSET}
     */
    private int l4(final MemorySegment seg, final long base, final int p, final int end, final int proto,
                   final long[] k, final int o) {
        final int size = end - p;
        final long h = base + p;
        return switch (proto) {
            case IPPROTO_TCP -> tcp(seg, h, size, p, k, o);
            case IPPROTO_UDP -> ports(seg, h, size, UDP_HEADER_LEN, p, k, o);
            case IPPROTO_SCTP -> ports(seg, h, size, SCTP_HEADER_LEN, p, k, o);
            case IPPROTO_ICMP -> typeCode(seg, h, size, ICMP_HEADER_LEN, p, k, o);
            case IPPROTO_IGMP -> typeCode(seg, h, size, IGMP_HEADER_LEN, p, k, o);
            case IPPROTO_ICMPV6 -> icmp6(seg, base, p, end, k, o);
            default -> NO_OFFSET;
        };
    }

    private int tcp(final MemorySegment seg, final long h, final int size, final int p, final long[] k, final int o) {
        if (size < TCP_HEADER_LEN) {
            counters.increment(ParseAnomaly.L4_TRUNCATED);
            return NO_OFFSET;
        }
        final int ctl = u16(seg, h + 12);
        final int hdrLen = (ctl >>> 12) * 4;
        if (hdrLen < TCP_HEADER_LEN || size < hdrLen) {
            counters.increment(ParseAnomaly.TCP_BAD_OFFSET);
            return NO_OFFSET;
        }
        k[o + W_L4] = (be32(seg, h) & 0xFFFF_FFFFL) << TP_DST_SHIFT;
        k[o + W_ARP_SHA] = (long) (ctl & 0x0FFF) << TCP_FLAGS_SHIFT;
        return p;
    }

    private int icmp6(final MemorySegment seg, final long base, final int p, final int end, final long[] k,
                      final int o) {
        final long h = base + p;
        if (typeCode(seg, h, end - p, ICMP6_DATA_HEADER_LEN, p, k, o) == NO_OFFSET) {
            return NO_OFFSET;
        }
        final int type = u8(seg, h);
        if (u8(seg, h + 1) == 0 && (type == ND_NEIGHBOR_SOLICIT || type == ND_NEIGHBOR_ADVERT)) {
            neighborDiscovery(seg, base, p + ICMP6_DATA_HEADER_LEN, end, k, o);
        }
        return p;
    }

    private int ports(final MemorySegment seg, final long h, final int size, final int need, final int p,
                      final long[] k, final int o) {
        if (size < need) {
            counters.increment(ParseAnomaly.L4_TRUNCATED);
            return NO_OFFSET;
        }
        k[o + W_L4] = (be32(seg, h) & 0xFFFF_FFFFL) << TP_DST_SHIFT;
        return p;
    }

    private int typeCode(final MemorySegment seg, final long h, final int size, final int need, final int p,
                         final long[] k, final int o) {
        if (size < need) {
            counters.increment(ParseAnomaly.L4_TRUNCATED);
            return NO_OFFSET;
        }
        k[o + W_L4] = ((long) u8(seg, h) << TP_SRC_SHIFT) | ((long) u8(seg, h + 1) << TP_DST_SHIFT);
        return p;
    }

    /** ND target and the source/target link-layer address options of an NS or NA message. */
    private void neighborDiscovery(final MemorySegment seg, final long base, int p, final int end,
                                   final long[] k, final int o) {
        if (end - p < 16) {
            return;
        }
        final long targetHi = be64(seg, base + p);
        final long targetLo = be64(seg, base + p + 8);
        p += 16;
        long sll = 0;
        long tll = 0;
        int firstOption = 0;
        while (end - p >= 8) {
            final int optType = u8(seg, base + p);
            final int optLen = u8(seg, base + p + 1) * 8;
            if (optLen == 0 || optLen > end - p) {
                break;
            }
            if (optLen == 8 && (optType == ND_OPT_SOURCE_LINKADDR || optType == ND_OPT_TARGET_LINKADDR)) {
                final long mac = be64(seg, base + p) & MAC_MASK;
                if (firstOption == 0) {
                    firstOption = optType;
                }
                if (optType == ND_OPT_SOURCE_LINKADDR) {
                    if (sll != 0) {
                        ndInvalid(k, o);
                        return;
                    }
                    sll = mac;
                } else {
                    if (tll != 0) {
                        ndInvalid(k, o);
                        return;
                    }
                    tll = mac;
                }
            }
            p += optLen;
        }
        k[o + W_ND_TARGET] = targetHi;
        k[o + W_ND_TARGET + 1] = targetLo;
        // As OVS, the type of the first link-layer option rides in the tcp_flags field
        // (nd_options_type), so it shows in a flow's "flags" the way OVS shows it.
        k[o + W_ARP_SHA] = sll | ((long) firstOption << TCP_FLAGS_SHIFT);
        k[o + W_ARP_THA] = tll;
    }

    /** A repeated link-layer option makes OVS ignore the ND fields; type and code stay. */
    private void ndInvalid(final long[] k, final int o) {
        counters.increment(ParseAnomaly.ND_MALFORMED);
        k[o + W_ND_TARGET] = 0;
        k[o + W_ND_TARGET + 1] = 0;
        k[o + W_ARP_SHA] = 0;
        k[o + W_ARP_THA] = 0;
    }

    // Every read goes through these. When the segment is Memory.ALL (the fast path), the read is
    // made on the constant itself, which the JIT compiles to a plain load; through a parameter it
    // would be a virtual call and bounds and liveness checks, as VarHandle profiles are shared by
    // every segment type in the process. Other segments (tests use exact-size ones to catch any
    // read beyond the frame) take the checked path.

    private static int u8(final MemorySegment seg, final long at) {
        return (seg == Memory.ALL ? Memory.ALL.get(ValueLayout.JAVA_BYTE, at) : seg.get(ValueLayout.JAVA_BYTE, at)) & 0xFF;
    }

    private static int u16(final MemorySegment seg, final long at) {
        return (seg == Memory.ALL ? Memory.ALL.get(BE16, at) : seg.get(BE16, at)) & 0xFFFF;
    }

    private static int be32(final MemorySegment seg, final long at) {
        return seg == Memory.ALL ? Memory.ALL.get(BE32, at) : seg.get(BE32, at);
    }

    private static long u32(final MemorySegment seg, final long at) {
        return be32(seg, at) & 0xFFFF_FFFFL;
    }

    private static long be64(final MemorySegment seg, final long at) {
        return seg == Memory.ALL ? Memory.ALL.get(BE64, at) : seg.get(BE64, at);
    }
}
