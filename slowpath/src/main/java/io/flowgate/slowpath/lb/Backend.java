package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ofproto.Bucket;

/**
 * One bucket of a select group seen as an IPVS real server: its weight, its connection
 * thresholds, and its connections, active (TCP established) and inactive (every other state, and
 * UDP). Overload has hysteresis as in IPVS: it is set when active + inactive reaches the upper
 * threshold and cleared only below the lower threshold, or below 3/4 of the upper one when there
 * is no lower threshold. A weight of 0 quiesces the backend: it keeps its connections but gets
 * no new ones.
 *
 * <p>Guarded by the {@link LoadBalancer}'s lock.
 */
public final class Backend {
    private final Bucket bucket;
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

    /** Can take a new connection: weight above 0 and not overloaded. */
    boolean usable() {
        return bucket.weight() > 0 && !overloaded;
    }

    /** Takes over the connections of the same bucket in a group that is being replaced. */
    void inherit(final Backend old) {
        active = old.active;
        inactive = old.inactive;
        updateOverload();
    }

    void add(final boolean isActive) {
        if (isActive) {
            active++;
        } else {
            inactive++;
        }
        updateOverload();
    }

    void remove(final boolean isActive) {
        if (isActive) {
            active = Math.max(0, active - 1);
        } else {
            inactive = Math.max(0, inactive - 1);
        }
        updateOverload();
    }

    /** An inactive connection became established. */
    void activate() {
        if (inactive > 0) {
            inactive--;
        }
        active++;
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
                + inactive + " inactive" + (overloaded ? ", overloaded" : "");
    }
}
