package io.flowgate.slowpath.xlate;

import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;

import java.util.List;

/**
 * Chooses the bucket of a select group for a packet. Stateless hashing is built into
 * {@link Xlate}; schedulers that keep connection state (hprio, wrr, rr) plug in here.
 */
public interface GroupSelector {
    /**
     * A choice with state (a new connection on a bucket) that takes effect only if the
     * translation's flow is installed: the handler commits it then, and nobody else does.
     */
    interface Claim {
    }

    /** True if this selector chooses for {@code group}; otherwise {@link Xlate} hashes. */
    boolean handles(Group group);

    /**
     * @param flow   the packet's current flow key (read only)
     * @param wc     add here every key bit the choice depended on
     * @param claims add here what must be committed if the flow is installed
     * @return the chosen bucket, or null to drop ("no usable bucket")
     */
    Bucket select(Group group, long[] flow, long[] wc, List<Claim> claims);
}
