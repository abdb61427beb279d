package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ofproto.Bucket;

/**
 * One bucket of a select group seen as an IPVS real server, by bucket id: its latest definition
 * (weight, thresholds, actions), and its connections, active (ESTABLISHED) and inactive (every
 * other state, and UDP), counted from the connection table's entries as they come, change state
 * and end. Overload has hysteresis as in IPVS: it is set when active + inactive reaches the upper
 * threshold and cleared only below the lower threshold, or below 3/4 of the upper one when there
 * is no lower threshold. A weight of 0 quiesces the backend: it keeps its connections but gets
 * no new ones. A bucket removed from its group stays here, with its last definition, as long as
 * it has connections: they keep going to it (IPVS's expire_nodest_conn=0), and a bucket added back
 * with the same id takes them back.
 *
 * <p>Guarded by the {@link LoadBalancer}'s lock.
 */
public final class Backend {
    private Bucket bucket;
    private boolean removed;
    private int active;
    private int inactive;
    private boolean overloaded;

    Backend(final Bucket bucket) {
        this.bucket = bucket;
    }

    public Bucket bucket() {
        return bucket;
    }

    public int bucketId() {
        return bucket.bucketId();
    }

    public int weight() {
        return bucket.weight();
    }

    public int active() {
        return active;
    }

    public int inactive() {
        return inactive;
    }

    public int connections() {
        return active + inactive;
    }

    public boolean overloaded() {
        return overloaded;
    }

    /** No longer in its group's definition (it serves only the connections it has). */
    public boolean removed() {
        return removed;
    }

    /** Can take a new connection: in the group, weight above 0 and not overloaded. */
    boolean usable() {
        return !removed && bucket.weight() > 0 && !overloaded;
    }

    /** The bucket's definition in the group's latest version (same id; weight, thresholds or actions may differ). */
    void define(final Bucket latest) {
        this.bucket = latest;
        this.removed = false;
        updateOverload();
    }

    void remove() {
        this.removed = true;
    }

    /**
     * A connection of this backend moves from state {@code from} to {@code to} (null: it did not
     * exist, or it ends).
     */
    void count(final ConnState from, final ConnState to) {
        if (from != null) {
            if (from.active()) {
                active--;
            } else {
                inactive--;
            }
        }
        if (to != null) {
            if (to.active()) {
                active++;
            } else {
                inactive++;
            }
        }
        if (active < 0 || inactive < 0) {
            // Counts follow the table's entries one for one; below zero is a bug, never clamped.
            throw new IllegalStateException("bucket " + bucket.bucketId() + ": " + active + " active, " + inactive
                    + " inactive after " + from + " -> " + to);
        }
        updateOverload();
    }

    private void updateOverload() {
        final int upper = bucket.upperThreshold();
        if (upper <= 0) {
            overloaded = false;
            return;
        }
        final int conns = active + inactive;
        if (conns >= upper) {
            overloaded = true;
        } else if (overloaded) {
            final int lower = bucket.lowerThreshold();
            if (lower > 0 ? conns < lower : conns * 4 < upper * 3) {
                overloaded = false;
            }
        }
    }

    @Override
    public String toString() {
        return "bucket " + bucket.bucketId() + ": weight " + bucket.weight() + ", " + active + " active, "
                + inactive + " inactive" + (overloaded ? ", overloaded" : "") + (removed ? ", removed" : "");
    }
}
