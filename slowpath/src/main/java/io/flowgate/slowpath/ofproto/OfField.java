package io.flowgate.slowpath.ofproto;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.slowpath.classifier.Prerequisite;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The fields of Open vSwitch's flow syntax ({@code nw_dst}, {@code tcp_flags}, {@code vlan_vid},
 * …) and where each lives in the {@link io.flowgate.fastpath.flow.FlowKey} layout: a bit range of
 * one word (or two words for 128-bit addresses), whether a mask may be given, what a packet must
 * be for the field to mean anything, and whether {@code set_field} may write it.
 */
public enum OfField {
    IN_PORT(Kind.UINT, W_IN_PORT, 0, 32, false, Prerequisite.NONE, false, "in_port"),
    ETH_SRC(Kind.MAC, W_ETH_SRC, 0, 48, true, Prerequisite.NONE, true, "dl_src", "eth_src"),
    ETH_DST(Kind.MAC, W_ETH_DST, 0, 48, true, Prerequisite.NONE, true, "dl_dst", "eth_dst"),
    DL_TYPE(Kind.UINT, W_ETH_DST, DL_TYPE_SHIFT, 16, false, Prerequisite.NONE, false, "dl_type", "eth_type"),
    VLAN_TCI(Kind.UINT, W_VLAN, VLAN0_TCI_SHIFT, 16, true, Prerequisite.NONE, true, "vlan_tci"),
    /** VID of the outer tag; the value 0xffff means "no tag". */
    DL_VLAN(Kind.UINT, W_VLAN, VLAN0_TCI_SHIFT, 12, false, Prerequisite.NONE, false, "dl_vlan"),
    DL_VLAN_PCP(Kind.UINT, W_VLAN, VLAN0_TCI_SHIFT + 13, 3, false, Prerequisite.NONE, false, "dl_vlan_pcp"),
    /** OpenFlow 1.2's vlan_vid: the VID plus the "present" bit 0x1000. */
    VLAN_VID(Kind.UINT, W_VLAN, VLAN0_TCI_SHIFT, 13, true, Prerequisite.NONE, true, "vlan_vid"),
    VLAN_PCP(Kind.UINT, W_VLAN, VLAN0_TCI_SHIFT + 13, 3, false, Prerequisite.VLAN, true, "vlan_pcp"),
    NW_SRC(Kind.IPV4, W_NW_ADDR, NW_SRC_SHIFT, 32, true, Prerequisite.IPV4, true, "nw_src", "ip_src"),
    NW_DST(Kind.IPV4, W_NW_ADDR, NW_DST_SHIFT, 32, true, Prerequisite.IPV4, true, "nw_dst", "ip_dst"),
    IPV6_SRC(Kind.IPV6, W_IPV6_SRC, 0, 128, true, Prerequisite.IPV6, true, "ipv6_src"),
    IPV6_DST(Kind.IPV6, W_IPV6_DST, 0, 128, true, Prerequisite.IPV6, true, "ipv6_dst"),
    IPV6_LABEL(Kind.UINT, W_NW, IPV6_LABEL_SHIFT, 20, true, Prerequisite.IPV6, true, "ipv6_label"),
    NW_PROTO(Kind.UINT, W_NW, NW_PROTO_SHIFT, 8, false, Prerequisite.IP_ANY, false, "nw_proto", "ip_proto"),
    /** The DSCP bits of the TOS byte, in place (a multiple of 4). */
    NW_TOS(Kind.UINT, W_NW, NW_TOS_SHIFT, 8, false, Prerequisite.IP_ANY, true, "nw_tos"),
    /** The DSCP value, shifted down (0..63). */
    IP_DSCP(Kind.UINT, W_NW, NW_TOS_SHIFT + 2, 6, false, Prerequisite.IP_ANY, true, "ip_dscp"),
    NW_ECN(Kind.UINT, W_NW, NW_TOS_SHIFT, 2, false, Prerequisite.IP_ANY, true, "nw_ecn", "ip_ecn"),
    NW_TTL(Kind.UINT, W_NW, NW_TTL_SHIFT, 8, false, Prerequisite.IP_ANY, true, "nw_ttl"),
    NW_FRAG(Kind.FRAG, W_NW, NW_FRAG_SHIFT, 2, true, Prerequisite.IP_ANY, false, "nw_frag", "ip_frag"),
    TP_SRC(Kind.UINT, W_L4, TP_SRC_SHIFT, 16, true, Prerequisite.L4, true, "tp_src"),
    TP_DST(Kind.UINT, W_L4, TP_DST_SHIFT, 16, true, Prerequisite.L4, true, "tp_dst"),
    TCP_SRC(Kind.UINT, W_L4, TP_SRC_SHIFT, 16, true, Prerequisite.TCP, true, "tcp_src"),
    TCP_DST(Kind.UINT, W_L4, TP_DST_SHIFT, 16, true, Prerequisite.TCP, true, "tcp_dst"),
    UDP_SRC(Kind.UINT, W_L4, TP_SRC_SHIFT, 16, true, Prerequisite.UDP, true, "udp_src"),
    UDP_DST(Kind.UINT, W_L4, TP_DST_SHIFT, 16, true, Prerequisite.UDP, true, "udp_dst"),
    SCTP_SRC(Kind.UINT, W_L4, TP_SRC_SHIFT, 16, true, Prerequisite.SCTP, true, "sctp_src"),
    SCTP_DST(Kind.UINT, W_L4, TP_DST_SHIFT, 16, true, Prerequisite.SCTP, true, "sctp_dst"),
    TCP_FLAGS(Kind.TCP_FLAGS, W_ARP_SHA, TCP_FLAGS_SHIFT, 12, true, Prerequisite.TCP, false, "tcp_flags"),
    ICMP_TYPE(Kind.UINT, W_L4, TP_SRC_SHIFT, 8, false, Prerequisite.ICMPV4, false, "icmp_type"),
    ICMP_CODE(Kind.UINT, W_L4, TP_DST_SHIFT, 8, false, Prerequisite.ICMPV4, false, "icmp_code"),
    ICMPV6_TYPE(Kind.UINT, W_L4, TP_SRC_SHIFT, 8, false, Prerequisite.ICMPV6, false, "icmpv6_type"),
    ICMPV6_CODE(Kind.UINT, W_L4, TP_DST_SHIFT, 8, false, Prerequisite.ICMPV6, false, "icmpv6_code"),
    ARP_OP(Kind.UINT, W_NW, NW_PROTO_SHIFT, 8, false, Prerequisite.ARP, true, "arp_op"),
    ARP_SPA(Kind.IPV4, W_NW_ADDR, NW_SRC_SHIFT, 32, true, Prerequisite.ARP, true, "arp_spa"),
    ARP_TPA(Kind.IPV4, W_NW_ADDR, NW_DST_SHIFT, 32, true, Prerequisite.ARP, true, "arp_tpa"),
    ARP_SHA(Kind.MAC, W_ARP_SHA, 0, 48, true, Prerequisite.ARP, true, "arp_sha"),
    ARP_THA(Kind.MAC, W_ARP_THA, 0, 48, true, Prerequisite.ARP, true, "arp_tha"),
    ND_TARGET(Kind.IPV6, W_ND_TARGET, 0, 128, true, Prerequisite.ND, true, "nd_target"),
    ND_SLL(Kind.MAC, W_ARP_SHA, 0, 48, true, Prerequisite.ND_SOLICIT, true, "nd_sll"),
    ND_TLL(Kind.MAC, W_ARP_THA, 0, 48, true, Prerequisite.ND_ADVERT, true, "nd_tll");

