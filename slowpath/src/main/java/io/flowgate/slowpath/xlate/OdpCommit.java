package io.flowgate.slowpath.xlate;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;

/**
 * Turns a translation's header changes into datapath actions, as Open vSwitch keeps
 * {@code commit_odp_actions} apart from the translation that calls it: before each output (and
 * before sending to the controller) {@link #commit()} compares the flow as the OpenFlow actions
 * left it with {@code base}, the packet as the datapath actions emitted so far leave it, and
 * emits set actions grouped per header (Ethernet, IPv4/IPv6 or ARP, neighbour discovery,
 * transport, then VLAN pops and pushes) carrying only the fields that changed, masked by what the megaflow matches; then base
 * catches up. Comparing consults packet bits, so the commit un-wildcards them in {@code wc}.
 *
 * <p>One per translation context, reused across translations ({@link #reset}); works on the
 * context's flow, wildcards and action builder, which it is given once.
 */
final class OdpCommit {
    private final long[] flow;
    private final long[] wc;
    private final DpActions.Builder out;
    /** The packet as the datapath actions emitted so far leave it. */
    private final long[] base = new long[FlowKey.WORDS];
    /**
     * Per VLAN slot, the qtag bits of {@code flow} that actions have set since the last commit
     * (constants, or tags moved between slots) rather than carried over from the packet's same
     * slot. Comparing those with the base consults the packet's bits, which the commit must
     * then un-wildcard: strip_vlan followed by pushing the same VID equals the packet only if
     * its PCP was 0.
     */
    private final long[] constTags = new long[2];

    OdpCommit(final long[] flow, final long[] wc, final DpActions.Builder out) {
        this.flow = flow;
        this.wc = wc;
        this.out = out;
    }

    /** A new translation of {@code key}: nothing is committed yet. */
    void reset(final long[] key) {
        System.arraycopy(key, 0, base, 0, FlowKey.WORDS);
        constTags[0] = 0;
        constTags[1] = 0;
    }

    /** Actions set {@code bits} of slot {@code slot}'s qtag (see {@code constTags}). */
    void tagBitsSet(final int slot, final long bits) {
        constTags[slot] |= bits;
    }

    /** A copy of the tag bits set since the last commit (a group bucket restores them after it). */
    long[] tagBits() {
        return constTags.clone();
    }

    void tagBits(final long[] saved) {
        System.arraycopy(saved, 0, constTags, 0, 2);
    }

    /** Emits the set and VLAN actions that make the datapath's packet what {@code flow} is now. */
    void commit() {
        commitEth();
        commitL3();
        commitL4();
        commitVlan();
    }

    private void commitEth() {
        final long srcMask = FlowField.ETH_SRC.get(flow) != FlowField.ETH_SRC.get(base) ? FlowField.ETH_SRC.get(wc) : 0;
        final long dstMask = FlowField.ETH_DST.get(flow) != FlowField.ETH_DST.get(base) ? FlowField.ETH_DST.get(wc) : 0;
        if (srcMask != 0 || dstMask != 0) {
            out.setEth(FlowField.ETH_SRC.get(flow), srcMask, FlowField.ETH_DST.get(flow), dstMask);
            FlowField.ETH_SRC.set(base, FlowField.ETH_SRC.get(flow));
            FlowField.ETH_DST.set(base, FlowField.ETH_DST.get(flow));
        }
    }

    private void commitL3() {
        final int dlType = FlowKey.dlType(base, 0);
        if (dlType == ETH_TYPE_ARP) {
            commitArp();
            return;
        }
        commitIp();
        if (dlType == ETH_TYPE_IPV6 && FlowField.NW_PROTO.get(base) == IPPROTO_ICMPV6) {
            commitNd();
        }
    }

