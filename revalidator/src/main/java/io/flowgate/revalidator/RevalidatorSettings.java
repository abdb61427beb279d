package io.flowgate.revalidator;

/**
 * How revalidation runs.
 *
 * @param revalidators        revalidator threads ({@code n-revalidators}); the first is the leader
 * @param maxIdleMillis       a flow unused this long is deleted ({@code max-idle}, OVS default 10 s)
 * @param minRevalidatePps    when rounds are slow, a flow slower than this after a rule change is
 *                            deleted instead of translated again ({@code min-revalidate-pps}, 5)
 */
public record RevalidatorSettings(int revalidators, long maxIdleMillis, long minRevalidatePps) {
    /** Rounds start at least this often (OVS's max-revalidator). */
    public static final long MAX_REVALIDATOR_MILLIS = 500;
    /** Flows are dumped in batches of this many. */
    public static final int DUMP_BATCH = 50;
    /** A ukey not seen in this many dumps in a row is stale and deleted. */
    public static final int STALE_DUMPS = 4;
    /** Above the flow limit, flows idle for this long are deleted. */
    public static final long OVER_LIMIT_IDLE_MILLIS = 100;

    public static final RevalidatorSettings DEFAULTS = new RevalidatorSettings(1, 10_000, 5);

    public RevalidatorSettings {
        if (revalidators < 1) {
            throw new IllegalArgumentException("n-revalidators must be at least 1, not " + revalidators);
        }
        if (maxIdleMillis < 1) {
            throw new IllegalArgumentException("max-idle must be at least 1 ms, not " + maxIdleMillis);
        }
    }

    /** Time between rounds when nothing changes: min(max-idle, 500 ms). */
    public long intervalMillis() {
        return Math.min(maxIdleMillis, MAX_REVALIDATOR_MILLIS);
    }

    public RevalidatorSettings withRevalidators(final int n) {
        return new RevalidatorSettings(n, maxIdleMillis, minRevalidatePps);
    }

    public RevalidatorSettings withMaxIdle(final long millis) {
        return new RevalidatorSettings(revalidators, millis, minRevalidatePps);
    }
}
