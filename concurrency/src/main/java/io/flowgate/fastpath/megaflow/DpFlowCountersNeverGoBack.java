package io.flowgate.fastpath.megaflow;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A reader that reads a flow's counters twice never sees them go back (revalidators compute
 * packets since the last dump from two reads; a smaller second one would be a negative rate).
 * Results: packets, packets again, bytes, bytes again.
 */
@JCStressTest
@Outcome(id = "(0, [012]|1, [12]|2, 2), (0, (0|4294967295|4294967296)|4294967295, (4294967295|4294967296)|4294967296, 4294967296)",
        expect = ACCEPTABLE, desc = "Each second read equal to the first or newer.")
@Outcome(expect = FORBIDDEN, desc = "A counter went back, or a torn or invented value.")
@State
public class DpFlowCountersNeverGoBack {
    private final DpFlow flow = DpFlowStatsPublication.newFlow();

    @Actor
    public void pmd() {
        DpFlowStatsPublication.twoBatches(flow);
    }

    @Actor
    public void reader(final JJJJ_Result r) {
        r.r1 = flow.packets();
        r.r2 = flow.packets();
        r.r3 = flow.bytes();
        r.r4 = flow.bytes();
    }
}
