package io.flowgate.revalidator;

/** What the revalidators did, summed over all rounds so far. */
public record RevalidatorCounters(long deletedIdle, long deletedChanged, long deletedLimit, long deletedStale,
                                  long deletedOrphans, long modified, long skippedLocked, long rulesExpired,
                                  long errors, long deletedConnectionEnded) {
    public long deleted() {
        return deletedIdle + deletedChanged + deletedLimit + deletedStale + deletedOrphans + deletedConnectionEnded;
    }
}
