package io.flowgate.fastpath.flow;

/**
 * The flow key: every header field the datapath can match on, laid out as {@value #WORDS} 64-bit
 * words. Keys live in rows of a per-batch {@code long[]} matrix (a row starts at {@code offset}),
 * never as one object per packet; the slow path keeps single keys in a {@code long[WORDS]}.
 *
 * <p>The words are ordered by lookup stage (metadata, L2, L3, L4), like Open vSwitch's
 * {@code struct flow}, so that staged lookup can stop after any stage:
 *
 * <pre>
 * word  stage     bits 63 ......................................................... 0
 *  0    metadata  [ reserved 32                     | in_port 32                    ]
 *  1    L2        [ dl_type 16     | eth_dst 48                                     ]
 *  2    L2        [ reserved 16    | eth_src 48                                     ]
 *  3    L2        [ vlan0 tpid 16  | vlan0 tci 16   | vlan1 tpid 16 | vlan1 tci 16  ]
 *  4    L3        [ nw_src 32 (IPv4 source, ARP spa) | nw_dst 32 (IPv4 dest, ARP tpa)]
 *  5-6  L3        ipv6_src (5 = high 64 bits)
 *  7-8  L3        ipv6_dst
 *  9    L3        [ 0 8 | nw_proto 8 | nw_tos 8 | nw_ttl 8 | nw_frag 8 | 0 4 | ipv6_label 20 ]
 * 10    L4        [ tcp_flags 16 | arp_sha / nd_sll 48                              ]
 * 11    L4        [ 0 16 | arp_tha / nd_tll 48                                      ]
 * 12-13 L4        nd_target
 * 14    L4        [ tp_src 16      | tp_dst 16      | 0 32                          ]
 * </pre>
 *
 * <p>Conventions follow OVS so that its flow syntax maps one to one: a VLAN tci has the CFI bit
 * ({@value #VLAN_CFI}) set when the tag is present; an ARP packet carries its opcode in nw_proto;
 * ICMP and ICMPv6 put type and code in tp_src and tp_dst; nw_frag holds {@link #FRAG_ANY} and
 * {@link #FRAG_LATER}; an 802.3 frame without SNAP has dl_type {@value #DL_TYPE_NONE}. The stage
 * boundaries are OVS's: its L4 segment starts at nd_target, so the ND/ARP hardware addresses and
 * tcp_flags are looked up together with the transport ports.
 */
public final class FlowKey {
    /** Words in a key (and in a mask). */
    public static final int WORDS = 15;

    public static final int W_IN_PORT = 0;
    public static final int W_ETH_DST = 1;
    public static final int W_ETH_SRC = 2;
    public static final int W_VLAN = 3;
    public static final int W_NW_ADDR = 4;
    public static final int W_IPV6_SRC = 5;
    public static final int W_IPV6_DST = 7;
    public static final int W_NW = 9;
    public static final int W_ARP_SHA = 10;
    public static final int W_ARP_THA = 11;
    public static final int W_ND_TARGET = 12;
    public static final int W_L4 = 14;

    /**
     * Words the parser leaves zero in every IPv4 key (IPv6 addresses, ARP target hardware address,
     * ND target): exact-match comparisons of two IPv4 keys may skip them.
     */
    public static boolean zeroInIpv4(final int word) {
        return (word >= W_IPV6_SRC && word < W_NW) || (word > W_ARP_SHA && word < W_L4);
    }

    /** First word after each lookup stage (staged lookup checks one stage at a time). */
    public static final int STAGE_METADATA_END = 1;
    public static final int STAGE_L2_END = 4;
    public static final int STAGE_L3_END = 10;
    public static final int STAGE_L4_END = WORDS;

    public static final int DL_TYPE_SHIFT = 48;
    public static final int VLAN0_TPID_SHIFT = 48;
    public static final int VLAN0_TCI_SHIFT = 32;
    public static final int VLAN1_TPID_SHIFT = 16;
    public static final int VLAN1_TCI_SHIFT = 0;
    public static final int NW_SRC_SHIFT = 32;
    public static final int NW_DST_SHIFT = 0;
    public static final int NW_PROTO_SHIFT = 48;
    public static final int NW_TOS_SHIFT = 40;
    public static final int NW_TTL_SHIFT = 32;
    public static final int NW_FRAG_SHIFT = 24;
    public static final int IPV6_LABEL_SHIFT = 0;
    public static final int TP_SRC_SHIFT = 48;
    public static final int TP_DST_SHIFT = 32;
    /** tcp_flags sit in the top 16 bits of {@link #W_ARP_SHA}. */
    public static final int TCP_FLAGS_SHIFT = 48;

    public static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;

    /** nw_frag: the packet is a fragment (first or later). */
    public static final int FRAG_ANY = 1;
    /** nw_frag: the packet is a fragment other than the first. */
    public static final int FRAG_LATER = 2;
    public static final int FRAG_MASK = FRAG_ANY | FRAG_LATER;

    /** The "tag present" bit OVS keeps in a VLAN tci (it is the CFI/DEI bit on the wire). */
    public static final int VLAN_CFI = 0x1000;
    public static final int VLAN_VID_MASK = 0x0FFF;
    public static final int VLAN_PCP_MASK = 0xE000;
    public static final int VLAN_PCP_SHIFT = 13;

