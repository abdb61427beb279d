package io.flowgate.fastpath.pmd;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * PmdStats' contract: the PMD thread counts with plain arithmetic and publishes once per loop
 * iteration (a release store of its iteration count); a reader that has seen iteration n
 * (acquire) and then takes a {@link PmdStats#snapshot()} finds in it every count of the first n
 * iterations, perhaps some of later ones, never a torn or invented value. The PMD here runs two
 * iterations, counting as Pmd and InputStage do (an EMC hit, a received burst into port slot 0
 * whose bytes cross 2^32); the reader, as pmd-stats-show and the rate estimators, reads
 * iterations() and a snapshot. Results: iterations, EMC hits, port 0's packets, its bytes.
 *
 * <p>Limits, measured: on x86 (TSO) a plain store in place of publish()'s release passes, and a
 * PMD that published before counting passed a 3 x 300 ms run too: snapshot() allocates its
 * arrays between reading the epoch and the counters, by which time the two-iteration writer has
 * finished. What it does catch: torn or invented counts, and a snapshot missing counts of an
 * iteration the reader had seen on a weakly ordered CPU (aarch64) or after a compiler reordering.
 */
@JCStressTest
@Outcome(id = "0, 0, 0, 0", expect = ACCEPTABLE, desc = "Before the first iteration.")
@Outcome(id = "0, [12], [012], (0|4294967295|4294967296)", expect = ACCEPTABLE_INTERESTING,
        desc = "No iteration seen, some counts already are (allowed: snapshots may be ahead).")
@Outcome(id = {"0, 0, [12], (0|4294967295|4294967296)", "0, 0, 0, (4294967295|4294967296)"}, expect = ACCEPTABLE_INTERESTING,
        desc = "No iteration seen, some counts already are (allowed: snapshots may be ahead).")
@Outcome(id = "1, [12], [12], (4294967295|4294967296)", expect = ACCEPTABLE,
        desc = "Iteration 1 seen: its counts, or newer.")
@Outcome(id = "2, 2, 2, 4294967296", expect = ACCEPTABLE, desc = "Iteration 2 seen: every count.")
@Outcome(expect = FORBIDDEN, desc = "An iteration published before its counts, or a torn or invented value.")
@State
public class PmdStatsSnapshotPublication {
    private final PmdStats stats = new PmdStats(1);

    /** One PMD loop iteration's counting, then its publication. */
    private static void iteration(final PmdStats stats, final long bytes) {
        stats.counts[PmdCounter.EMC_HITS.ordinal()]++;
        stats.received(0, 1, bytes);
        stats.publish();
    }

    /** The PMD's two iterations, of one packet each: port 0's bytes cross 2^32 in the second. */
    static void twoIterations(final PmdStats stats) {
        iteration(stats, 0xFFFF_FFFFL);
        iteration(stats, 1);
    }

    @Actor
    public void pmd() {
        twoIterations(stats);
    }

    @Actor
    public void reader(final JJJJ_Result r) {
        r.r1 = stats.iterations();
        final PmdStats.Snapshot s = stats.snapshot();
        r.r2 = s.get(PmdCounter.EMC_HITS);
        r.r3 = s.portRx()[0];
        r.r4 = s.portRxBytes()[0];
    }
}
