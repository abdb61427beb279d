package io.flowgate.revalidator;

/**
 * What the revalidators did, summed over all rounds so far. {@code deletedLimit} counts flows of
 * rounds that deleted every flow: a purge, or an emergency round (more than twice the dynamic
 * flow limit). {@code overLimitRounds} counts rounds that began over the limit, which slow rounds
 * cut, as in OVS: they delete flows idle for 100 ms, or every flow in an emergency.
 */
public record RevalidatorCounters(long deletedIdle, long deletedChanged, long deletedLimit, long deletedStale,
                                  long deletedOrphans, long modified, long skippedLocked, long rulesExpired,
                                  long errors, long deletedConnectionEnded, long overLimitRounds) {
    public long deleted() {
        return deletedIdle + deletedChanged + deletedLimit + deletedStale + deletedOrphans + deletedConnectionEnded;
    }
}