    public static final int ETH_TYPE_IP = 0x0800;
    public static final int ETH_TYPE_ARP = 0x0806;
    public static final int ETH_TYPE_RARP = 0x8035;
    public static final int ETH_TYPE_VLAN_8021Q = 0x8100;
    public static final int ETH_TYPE_VLAN_8021AD = 0x88A8;
    public static final int ETH_TYPE_IPV6 = 0x86DD;
    /** dl_type of an 802.3 frame that carries no SNAP header (OVS's FLOW_DL_TYPE_NONE). */
    public static final int DL_TYPE_NONE = 0x05FF;

    public static final int IPPROTO_HOPOPTS = 0;
    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_IGMP = 2;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ROUTING = 43;
    public static final int IPPROTO_FRAGMENT = 44;
    public static final int IPPROTO_AH = 51;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int IPPROTO_NONE = 59;
    public static final int IPPROTO_DSTOPTS = 60;
    public static final int IPPROTO_SCTP = 132;

    private FlowKey() {
    }

    public static int inPort(final long[] k, final int o) {
        return (int) k[o + W_IN_PORT];
    }

    public static int dlType(final long[] k, final int o) {
        return (int) (k[o + W_ETH_DST] >>> DL_TYPE_SHIFT);
    }

    public static long ethDst(final long[] k, final int o) {
        return k[o + W_ETH_DST] & MAC_MASK;
    }

    public static long ethSrc(final long[] k, final int o) {
        return k[o + W_ETH_SRC] & MAC_MASK;
    }

    /**
     * Where each key of a batch of {@code n} starts when every key has its own row ({@code i *
     * WORDS}), for the lookups that take a batch's key starts.
     */
    public static int[] rowStarts(final int n) {
        final int[] at = new int[n];
        for (int i = 0; i < n; i++) {
            at[i] = i * WORDS;
        }
        return at;
    }

    /** Outer VLAN tci with {@link #VLAN_CFI} set when a tag is present, 0 otherwise. */
    public static int vlan0Tci(final long[] k, final int o) {
        return (int) (k[o + W_VLAN] >>> VLAN0_TCI_SHIFT) & 0xFFFF;
    }

    public static int vlan0Tpid(final long[] k, final int o) {
        return (int) (k[o + W_VLAN] >>> VLAN0_TPID_SHIFT) & 0xFFFF;
    }

    public static int vlan1Tci(final long[] k, final int o) {
        return (int) (k[o + W_VLAN] >>> VLAN1_TCI_SHIFT) & 0xFFFF;
    }

    public static int vlan1Tpid(final long[] k, final int o) {
        return (int) (k[o + W_VLAN] >>> VLAN1_TPID_SHIFT) & 0xFFFF;
    }

    public static int nwSrc(final long[] k, final int o) {
        return (int) (k[o + W_NW_ADDR] >>> NW_SRC_SHIFT);
    }

    public static int nwDst(final long[] k, final int o) {
        return (int) k[o + W_NW_ADDR];
    }

    public static int nwProto(final long[] k, final int o) {
        return (int) (k[o + W_NW] >>> NW_PROTO_SHIFT) & 0xFF;
    }

    public static int nwTos(final long[] k, final int o) {
        return (int) (k[o + W_NW] >>> NW_TOS_SHIFT) & 0xFF;
    }

    public static int nwTtl(final long[] k, final int o) {
        return (int) (k[o + W_NW] >>> NW_TTL_SHIFT) & 0xFF;
    }

    public static int nwFrag(final long[] k, final int o) {
        return (int) (k[o + W_NW] >>> NW_FRAG_SHIFT) & 0xFF;
    }

    public static int ipv6Label(final long[] k, final int o) {
        return (int) (k[o + W_NW] >>> IPV6_LABEL_SHIFT) & 0xFFFFF;
    }

    public static int tpSrc(final long[] k, final int o) {
        return (int) (k[o + W_L4] >>> TP_SRC_SHIFT) & 0xFFFF;
    }

    public static int tpDst(final long[] k, final int o) {
        return (int) (k[o + W_L4] >>> TP_DST_SHIFT) & 0xFFFF;
    }

    public static int tcpFlags(final long[] k, final int o) {
        return (int) (k[o + W_ARP_SHA] >>> TCP_FLAGS_SHIFT) & 0xFFFF;
    }

    /** A new zeroed key for the slow path and tests. */
    public static long[] newKey() {
        return new long[WORDS];
    }

    /** Copies the key row at {@code from[fromOffset]} into a fresh array. */
    public static long[] copyOf(final long[] from, final int fromOffset) {
        final long[] key = new long[WORDS];
        System.arraycopy(from, fromOffset, key, 0, WORDS);
        return key;
    }

    /** True when the key at {@code k[o]} is IPv4 or IPv6. */
    public static boolean isIp(final long[] k, final int o) {
        final int t = dlType(k, o);
        return t == ETH_TYPE_IP || t == ETH_TYPE_IPV6;
    }

    /** True when {@code dlType} is one of the two VLAN TPIDs the parser understands. */
    public static boolean isVlanTpid(final int dlType) {
        return dlType == ETH_TYPE_VLAN_8021Q || dlType == ETH_TYPE_VLAN_8021AD;
    }
}
