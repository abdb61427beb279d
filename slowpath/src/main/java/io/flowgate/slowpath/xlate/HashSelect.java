package io.flowgate.slowpath.xlate;

import static io.flowgate.fastpath.flow.FlowKey.ETH_TYPE_IP;
import static io.flowgate.fastpath.flow.FlowKey.ETH_TYPE_IPV6;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.OfField;

import java.util.List;

/**
 * The {@code hash} selection method of select groups, the one that keeps no state: a bucket per
 * packet from a hash of the group's fields, which join the megaflow. The schedulers that keep
 * connections ({@code hprio}, {@code wrr}, {@code rr}, {@code maglev}) are behind {@link GroupSelector}.
 */
final class HashSelect {
    private static final List<OfField> HASH_IPV4 =
            List.of(OfField.NW_SRC, OfField.NW_DST, OfField.NW_PROTO, OfField.TP_SRC, OfField.TP_DST);
    private static final List<OfField> HASH_IPV6 =
            List.of(OfField.IPV6_SRC, OfField.IPV6_DST, OfField.NW_PROTO, OfField.TP_SRC, OfField.TP_DST);
    private static final List<OfField> HASH_L2 = List.of(OfField.ETH_SRC, OfField.ETH_DST);

    /** The fields a select group hashes when none are configured: addresses, protocol, ports. */
    static List<OfField> defaultHashFields(final long[] flow) {
        final int type = FlowKey.dlType(flow, 0);
        return type == ETH_TYPE_IP ? HASH_IPV4 : type == ETH_TYPE_IPV6 ? HASH_IPV6 : HASH_L2;
    }

    private HashSelect() {
    }

    /** Stateless select: weighted highest-random-weight over a hash of the group's fields. */
    static Bucket select(final Group group, final long[] flow, final long[] wc) {
        final long[] m = new long[FlowKey.WORDS];
        final List<OfField> fields = group.hashFields().isEmpty() ? defaultHashFields(flow) : group.hashFields();
        for (OfField f : fields) {
            if (f.wide()) {
                f.orMask(m, -1L, -1L);
            } else {
                f.orMask(m, -1L);
            }
        }
        long h = 0;
        for (int i = 0; i < FlowKey.WORDS; i++) {
            wc[i] |= m[i];
            h = FlowHash.step(h, flow[i] & m[i]);
        }
        h = FlowHash.finish(h);
        Bucket best = null;
        long bestScore = -1;
        for (Bucket b : group.buckets()) {
            if (b.weight() == 0) {
                continue;
            }
            final long score = (FlowHash.finish(h ^ (b.bucketId() * 0x9E37_79B9_7F4A_7C15L)) & 0xFFFF) * b.weight();
            if (score > bestScore) {
                best = b;
                bestScore = score;
            }
        }
        return best;
    }
}
