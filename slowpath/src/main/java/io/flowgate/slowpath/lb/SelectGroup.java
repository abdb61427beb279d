package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;

import java.util.List;

/**
 * The load-balancing state of one select group: a {@link Backend} per bucket and the group's
 * scheduler. Replacing the group's buckets builds a new instance that inherits the counts of the
 * buckets that stay (by bucket id) and is published at once, so a new connection is scheduled
 * either over the old pool or over the new one, never over a mix.
 *
 * <p>Guarded by the {@link LoadBalancer}'s lock.
 */
public final class SelectGroup {
    private final Group group;
    private final Backend[] backends;
    private final Scheduler scheduler;

    SelectGroup(final Group group, final SelectGroup previous) {
        this.group = group;
        final List<Bucket> buckets = group.buckets();
        this.backends = new Backend[buckets.size()];
        for (int i = 0; i < backends.length; i++) {
            backends[i] = new Backend(buckets.get(i));
            if (previous != null) {
                final Backend old = previous.backend(buckets.get(i).bucketId());
                if (old != null) {
                    backends[i].inherit(old); // same bucket id: its connections stay with it
                }
            }
        }
        this.scheduler = Scheduler.forMethod(group.selectionMethod());
    }

    public Group group() {
        return group;
    }

    /** The backend of this bucket id, or null if the group has no such bucket. */
    public Backend backend(final int bucketId) {
        for (Backend b : backends) {
            if (b.bucketId() == bucketId) {
                return b;
            }
        }
        return null;
    }

    Backend[] backends() {
        return backends;
    }

    /** The backend for a new connection, or null if none is usable. */
    Backend schedule() {
        return scheduler.pick(backends);
    }
}
