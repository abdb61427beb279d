package io.flowgate.fastpath.megaflow;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * DpFlow's contract for its statistics: the owning PMD adds a batch with opaque stores of the
 * counters and one release store of {@code used}; a revalidator that reads {@code used} (acquire)
 * first sees counters at least as new as that batch. The PMD here adds two batches (used 1, then
 * 2); the revalidator reads used, packets, bytes, in that order, as {@code Revalidators} does.
 *
 * <p>The byte counts cross 2^32 (4294967295, then 4294967296), so a torn long (one half from
 * each write) shows as a value neither batch wrote, an outcome no {@link Outcome} accepts.
 *
 * <p>Measured: hit() storing {@code used} before the counters fails in every run (hundreds of
 * forbidden results in 3 x 300 ms). A plain store in place of the release passes on x86, whose
 * stores are not reordered with each other; on aarch64, or if the JIT moves the store, it fails.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Read before the first batch.")
@Outcome(id = {"0, [12], (0|4294967295|4294967296)", "0, 0, (4294967295|4294967296)"}, expect = ACCEPTABLE_INTERESTING,
        desc = "used not yet seen, a counter already is: the counters alone are opaque, they may run ahead.")
@Outcome(id = "1, [12], (4294967295|4294967296)", expect = ACCEPTABLE,
        desc = "used of the first batch: counters of that batch, or newer.")
@Outcome(id = "2, 2, 4294967296", expect = ACCEPTABLE, desc = "used of the second batch: its counters.")
@Outcome(expect = FORBIDDEN, desc = "used published before the counters it covers, or a torn or invented value.")
@State
public class DpFlowStatsPublication {
    static final long FIRST_BYTES = 0xFFFF_FFFFL;

    private final DpFlow flow = newFlow();

    static DpFlow newFlow() {
        return new DpFlow(new long[FlowKey.WORDS], FlowMask.exact(), DpActions.DROP, 0, 0);
    }

    /** The owning PMD's two batches of one packet each: the bytes cross 2^32 in the second. */
    static void twoBatches(final DpFlow flow) {
        flow.hit(1, FIRST_BYTES, 0, 1);
        flow.hit(1, 1, 0x02, 2);
    }

    @Actor
    public void pmd() {
        twoBatches(flow);
    }

    /** A revalidator's dump: used first (acquire), then the counters. */
    @Actor
    public void revalidator(final JJJ_Result r) {
        r.r1 = flow.usedMillis();
        r.r2 = flow.packets();
        r.r3 = flow.bytes();
    }
}
