package io.flowgate.fastpath.pmd;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two snapshots taken one after the other by the same reader: the second's counts are each the
 * first's or newer (rates are computed from consecutive snapshots; a count that went back would
 * be a negative rate). Results: EMC hits in the first snapshot and in the second, then port 0's
 * bytes in the first and in the second.
 */
@JCStressTest
@Outcome(id = "(0, [012]|1, [12]|2, 2), (0, (0|4294967295|4294967296)|4294967295, (4294967295|4294967296)|4294967296, 4294967296)",
        expect = ACCEPTABLE, desc = "Each count in the second snapshot equal to the first's or newer.")
@Outcome(expect = FORBIDDEN, desc = "A count went back, or a torn or invented value.")
@State
public class PmdStatsSnapshotsNeverGoBack {
    private final PmdStats stats = new PmdStats(1);

    @Actor
    public void pmd() {
        PmdStatsSnapshotPublication.twoIterations(stats);
    }

    @Actor
    public void reader(final JJJJ_Result r) {
        final PmdStats.Snapshot first = stats.snapshot();
        final PmdStats.Snapshot second = stats.snapshot();
        r.r1 = first.get(PmdCounter.EMC_HITS);
        r.r2 = second.get(PmdCounter.EMC_HITS);
        r.r3 = first.portRxBytes()[0];
        r.r4 = second.portRxBytes()[0];
    }
}
