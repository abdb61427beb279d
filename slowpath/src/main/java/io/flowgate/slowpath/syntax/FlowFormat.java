package io.flowgate.slowpath.syntax;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FieldText;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;

/**
 * Prints keys and masks in Open vSwitch's OpenFlow match syntax, field for field as OVS's
 * {@code match_format} does ({@code tcp,in_port=1,nw_dst=10.1.8.0/21,nw_frag=no,tp_dst=0x40/0xffc0}),
 * so that output can be compared with {@code ovs-ofctl} and {@code ofproto/trace}. (OVS 3.1 has
 * no IGMP shorthand: IGMP prints as {@code ip,nw_proto=2} with tp_src/tp_dst.)
 *
 * <p>It lives beside {@link FlowSyntax}, which reads the same syntax, so that the language is in
 * one place. The fast path does not print this syntax: what the datapath shows of its flows is
 * the ODP syntax ({@code fastpath.odp}); value text both share is {@link FieldText}.
 */
public final class FlowFormat {
    private static final long DSCP_MASK = 0xFC;
    private static final long ECN_MASK = 0x03;

    private FlowFormat() {
    }

    /**
     * Formats {@code match} under {@code mask} (both {@link FlowKey#WORDS} long; {@code match} must be
     * masked already) in OVS's match syntax, without a trailing comma.
     *
     * @param recirc true to start with {@code recirc_id=0,eth,} as OVS's megaflow lines do
     */
    public static String match(final long[] match, final long[] mask, final boolean recirc) {
        final StringBuilder s = new StringBuilder(128);
        if (recirc) {
            s.append("recirc_id=0,eth,");
        }
        boolean skipType = false;
        boolean skipProto = false;
        final int dlType = (int) FlowField.DL_TYPE.get(match);
        final boolean typeMasked = FlowField.DL_TYPE.get(mask) != 0;
        final boolean protoMasked = FlowField.NW_PROTO.get(mask) != 0;
        final int proto = (int) FlowField.NW_PROTO.get(match);
        if (typeMasked) {
            skipType = true;
            if (dlType == ETH_TYPE_IP || dlType == ETH_TYPE_IPV6) {
                final boolean v6 = dlType == ETH_TYPE_IPV6;
                final String suffix = v6 ? "6" : "";
                if (!protoMasked) {
                    s.append(v6 ? "ipv6," : "ip,");
                } else {
                    skipProto = true;
                    switch (proto) {
                        case IPPROTO_TCP -> s.append("tcp").append(suffix).append(',');
                        case IPPROTO_UDP -> s.append("udp").append(suffix).append(',');
                        case IPPROTO_SCTP -> s.append("sctp").append(suffix).append(',');
                        case IPPROTO_ICMP -> {
                            if (v6) {
                                s.append("ipv6,");
                                skipProto = false;
                            } else {
                                s.append("icmp,");
                            }
                        }
                        case IPPROTO_ICMPV6 -> {
                            if (v6) {
                                s.append("icmp6,");
                            } else {
                                s.append("ip,");
                                skipProto = false;
                            }
                        }
                        default -> {
                            s.append(v6 ? "ipv6," : "ip,");
                            skipProto = false;
                        }
                    }
                }
            } else if (dlType == ETH_TYPE_ARP) {
                s.append("arp,");
            } else if (dlType == ETH_TYPE_RARP) {
                s.append("rarp,");
            } else {
                skipType = false;
            }
        }
        if (FlowField.IN_PORT.get(mask) != 0) {
            s.append("in_port=").append(FlowField.IN_PORT.get(match)).append(',');
        }
        vlan(s, "", FlowField.VLAN0_TCI.get(match), FlowField.VLAN0_TCI.get(mask));
        if (FlowField.VLAN0_TCI.get(mask) != 0) {
            vlan(s, "1", FlowField.VLAN1_TCI.get(match), FlowField.VLAN1_TCI.get(mask));
        }
        eth(s, "dl_src", FlowField.ETH_SRC.get(match), FlowField.ETH_SRC.get(mask));
        eth(s, "dl_dst", FlowField.ETH_DST.get(match), FlowField.ETH_DST.get(mask));
        if (!skipType && typeMasked) {
            s.append("dl_type=0x").append(hex4(dlType)).append(',');
        }
        final boolean arp = dlType == ETH_TYPE_ARP || dlType == ETH_TYPE_RARP;
        if (dlType == ETH_TYPE_IPV6) {
            ipv6(s, "ipv6_src", match[W_IPV6_SRC], match[W_IPV6_SRC + 1], mask[W_IPV6_SRC], mask[W_IPV6_SRC + 1]);
            ipv6(s, "ipv6_dst", match[W_IPV6_DST], match[W_IPV6_DST + 1], mask[W_IPV6_DST], mask[W_IPV6_DST + 1]);
            final long labelMask = FlowField.IPV6_LABEL.get(mask);
            if (labelMask != 0) {
                if (labelMask == 0xFFFFF) {
                    s.append(String.format("ipv6_label=0x%05x", FlowField.IPV6_LABEL.get(match)));
                } else {
                    s.append("ipv6_label=0x").append(Long.toHexString(FlowField.IPV6_LABEL.get(match)))
                            .append("/0x").append(Long.toHexString(labelMask));
                }
                s.append(',');
            }
        } else {
            ipv4(s, arp ? "arp_spa" : "nw_src", FlowField.NW_SRC.get(match), FlowField.NW_SRC.get(mask));
            ipv4(s, arp ? "arp_tpa" : "nw_dst", FlowField.NW_DST.get(match), FlowField.NW_DST.get(mask));
        }
        if (!skipProto && protoMasked) {
            s.append(arp ? "arp_op=" : "nw_proto=").append(proto).append(',');
        }
        if (arp) {
            eth(s, "arp_sha", FlowField.ARP_SHA.get(match), FlowField.ARP_SHA.get(mask));
            eth(s, "arp_tha", FlowField.ARP_THA.get(match), FlowField.ARP_THA.get(mask));
        }
        final long tosMask = FlowField.NW_TOS.get(mask);
        final long tos = FlowField.NW_TOS.get(match);
        if ((tosMask & DSCP_MASK) != 0) {
            s.append("nw_tos=").append(tos & DSCP_MASK).append(',');
        }
        if ((tosMask & ECN_MASK) != 0) {
            s.append("nw_ecn=").append(tos & ECN_MASK).append(',');
        }
        if (FlowField.NW_TTL.get(mask) != 0) {
            s.append("nw_ttl=").append(FlowField.NW_TTL.get(match)).append(',');
        }
        final int fragMask = (int) FlowField.NW_FRAG.get(mask) & FRAG_MASK;
        final int frag = (int) FlowField.NW_FRAG.get(match);
        if (fragMask == FRAG_MASK) {
            s.append("nw_frag=").append((frag & FRAG_ANY) != 0
                    ? ((frag & FRAG_LATER) != 0 ? "later" : "first")
                    : ((frag & FRAG_LATER) != 0 ? "<error>" : "no")).append(',');
        } else if (fragMask == FRAG_ANY) {
            s.append("nw_frag=").append((frag & FRAG_ANY) != 0 ? "yes" : "no").append(',');
        } else if (fragMask == FRAG_LATER) {
            s.append("nw_frag=").append((frag & FRAG_LATER) != 0 ? "later" : "not_later").append(',');
        }
        final long tpSrc = FlowField.TP_SRC.get(match);
        final long tpDst = FlowField.TP_DST.get(match);
        final long tpSrcMask = FlowField.TP_SRC.get(mask);
        final long tpDstMask = FlowField.TP_DST.get(mask);
        if (dlType == ETH_TYPE_IP && proto == IPPROTO_ICMP) {
            be16(s, "icmp_type", tpSrc, tpSrcMask);
            be16(s, "icmp_code", tpDst, tpDstMask);
        } else if (dlType == ETH_TYPE_IPV6 && proto == IPPROTO_ICMPV6) {
            be16(s, "icmp_type", tpSrc, tpSrcMask);
            be16(s, "icmp_code", tpDst, tpDstMask);
            ipv6(s, "nd_target", match[W_ND_TARGET], match[W_ND_TARGET + 1], mask[W_ND_TARGET], mask[W_ND_TARGET + 1]);
            eth(s, "nd_sll", FlowField.ARP_SHA.get(match), FlowField.ARP_SHA.get(mask));
            eth(s, "nd_tll", FlowField.ARP_THA.get(match), FlowField.ARP_THA.get(mask));
        } else {
            be16(s, "tp_src", tpSrc, tpSrcMask);
            be16(s, "tp_dst", tpDst, tpDstMask);
        }
        final long flagsMask = FlowField.TCP_FLAGS.get(mask) & 0x0FFF;
        if ((dlType == ETH_TYPE_IP || dlType == ETH_TYPE_IPV6) && proto == IPPROTO_TCP && flagsMask != 0) {
            s.append("tcp_flags=");
            tcpFlags(s, FlowField.TCP_FLAGS.get(match) & 0x0FFF, flagsMask);
            s.append(',');
        }
        if (!s.isEmpty() && s.charAt(s.length() - 1) == ',') {
            s.setLength(s.length() - 1);
        }
        return s.toString();
    }

