package io.flowgate.slowpath.xlate;

import static io.flowgate.fastpath.flow.FlowKey.ETH_TYPE_IP;
import static io.flowgate.fastpath.flow.FlowKey.ETH_TYPE_IPV6;
import static io.flowgate.fastpath.flow.FlowKey.IPPROTO_ICMP;
import static io.flowgate.fastpath.flow.FlowKey.IPPROTO_SCTP;
import static io.flowgate.fastpath.flow.FlowKey.IPPROTO_TCP;
import static io.flowgate.fastpath.flow.FlowKey.IPPROTO_UDP;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.slowpath.classifier.Prerequisite;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.OfField;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The {@code hash} selection method of select groups, the one that keeps no state, computed as
 * Open vSwitch 3.1 computes it so that a packet goes to the bucket OVS sends it to:
 *
 * <ul>
 * <li>with {@code fields(...)}: OVS's pick_hash_fields_select_group. The fields are taken in
 * OVS's field order (not the order written); a field whose prerequisites the packet does not
 * meet is neither hashed nor made exact (the prerequisites it was checked against are); the
 * others are hashed, each as its bytes in network order, and made exact;</li>
 * <li>without fields (and for a select group with no selection method): OVS's default hash,
 * flow_hash_symmetric_l4 over the Ethernet addresses, the VLAN ids, the IP addresses, the
 * protocol and (TCP and SCTP only) the ports, each pair folded by XOR so both directions of a
 * connection pick the same bucket.</li>
 * </ul>
 * Each bucket scores {@code (hash_int(bucket_id, hash) & 0xffff) * weight}; the last best wins.
 * OVS 3.1 gives a select group without a selection method dp_hash with recirculation where its
 * datapath can; Flowgate's datapath has no recirculation and uses the default hash above, the
 * one OVS falls back to.
 */
final class HashSelect {
    /** OpenFlow's and OVS's names of transport ports: tp_src is tcp_src (and so needs TCP). */
    private static final List<OfField> OVS_ORDER = List.of(OfField.ETH_SRC, OfField.ETH_DST, OfField.DL_TYPE,
            OfField.VLAN_TCI, OfField.DL_VLAN, OfField.VLAN_VID, OfField.DL_VLAN_PCP, OfField.VLAN_PCP, OfField.NW_SRC,
            OfField.NW_DST, OfField.IPV6_SRC, OfField.IPV6_DST, OfField.IPV6_LABEL, OfField.NW_PROTO, OfField.NW_TOS,
            OfField.IP_DSCP, OfField.NW_ECN, OfField.NW_TTL, OfField.NW_FRAG, OfField.ARP_OP, OfField.ARP_SPA,
            OfField.ARP_TPA, OfField.ARP_SHA, OfField.ARP_THA, OfField.TCP_SRC, OfField.TCP_DST, OfField.TCP_FLAGS,
            OfField.UDP_SRC, OfField.UDP_DST, OfField.SCTP_SRC, OfField.SCTP_DST, OfField.ICMP_TYPE, OfField.ICMP_CODE,
            OfField.ICMPV6_TYPE, OfField.ICMPV6_CODE, OfField.ND_TARGET, OfField.ND_SLL, OfField.ND_TLL);

    private HashSelect() {
    }

    /** The bucket for the packet {@code flow}; the bits the choice read join {@code wc}. */
    static Bucket select(final Group group, final long[] flow, final long[] wc) {
        final int hash = group.hashFields().isEmpty() ? symmetricL4(flow, wc) : fields(group.hashFields(), flow, wc);
        Bucket best = null;
        long bestScore = 0;
        for (Bucket b : group.buckets()) {
            final long score = (OvsHash.hashInt(b.bucketId(), hash) & 0xFFFFL) * b.weight();
            if (score >= bestScore) {
                best = b;
                bestScore = score;
            }
        }
        return best;
    }