    private void commitIp() {
        if (!l3Changed()) {
            return;
        }
        // OVS writes no IP header when nw_proto is 0. Whether it writes one therefore depends
        // on nw_proto, so nw_proto joins the megaflow here. (OVS 3.1 leaves it out when only
        // the DSCP bits changed, and its megaflow then also covers packets with nw_proto 0,
        // for which translation would write nothing; Flowgate keeps the megaflow exact.)
        FlowField.NW_PROTO.or(wc, 0xFF);
        if (FlowField.NW_PROTO.get(flow) == 0) {
            return;
        }
        final int type = FlowKey.dlType(base, 0);
        if (type == ETH_TYPE_IP) {
            final int src = changedMask(FlowField.NW_SRC);
            final int dst = changedMask(FlowField.NW_DST);
            final int tos = changedMask(FlowField.NW_TOS);
            final int ttl = changedMask(FlowField.NW_TTL);
            if ((src | dst | tos | ttl) != 0) {
                out.setIpv4((int) FlowField.NW_SRC.get(flow), src, (int) FlowField.NW_DST.get(flow), dst,
                        (int) FlowField.NW_TOS.get(flow), tos, (int) FlowField.NW_TTL.get(flow), ttl);
                base[W_NW_ADDR] = flow[W_NW_ADDR];
                copy(FlowField.NW_TOS);
                copy(FlowField.NW_TTL);
            }
        } else if (type == ETH_TYPE_IPV6) {
            final boolean src = flow[W_IPV6_SRC] != base[W_IPV6_SRC] || flow[W_IPV6_SRC + 1] != base[W_IPV6_SRC + 1];
            final boolean dst = flow[W_IPV6_DST] != base[W_IPV6_DST] || flow[W_IPV6_DST + 1] != base[W_IPV6_DST + 1];
            final int label = changedMask(FlowField.IPV6_LABEL);
            final int tclass = changedMask(FlowField.NW_TOS);
            final int hlimit = changedMask(FlowField.NW_TTL);
            if (src || dst || (label | tclass | hlimit) != 0) {
                out.setIpv6(flow[W_IPV6_SRC], flow[W_IPV6_SRC + 1], src ? wc[W_IPV6_SRC] : 0,
                        src ? wc[W_IPV6_SRC + 1] : 0,
                        flow[W_IPV6_DST], flow[W_IPV6_DST + 1], dst ? wc[W_IPV6_DST] : 0, dst ? wc[W_IPV6_DST + 1] : 0,
                        (int) FlowField.IPV6_LABEL.get(flow), label, (int) FlowField.NW_TOS.get(flow), tclass,
                        (int) FlowField.NW_TTL.get(flow), hlimit);
                for (int w = W_IPV6_SRC; w < W_IPV6_DST + 2; w++) {
                    base[w] = flow[w];
                }
                copy(FlowField.IPV6_LABEL);
                copy(FlowField.NW_TOS);
                copy(FlowField.NW_TTL);
            }
        }
    }

    /**
     * ARP's addresses and opcode, as OVS's commit_set_arp_action (which OVS then leaves to its
     * userspace slow path; Flowgate's datapath executes it). No ARP header is written when the
     * opcode is 0, as in OVS, so the opcode joins the megaflow when anything changed.
     */
    private void commitArp() {
        final int spa = changedMask(FlowField.NW_SRC);
        final int tpa = changedMask(FlowField.NW_DST);
        final int op = changedMask(FlowField.NW_PROTO);
        final long sha = changedMacMask(FlowField.ARP_SHA);
        final long tha = changedMacMask(FlowField.ARP_THA);
        if ((spa | tpa | op) == 0 && sha == 0 && tha == 0) {
            return;
        }
        FlowField.NW_PROTO.or(wc, 0xFF);
        if (FlowField.NW_PROTO.get(flow) == 0) {
            return;
        }
        out.setArp((int) FlowField.NW_SRC.get(flow), spa, (int) FlowField.NW_DST.get(flow), tpa,
                (int) FlowField.NW_PROTO.get(flow), op == 0 ? 0 : 0xFFFF, FlowField.ARP_SHA.get(flow), sha,
                FlowField.ARP_THA.get(flow), tha);
        base[W_NW_ADDR] = flow[W_NW_ADDR];
        copy(FlowField.NW_PROTO);
        copy(FlowField.ARP_SHA);
        copy(FlowField.ARP_THA);
    }

