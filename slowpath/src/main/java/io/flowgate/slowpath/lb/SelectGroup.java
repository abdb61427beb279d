package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The load-balancing state of one select group, by group id, whatever pipeline version a
 * translation runs against: a {@link Backend} per bucket id (kept across definitions, so counts
 * never restart), the pool that new connections are scheduled over (the buckets of the latest
 * definition, in its order), and the group's scheduler or Maglev table. A newer definition
 * replaces the pool at once (under the load balancer's lock), so a new connection is scheduled
 * either over the old pool or over the new one, never over a mix; a definition older than the one
 * applied changes nothing.
 *
 * <p>Guarded by the {@link LoadBalancer}'s lock.
 */
public final class SelectGroup {
    private final int groupId;
    private final Map<Integer, Backend> backends = new LinkedHashMap<>();
    private Group group;
    private long version = Long.MIN_VALUE;
    private boolean deleted;
    private Backend[] pool = new Backend[0];
    private Scheduler scheduler;
    private MaglevTable maglev;

    SelectGroup(final int groupId) {
        this.groupId = groupId;
    }

    public int groupId() {
        return groupId;
    }

    /** The latest definition applied. */
    public Group group() {
        return group;
    }

    /** Deleted from the pipeline: schedules nothing; its backends serve the connections they have. */
    public boolean deleted() {
        return deleted;
    }

    /**
     * Applies the definition of pipeline version {@code v} if it is newer than the one applied.
     *
     * @return true if it was applied
     */
    boolean define(final Group g, final long v) {
        if (v < version || (v == version && !deleted && g.equals(group))) {
            return false;
        }
        version = v;
        deleted = false;
        final List<Backend> next = new ArrayList<>(g.buckets().size());
        for (Bucket b : g.buckets()) {
            Backend be = backends.get(b.bucketId());
            if (be == null) {
                be = new Backend(b);
                backends.put(b.bucketId(), be);
            } else {
                be.define(b);
            }
            next.add(be);
        }
        for (Backend be : backends.values()) {
            if (!next.contains(be)) {
                be.remove();
            }
        }
        forgetIdle();
        if (group == null || !Objects.equals(group.selectionMethod(), g.selectionMethod())) {
            scheduler = Scheduler.forMethod(g.selectionMethod());
        }
        group = g;
        pool = next.toArray(new Backend[0]);
        maglev = "maglev".equals(g.selectionMethod()) ? maglevOf(pool) : null;
        return true;
    }

    private static MaglevTable maglevOf(final Backend[] pool) {
        final int[] ids = new int[pool.length];
        final int[] weights = new int[pool.length];
        for (int i = 0; i < pool.length; i++) {
            ids[i] = pool[i].bucketId();
            weights[i] = pool[i].weight();
        }
        return new MaglevTable(ids, weights);
    }

    /** The group left the pipeline in version {@code v}. */
    void delete(final long v) {
        if (v < version || deleted) {
            return;
        }
        version = v;
        deleted = true;
        pool = new Backend[0];
        maglev = null;
        for (Backend be : backends.values()) {
            be.remove();
        }
        forgetIdle();
    }

    /** Drops removed backends that have no connection left (nothing can reach them any more). */
    void forgetIdle() {
        backends.values().removeIf(be -> be.removed() && be.connections() == 0);
    }

    /** The backend of this bucket id, in the pool or removed but still serving, or null. */
    public Backend backend(final int bucketId) {
        return backends.get(bucketId);
    }

    /** Every backend: the pool's, then removed ones still serving connections. */
    public Collection<Backend> backends() {
        return backends.values();
    }

    /** Drop a removed bucket's connections at their next packet (the group's or the global setting). */
    boolean expireNodestConn(final boolean global) {
        return global || (group != null && group.expireNodestConn());
    }

    /**
     * The backend for a new connection with this fleet hash, or null if none is usable. Maglev
     * looks the hash up (the same answer on every node, overload notwithstanding); the others ask
     * their scheduler.
     */
    Backend schedule(final long fleetHash) {
        if (maglev != null) {
            final int i = maglev.lookup(fleetHash);
            return i < 0 ? null : pool[i];
        }
        return scheduler == null || pool.length == 0 ? null : scheduler.pick(pool);
    }
}
