package io.flowgate.slowpath.ofproto;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the published pipeline: every interleaving of concurrent batch
 * publishes and lookups is linearizable, so a reader sees a batch entirely or not at all. The
 * negative control runs the same harness on a pipeline that publishes slot by slot, and the
 * checker must find the torn read.
 */
@Param(name = "gen", gen = IntGen.class, conf = "1:3")
public class RulePipelineLincheckTest {
    private final RulePipeline pipeline = new RulePipeline();

    @Operation
    public void publish(@Param(name = "gen") final int gen) {
        PublishFixture.publish(pipeline, gen);
    }

    @Operation
    public long observe() {
        return PublishFixture.observe(pipeline.current());
    }

    @Test
    public void concurrentBatchPublishAndLookupAreLinearizable() {
        // Lincheck calls an invocation that runs past its timeout (30 s by default) hung; on a
        // machine whose cores are busy with other work the instrumented run can take that long.
        // (The option is Kotlin-internal, hence its name from Java.)
        new ModelCheckingOptions().iterations(8).invocationsPerIteration(100).threads(2).actorsPerThread(2)
                .loopBound(100_000).invocationTimeout$lincheck(300_000).check(RulePipelineLincheckTest.class);
    }

    /** A deliberately broken pipeline: each slot is published separately. */
    @Param(name = "gen", gen = IntGen.class, conf = "1:3")
    public static class SlotBySlot {
        private final long[] slots = new long[PublishFixture.SLOTS];
        private volatile int publishedVersion;

        public SlotBySlot() {
            java.util.Arrays.fill(slots, -1);
        }

        @Operation
        public void publish(@Param(name = "gen") final int gen) {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = gen;
                publishedVersion++;
            }
        }

        @Operation
        public long observe() {
            final long first = slots[0];
            for (long s : slots) {
                if (s != first) {
                    return -2;
                }
            }
            return first + publishedVersion * 0;
        }
    }

    @Test
    public void theSameHarnessCatchesAPipelineThatPublishesSlotBySlot() {
        assertThrows(AssertionError.class, () -> new ModelCheckingOptions().iterations(20).invocationsPerIteration(300)
                .threads(2).actorsPerThread(2).check(SlotBySlot.class));
    }
}