    /** One packet's flow in OVS's syntax, e.g. {@code udp,in_port=1,vlan_tci=0x0000,dl_src=...}. */
    public static String flow(final long[] key) {
        final long[] mask = FlowMask.relevantFields(key);
        final long[] match = new long[WORDS];
        for (int i = 0; i < WORDS; i++) {
            match[i] = key[i] & mask[i];
        }
        return match(match, mask, false);
    }

    private static void vlan(final StringBuilder s, final String index, final long tci, final long tciMask) {
        if (tciMask == 0) {
            return;
        }
        final long vidMask = tciMask & VLAN_VID_MASK;
        final long pcpMask = tciMask & VLAN_PCP_MASK;
        final boolean cfi = (tciMask & VLAN_CFI) != 0;
        if (cfi && (tci & VLAN_CFI) != 0
                && (vidMask == 0 || vidMask == VLAN_VID_MASK)
                && (pcpMask == 0 || pcpMask == VLAN_PCP_MASK)
                && (vidMask != 0 || pcpMask != 0)) {
            if (vidMask != 0) {
                s.append("dl_vlan").append(index).append('=').append(tci & VLAN_VID_MASK).append(',');
            }
            if (pcpMask != 0) {
                s.append("dl_vlan_pcp").append(index).append('=').append((tci & VLAN_PCP_MASK) >>> VLAN_PCP_SHIFT).append(',');
            }
        } else if (tciMask == 0xFFFF) {
            s.append("vlan_tci").append(index).append("=0x").append(hex4(tci)).append(',');
        } else {
            s.append("vlan_tci").append(index).append("=0x").append(hex4(tci)).append("/0x").append(hex4(tciMask)).append(',');
        }
    }