    /** An ICMPv6 neighbour discovery message's target and link-layer addresses, as OVS's commit_set_nd_action. */
    private void commitNd() {
        final boolean target = flow[W_ND_TARGET] != base[W_ND_TARGET] || flow[W_ND_TARGET + 1] != base[W_ND_TARGET + 1];
        final long sll = changedMacMask(FlowField.ARP_SHA);
        final long tll = changedMacMask(FlowField.ARP_THA);
        if (!target && sll == 0 && tll == 0) {
            return;
        }
        out.setNd(flow[W_ND_TARGET], flow[W_ND_TARGET + 1], target ? wc[W_ND_TARGET] : 0,
                target ? wc[W_ND_TARGET + 1] : 0, FlowField.ARP_SHA.get(flow), sll, FlowField.ARP_THA.get(flow), tll);
        base[W_ND_TARGET] = flow[W_ND_TARGET];
        base[W_ND_TARGET + 1] = flow[W_ND_TARGET + 1];
        copy(FlowField.ARP_SHA);
        copy(FlowField.ARP_THA);
    }

    private boolean l3Changed() {
        final int type = FlowKey.dlType(base, 0);
        if (type == ETH_TYPE_IP) {
            return flow[W_NW_ADDR] != base[W_NW_ADDR] || changedMask(FlowField.NW_TOS) != 0
                    || changedMask(FlowField.NW_TTL) != 0;
        }
        if (type == ETH_TYPE_IPV6) {
            for (int w = W_IPV6_SRC; w < W_IPV6_DST + 2; w++) {
                if (flow[w] != base[w]) {
                    return true;
                }
            }
            return changedMask(FlowField.IPV6_LABEL) != 0 || changedMask(FlowField.NW_TOS) != 0
                    || changedMask(FlowField.NW_TTL) != 0;
        }
        return false;
    }

    private void commitL4() {
        final int proto = (int) FlowField.NW_PROTO.get(flow);
        if (proto == 0 || !FlowKey.isIp(base, 0) || (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP)) {
            return;
        }
        if (FlowField.TP_SRC.get(base) == 0 && FlowField.TP_DST.get(base) == 0) {
            // As OVS's commit_set_port_action: no ports to set (a later fragment has no L4 header).
            return;
        }
        final int src = changedMask(FlowField.TP_SRC);
        final int dst = changedMask(FlowField.TP_DST);
        if ((src | dst) != 0) {
            out.setL4(proto, (int) FlowField.TP_SRC.get(flow), src, (int) FlowField.TP_DST.get(flow), dst);
            copy(FlowField.TP_SRC);
            copy(FlowField.TP_DST);
        }
    }

    private void commitVlan() {
        int an = VlanStack.tags(base) - 1;
        int bn = VlanStack.tags(flow) - 1;
        while (an >= 0 && bn >= 0) {
            // The comparison consults the packet's bits wherever the flow's tag holds
            // action-set bits, or a tag from another slot.
            final long consulted = an == bn ? constTags[bn] : 0xFFFF_FFFFL;
            VlanStack.setQtag(wc, an, VlanStack.qtag(wc, an) | consulted);
            if (VlanStack.qtag(base, an) != VlanStack.qtag(flow, bn)) {
                break;
            }
            an--;
            bn--;
        }
        for (; an >= 0; an--) {
            out.popVlan();
            VlanStack.setQtag(wc, an, 0xFFFF_FFFFL);
        }
        for (; bn >= 0; bn--) {
            final long q = VlanStack.qtag(flow, bn);
            out.pushVlan((int) (q >>> 16), (int) q & 0xFFFF);
        }
        base[W_VLAN] = flow[W_VLAN];
        constTags[0] = 0;
        constTags[1] = 0;
    }

    /** The wildcard mask of a 48-bit field that differs between flow and base, else 0. */
    private long changedMacMask(final FlowField f) {
        return f.get(flow) != f.get(base) ? f.get(wc) : 0;
    }

    /** The wildcard mask of a field that differs between flow and base, else 0. */
    private int changedMask(final FlowField f) {
        return f.get(flow) != f.get(base) ? (int) f.get(wc) : 0;
    }

    private void copy(final FlowField f) {
        f.set(base, f.get(flow));
    }
}
