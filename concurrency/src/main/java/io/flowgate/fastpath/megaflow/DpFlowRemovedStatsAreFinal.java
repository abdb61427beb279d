package io.flowgate.fastpath.megaflow;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DpFlow's contract for removal: the owning PMD sets {@code removed} (release) once the flow is
 * out of its classifier, and a reader that sees it (acquire) reads the final statistics, the ones
 * the flow's removal reports. The PMD here adds two batches, then removes the flow.
 */
@JCStressTest
@Outcome(id = "1, 2, 4294967296", expect = ACCEPTABLE, desc = "Removed: the final counters.")
@Outcome(id = "0, [012], (0|4294967295|4294967296)", expect = ACCEPTABLE, desc = "Not yet removed: any counters.")
@Outcome(expect = FORBIDDEN, desc = "Removed, but counters of an earlier batch; or a torn or invented value.")
@State
public class DpFlowRemovedStatsAreFinal {
    private final DpFlow flow = DpFlowStatsPublication.newFlow();

    /** The owning PMD: two batches, then the flow leaves its classifier. */
    @Actor
    public void pmd() {
        DpFlowStatsPublication.twoBatches(flow);
        flow.markRemoved();
    }

    /** Whoever reports the removal: removed first (acquire), then the counters. */
    @Actor
    public void remover(final JJJ_Result r) {
        r.r1 = flow.isRemoved() ? 1 : 0;
        r.r2 = flow.packets();
        r.r3 = flow.bytes();
    }
}
