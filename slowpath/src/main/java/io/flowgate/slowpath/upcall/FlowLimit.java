package io.flowgate.slowpath.upcall;

/**
 * The datapath flow limit: {@code flow-limit} is the configured ceiling (OVS's default 200,000);
 * the dynamic limit starts at 10,000 (or the ceiling if lower) and is moved by the revalidator
 * leader after each round according to how long the round took. Handlers read it to decide
 * whether a miss may install a flow (a volatile read). The leader's adjustment and the control
 * socket's changes are read-modify-writes of the same two values, so they take the object's lock:
 * a limit can never end above a ceiling that was just lowered.
 */
public final class FlowLimit {
    public static final int DEFAULT_CEILING = 200_000;
    public static final int INITIAL = 10_000;
    public static final int FLOOR = 1_000;

    private volatile int ceiling;
    private volatile int limit;

    public FlowLimit(final int ceiling) {
        if (ceiling < 1) {
            throw new IllegalArgumentException("flow-limit must be at least 1, not " + ceiling);
        }
        this.ceiling = ceiling;
        this.limit = Math.min(INITIAL, ceiling);
    }

    public FlowLimit() {
        this(DEFAULT_CEILING);
    }

    public int ceiling() {
        return ceiling;
    }

    /** The current dynamic limit. */
    public int limit() {
        return limit;
    }

    /**
     * Adjusts the limit after a revalidation round, as OVS does: a round over 2 s divides the limit
     * by its length in seconds; over 1.3 s takes a quarter off; under 1 s with demand above the
     * limit (flows per second of dumping) adds 1,000. The result stays within [1,000, ceiling].
     *
     * @return the new limit
     */
    public synchronized int adjust(final long roundMillis, final long flows) {
        final long duration = Math.max(roundMillis, 1);
        long next = limit;
        if (duration > 2000) {
            next /= duration / 1000;
        } else if (duration > 1300) {
            next = next * 3 / 4;
        } else if (duration < 1000 && next < flows * 1000 / duration) {
            next += 1000;
        }
        next = Math.min(ceiling, Math.max(next, Math.min(FLOOR, ceiling)));
        limit = (int) next;
        return limit;
    }

    /** Changes the ceiling (upcall/set-flow-limit); the limit comes down to it if above. */
    public synchronized void ceiling(final int value) {
        if (value < 1) {
            throw new IllegalArgumentException("flow-limit must be at least 1, not " + value);
        }
        ceiling = value;
        if (limit > value) {
            limit = value;
        }
    }

    /** Sets the limit directly (tests, and the control socket's flow-limit changes). */
    public synchronized void set(final int value) {
        limit = Math.min(ceiling, Math.max(1, value));
    }
}
