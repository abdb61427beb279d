package io.flowgate.revalidator;

import java.util.concurrent.atomic.LongAdder;

/** The revalidators' counts, added to by every revalidator thread and by flushes. */
final class Tally {
    final LongAdder deletedIdle = new LongAdder();
    final LongAdder deletedConnectionEnded = new LongAdder();
    final LongAdder deletedChanged = new LongAdder();
    final LongAdder deletedLimit = new LongAdder();
    final LongAdder deletedStale = new LongAdder();
    final LongAdder deletedOrphans = new LongAdder();
    final LongAdder modified = new LongAdder();
    final LongAdder skippedLocked = new LongAdder();
    final LongAdder rulesExpired = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder flushed = new LongAdder();
    final LongAdder overLimitRounds = new LongAdder();

    RevalidatorCounters snapshot() {
        return new RevalidatorCounters(deletedIdle.sum(), deletedChanged.sum(), deletedLimit.sum(),
                deletedStale.sum(), deletedOrphans.sum(), modified.sum(), skippedLocked.sum(), rulesExpired.sum(),
                errors.sum(), deletedConnectionEnded.sum(), overLimitRounds.sum());
    }
}