    /** How a field's value is written in flow syntax. */
    public enum Kind { UINT, MAC, IPV4, IPV6, FRAG, TCP_FLAGS }

    private static final Map<String, OfField> BY_NAME = new HashMap<>();

    static {
        for (OfField f : values()) {
            for (String n : f.names) {
                BY_NAME.put(n, f);
            }
        }
    }

    private final Kind kind;
    private final int word;
    private final int shift;
    private final int bits;
    private final boolean maskable;
    private final Prerequisite prerequisite;
    private final boolean writable;
    private final String[] names;
    private final long valueMask;

    OfField(final Kind kind, final int word, final int shift, final int bits, final boolean maskable,
            final Prerequisite prerequisite, final boolean writable, final String... names) {
        this.kind = kind;
        this.word = word;
        this.shift = shift;
        this.bits = bits;
        this.maskable = maskable;
        this.prerequisite = prerequisite;
        this.writable = writable;
        this.names = names;
        this.valueMask = bits >= 64 ? -1L : (1L << bits) - 1;
    }

    /** The field with this name (any alias), or null. */
    public static OfField byName(final String name) {
        return BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    /** The name Open vSwitch prints for this field. */
    public String displayName() {
        return names[0];
    }

    /**
     * The name OVS prints in {@code set_field:VALUE->NAME}: its field name, which for the
     * addresses is the OpenFlow one (ip_dst, eth_src) where the match prints the legacy one.
     */
    public String setFieldName() {
        return switch (this) {
            case NW_SRC -> "ip_src";
            case NW_DST -> "ip_dst";
            case ETH_SRC -> "eth_src";
            case ETH_DST -> "eth_dst";
            default -> displayName();
        };
    }

    /**
     * The NXM or OXM name OVS prints for a masked write, {@code load:VALUE->NAME[BITS]} (OpenFlow
     * 1.3 has no masked set_field, so ovs-ofctl sends and shows one as loads), or null for a field
     * no load writes.
     */
    public String nxmName() {
        return switch (this) {
            case ETH_SRC -> "NXM_OF_ETH_SRC";
            case ETH_DST -> "NXM_OF_ETH_DST";
            case VLAN_TCI -> "NXM_OF_VLAN_TCI";
            case VLAN_VID -> "OXM_OF_VLAN_VID";
            case NW_SRC -> "NXM_OF_IP_SRC";
            case NW_DST -> "NXM_OF_IP_DST";
            case IPV6_SRC -> "NXM_NX_IPV6_SRC";
            case IPV6_DST -> "NXM_NX_IPV6_DST";
            case IPV6_LABEL -> "NXM_NX_IPV6_LABEL";
            case NW_TOS -> "NXM_OF_IP_TOS";
            case NW_ECN -> "NXM_NX_IP_ECN";
            case NW_TTL -> "NXM_NX_IP_TTL";
            case ARP_OP -> "NXM_OF_ARP_OP";
            case TP_SRC, TCP_SRC -> "NXM_OF_TCP_SRC";
            case TP_DST, TCP_DST -> "NXM_OF_TCP_DST";
            case UDP_SRC -> "NXM_OF_UDP_SRC";
            case UDP_DST -> "NXM_OF_UDP_DST";
            case SCTP_SRC -> "OXM_OF_SCTP_SRC";
            case SCTP_DST -> "OXM_OF_SCTP_DST";
            case ARP_SPA -> "NXM_OF_ARP_SPA";
            case ARP_TPA -> "NXM_OF_ARP_TPA";
            case ARP_SHA -> "NXM_NX_ARP_SHA";
            case ARP_THA -> "NXM_NX_ARP_THA";
            case ND_TARGET -> "NXM_NX_ND_TARGET";
            case ND_SLL -> "NXM_NX_ND_SLL";
            case ND_TLL -> "NXM_NX_ND_TLL";
            default -> null;
        };
    }

    /** The writable field whose {@link #nxmName()} is {@code name} (case-insensitive), or null. */
    public static OfField byNxmName(final String name) {
        for (OfField f : values()) {
            if (f.writable && name.equalsIgnoreCase(f.nxmName()) && f != TP_SRC && f != TP_DST) {
                return f;
            }
        }
        return null;
    }

    public Kind kind() {
        return kind;
    }

    public int bits() {
        return bits;
    }

    public boolean maskable() {
        return maskable;
    }

    public Prerequisite prerequisite() {
        return prerequisite;
    }

    /** True if {@code set_field} may write this field. */
    public boolean writable() {
        return writable;
    }

    public boolean wide() {
        return bits == 128;
    }

    /**
     * Bits a value may have. nw_tos holds the DSCP bits of the TOS byte in place, so its two low
     * (ECN) bits are never part of it.
     */
    public long valueMask() {
        return this == NW_TOS ? 0xFC : valueMask;
    }

    /**
     * True if writing this field makes nw_proto part of the megaflow, as Open vSwitch 3.1 does for
     * every {@code set_field} on an IP or ARP header field (it needs to know whether the header is
     * really there; ARP's opcode is in nw_proto); its native DSCP action ({@code mod_nw_tos},
     * {@code ip_dscp}) does not.
     */
    public boolean writeConsultsNwProto() {
        return switch (this) {
            case NW_SRC, NW_DST, IPV6_SRC, IPV6_DST, IPV6_LABEL, NW_TOS, NW_ECN, NW_TTL -> true;
            case ARP_SPA, ARP_TPA, ARP_SHA, ARP_THA -> true;
            default -> false;
        };
    }

    // ---- narrow fields (at most 64 bits) ----

    /** The field's value in {@code key} (right-aligned). Narrow fields only. */
    public long get(final long[] key) {
        return (key[word] >>> shift) & valueMask;
    }

    /** ORs {@code bits} (right-aligned) into the field in {@code mask}. */
    public void orMask(final long[] mask, final long bitsToSet) {
        mask[word] |= (bitsToSet & valueMask()) << shift;
    }

    /** Writes the bits of {@code value} selected by {@code mask} into {@code key}. */
    public void write(final long[] key, final long value, final long mask) {
        final long m = (mask & valueMask()) << shift;
        key[word] = (key[word] & ~m) | ((value << shift) & m);
    }

    // ---- wide fields (128 bits: high word at word(), low word after it) ----

    public long getHi(final long[] key) {
        return wide() ? key[word] : 0;
    }

    public long getLo(final long[] key) {
        return wide() ? key[word + 1] : get(key);
    }

    public void orMask(final long[] mask, final long hi, final long lo) {
        if (wide()) {
            mask[word] |= hi;
            mask[word + 1] |= lo;
        } else {
            orMask(mask, lo);
        }
    }

    public void write(final long[] key, final long hi, final long lo, final long maskHi, final long maskLo) {
        if (wide()) {
            key[word] = (key[word] & ~maskHi) | (hi & maskHi);
            key[word + 1] = (key[word + 1] & ~maskLo) | (lo & maskLo);
        } else {
            write(key, lo, maskLo);
        }
    }

    /** The value as flow syntax prints it (decimal numbers, MAC and IP address notation). */
    public String formatValue(final long hi, final long lo) {
        return switch (kind) {
            case MAC -> FieldText.mac(lo);
            case IPV4 -> FieldText.ipv4((int) lo);
            case IPV6 -> FieldText.ipv6(hi, lo);
            case UINT, FRAG, TCP_FLAGS -> this == DL_TYPE || this == VLAN_TCI || this == IPV6_LABEL || this == VLAN_VID
                    ? "0x" + Long.toHexString(lo) : Long.toString(lo);
        };
    }
}