    /** pick_hash_fields_select_group's hash (selection_method_param 0). */
    private static int fields(final List<OfField> given, final long[] flow, final long[] wc) {
        final List<OfField> fields = new ArrayList<>();
        for (OfField f : given) {
            final OfField ovs = f == OfField.TP_SRC ? OfField.TCP_SRC : f == OfField.TP_DST ? OfField.TCP_DST : f;
            if (!fields.contains(ovs)) {
                fields.add(ovs);
            }
        }
        fields.sort(Comparator.comparingInt(OVS_ORDER::indexOf));
        int basis = OvsHash.hashUint64(0);
        final byte[] value = new byte[16];
        for (OfField f : fields) {
            final Prerequisite p = f.prerequisite();
            if (!p.satisfiedBy(flow, wc)) {
                continue;
            }
            final int n = bytes(f);
            if (f.wide()) {
                put(value, 0, f.getHi(flow), 8);
                put(value, 8, f.getLo(flow), 8);
                f.orMask(wc, -1L, -1L);
            } else {
                put(value, 0, f.get(flow), n);
                f.orMask(wc, -1L);
            }
            basis = OvsHash.hashBytes(value, n, basis);
        }
        return basis;
    }

    /** The field's size in OVS (its value in network order, in bytes). */
    private static int bytes(final OfField f) {
        return switch (f) {
            case IPV6_LABEL -> 4;
            case ARP_OP -> 2;
            default -> (f.bits() + 7) / 8;
        };
    }

    private static void put(final byte[] b, final int at, final long v, final int n) {
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) (v >>> (8 * (n - 1 - i)));
        }
    }

    /**
     * flow_hash_symmetric_l4 over OVS's 32-byte struct (IP address XOR at 0, eth_type at 16, VLAN
     * ids at 18, port XOR at 20, Ethernet address XOR at 22, protocol at 28), with the
     * wildcards flow_mask_hash_fields(NX_HASH_FIELDS_SYMMETRIC_L4) un-wildcards.
     */
    private static int symmetricL4(final long[] flow, final long[] wc) {
        final byte[] s = new byte[32];
        final int type = (int) FlowField.DL_TYPE.get(flow);
        final int proto = (int) FlowField.NW_PROTO.get(flow);
        final boolean ip = type == ETH_TYPE_IP || type == ETH_TYPE_IPV6;
        put(s, 22, FlowField.ETH_SRC.get(flow) ^ FlowField.ETH_DST.get(flow), 6);
        FlowField.ETH_SRC.or(wc, -1);
        FlowField.ETH_DST.or(wc, -1);
        put(s, 18, (FlowField.VLAN0_TCI.get(flow) ^ FlowField.VLAN1_TCI.get(flow)) & 0x0FFF, 2);
        FlowField.VLAN0_TCI.or(wc, 0x1FFF);
        FlowField.VLAN1_TCI.or(wc, 0x1FFF);
        put(s, 16, type, 2);
        if (type == ETH_TYPE_IP) {
            put(s, 0, FlowField.NW_SRC.get(flow) ^ FlowField.NW_DST.get(flow), 4);
            FlowField.NW_SRC.or(wc, -1);
            FlowField.NW_DST.or(wc, -1);
        } else if (type == ETH_TYPE_IPV6) {
            put(s, 0, FlowField.IPV6_SRC_HI.get(flow) ^ FlowField.IPV6_DST_HI.get(flow), 8);
            put(s, 8, FlowField.IPV6_SRC_LO.get(flow) ^ FlowField.IPV6_DST_LO.get(flow), 8);
            FlowField.IPV6_SRC_HI.or(wc, -1);
            FlowField.IPV6_SRC_LO.or(wc, -1);
            FlowField.IPV6_DST_HI.or(wc, -1);
            FlowField.IPV6_DST_LO.or(wc, -1);
        }
        if (ip) {
            s[28] = (byte) proto;
            if (proto == IPPROTO_TCP || proto == IPPROTO_SCTP) {
                put(s, 20, FlowField.TP_SRC.get(flow) ^ FlowField.TP_DST.get(flow), 2);
            }
            FlowField.NW_PROTO.or(wc, 0xFF);
            if (proto != IPPROTO_UDP) {
                // UDP ports are not hashed (not symmetric in a bidirectional flow); ICMP's are its type and code.
                FlowField.TP_SRC.or(wc, proto == IPPROTO_ICMP ? 0xFF : 0xFFFF);
                FlowField.TP_DST.or(wc, proto == IPPROTO_ICMP ? 0xFF : 0xFFFF);
            }
        }
        return OvsHash.jhashBytes(s, 32, 0);
    }
}