    private static void eth(final StringBuilder s, final String name, final long mac, final long mask) {
        if (mask == 0) {
            return;
        }
        s.append(name).append('=').append(FieldText.mac(mac));
        if (mask != MAC_MASK) {
            s.append('/').append(FieldText.mac(mask));
        }
        s.append(',');
    }

    private static void ipv4(final StringBuilder s, final String name, final long addr, final long mask) {
        if (mask == 0) {
            return;
        }
        s.append(name).append('=').append(FieldText.ipv4((int) addr));
        if (mask != 0xFFFF_FFFFL) {
            final int prefix = FieldText.cidrLength32((int) mask);
            if (prefix >= 0) {
                s.append('/').append(prefix);
            } else {
                s.append('/').append(FieldText.ipv4((int) mask));
            }
        }
        s.append(',');
    }

    private static void ipv6(final StringBuilder s, final String name, final long hi, final long lo,
                             final long maskHi, final long maskLo) {
        if (maskHi == 0 && maskLo == 0) {
            return;
        }
        s.append(name).append('=').append(FieldText.ipv6(hi, lo));
        if (maskHi != -1L || maskLo != -1L) {
            final int prefix = FieldText.cidrLength128(maskHi, maskLo);
            if (prefix >= 0) {
                s.append('/').append(prefix);
            } else {
                s.append('/').append(FieldText.ipv6(maskHi, maskLo));
            }
        }
        s.append(',');
    }

    private static void be16(final StringBuilder s, final String name, final long value, final long mask) {
        if (mask == 0) {
            return;
        }
        if (mask == 0xFFFF) {
            s.append(name).append('=').append(value).append(',');
        } else {
            s.append(name).append("=0x").append(Long.toHexString(value)).append("/0x").append(Long.toHexString(mask)).append(',');
        }
    }

    /** OVS's format_flags_masked over the 12 TCP flag bits. */
    public static void tcpFlags(final StringBuilder s, final long flags, final long mask) {
        if (mask == 0x0FFF) {
            if (flags == 0) {
                s.append('0');
                return;
            }
            boolean first = true;
            for (int bit = 0; bit < 12; bit++) {
                if ((flags & (1L << bit)) != 0) {
                    if (!first) {
                        s.append('|');
                    }
                    s.append(FieldText.tcpFlagName(bit));
                    first = false;
                }
            }
            return;
        }
        FieldText.tcpFlagsMasked(s, flags, mask);
    }

    private static String hex4(final long v) {
        final String h = Long.toHexString(v);
        return "0000".substring(Math.min(4, h.length())) + h;
    }
}
