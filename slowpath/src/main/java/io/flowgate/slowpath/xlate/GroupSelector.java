package io.flowgate.slowpath.xlate;

import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;

/**
 * Chooses the bucket of a select group for a packet. Stateless hashing is built into
 * {@link Xlate}; schedulers that keep connection state (hprio, wrr, rr) plug in here.
 */
public interface GroupSelector {
    /**
     * @param flow the packet's current flow key (read only)
     * @param wc   add here every key bit the choice depended on
     * @return the chosen bucket, or null to drop ("no usable bucket")
     */
    Bucket select(Group group, long[] flow, long[] wc);
}
