package io.flowgate.slowpath.classifier;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.slowpath.ofproto.Match;

/**
 * What a packet (or a rule's match) must be before a field means anything: a transport port
 * needs TCP, UDP or SCTP, an ND target needs an ICMPv6 neighbour message, and so on. Mirrors
 * Open vSwitch's {@code MFP_*} prerequisites.
 */
public enum Prerequisite {
    NONE("none"),
    VLAN("a VLAN tag (dl_vlan or vlan_tci with the present bit)"),
    ARP("arp or rarp"),
    IPV4("ip"),
    IPV6("ipv6"),
    IP_ANY("ip or ipv6"),
    TCP("tcp or tcp6"),
    UDP("udp or udp6"),
    SCTP("sctp or sctp6"),
    L4("tcp, udp or sctp"),
    ICMPV4("icmp"),
    ICMPV6("icmp6"),
    ND("icmp6 with icmp_type=135 or 136"),
    ND_SOLICIT("icmp6 with icmp_type=135"),
    ND_ADVERT("icmp6 with icmp_type=136");

    private final String description;

    Prerequisite(final String description) {
        this.description = description;
    }

    /** What the prerequisite requires, in flow syntax words (for error messages). */
    public String description() {
        return description;
    }

    /**
     * True if a rule's match implies this prerequisite: the fields it depends on are matched
     * exactly, with acceptable values (Open vSwitch's {@code mf_are_match_prereqs_ok}).
     */
    public boolean satisfiedBy(final Match match) {
        final long[] v = match.value();
        final long[] m = match.mask();
        final boolean typeExact = FlowField.DL_TYPE.get(m) == 0xFFFF;
        final int dlType = (int) FlowField.DL_TYPE.get(v);
        final boolean protoExact = FlowField.NW_PROTO.get(m) == 0xFF;
        final int proto = (int) FlowField.NW_PROTO.get(v);
        final boolean ip = typeExact && (dlType == ETH_TYPE_IP || dlType == ETH_TYPE_IPV6);
        return switch (this) {
            case NONE -> true;
            case VLAN -> (FlowField.VLAN0_TCI.get(m) & VLAN_CFI) != 0 && (FlowField.VLAN0_TCI.get(v) & VLAN_CFI) != 0;
            case ARP -> typeExact && (dlType == ETH_TYPE_ARP || dlType == ETH_TYPE_RARP);
            case IPV4 -> typeExact && dlType == ETH_TYPE_IP;
            case IPV6 -> typeExact && dlType == ETH_TYPE_IPV6;
            case IP_ANY -> ip;
            case TCP -> ip && protoExact && proto == IPPROTO_TCP;
            case UDP -> ip && protoExact && proto == IPPROTO_UDP;
            case SCTP -> ip && protoExact && proto == IPPROTO_SCTP;
            case L4 -> ip && protoExact && (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP);
            case ICMPV4 -> typeExact && dlType == ETH_TYPE_IP && protoExact && proto == IPPROTO_ICMP;
            case ICMPV6 -> typeExact && dlType == ETH_TYPE_IPV6 && protoExact && proto == IPPROTO_ICMPV6;
            case ND, ND_SOLICIT, ND_ADVERT -> ICMPV6.satisfiedBy(match)
                    && FlowField.TP_SRC.get(m) == 0xFFFF && ndType(FlowField.TP_SRC.get(v))
                    && FlowField.TP_DST.get(v) == 0;
        };
    }

    private boolean ndType(final long type) {
        return switch (this) {
            case ND_SOLICIT -> type == 135;
            case ND_ADVERT -> type == 136;
            default -> type == 135 || type == 136;
        };
    }

    /**
     * True if the packet key {@code flow} has this prerequisite; the fields looked at are added to
     * {@code wc} (Open vSwitch's {@code mf_are_prereqs_ok} with wildcards).
     */
    public boolean satisfiedBy(final long[] flow, final long[] wc) {
        final int dlType = (int) FlowField.DL_TYPE.get(flow);
        final boolean ip = dlType == ETH_TYPE_IP || dlType == ETH_TYPE_IPV6;
        final int proto = (int) FlowField.NW_PROTO.get(flow);
        switch (this) {
            case NONE:
                return true;
            case VLAN:
                FlowField.VLAN0_TCI.or(wc, VLAN_CFI);
                return (FlowField.VLAN0_TCI.get(flow) & VLAN_CFI) != 0;
            case ARP:
                return dlType == ETH_TYPE_ARP || dlType == ETH_TYPE_RARP;
            case IPV4:
                return dlType == ETH_TYPE_IP;
            case IPV6:
                return dlType == ETH_TYPE_IPV6;
            case IP_ANY:
                return ip;
            default:
                break;
        }
        if (!ip) {
            return false;
        }
        FlowField.NW_PROTO.or(wc, 0xFF);
        return switch (this) {
            case TCP -> proto == IPPROTO_TCP;
            case UDP -> proto == IPPROTO_UDP;
            case SCTP -> proto == IPPROTO_SCTP;
            case L4 -> proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
            case ICMPV4 -> dlType == ETH_TYPE_IP && proto == IPPROTO_ICMP;
            case ICMPV6 -> dlType == ETH_TYPE_IPV6 && proto == IPPROTO_ICMPV6;
            case ND, ND_SOLICIT, ND_ADVERT -> {
                if (dlType != ETH_TYPE_IPV6 || proto != IPPROTO_ICMPV6) {
                    yield false;
                }
                FlowField.TP_DST.or(wc, 0xFFFF);
                if (FlowField.TP_DST.get(flow) != 0) {
                    yield false;
                }
                FlowField.TP_SRC.or(wc, 0xFFFF);
                yield ndType(FlowField.TP_SRC.get(flow));
            }
            default -> throw new AssertionError(this);
        };
    }
}
