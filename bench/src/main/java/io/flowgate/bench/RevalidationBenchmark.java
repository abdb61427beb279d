package io.flowgate.bench;

import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.revalidator.Round;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One revalidation round (dump in batches, stats push, idle check, sweep, flow-limit update) by a
 * single revalidator over {@code flows} installed flows. {@code rulesChanged=false}: nothing
 * changed since the last round (the steady state); {@code true}: the rule pipeline has a new
 * version, so every flow is translated again (the worst case; the change leaves every flow's
 * actions as they were, so none is deleted). Score: milliseconds per round.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-Xms8g"})
public class RevalidationBenchmark {
    @Param({"10000", "100000", "200000"})
    public int flows;

    @Param({"false", "true"})
    public boolean rulesChanged;

    private SlowPathRig rig;
    private Rule unrelated;
    private boolean present;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        // Flows never go idle during the benchmark.
        rig = new SlowPathRig(1, new RevalidatorSettings(1, TimeUnit.DAYS.toMillis(1), 5));
        rig.install(flows);
        if (rig.udpif.registry().size() != flows) {
            throw new IllegalStateException(rig.udpif.registry().size() + " flows installed, expected " + flows);
        }
        unrelated = FlowSyntax.parseRule("bench", 1, "priority=1,arp,actions=drop", 0);
    }

    /** A rule change that does not affect the UDP flows: they are all translated again and kept. */
    @Setup(Level.Invocation)
    public void change() throws Exception {
        // Measure the round, not the dynamic flow limit's reaction to slow rounds.
        rig.udpif.flowLimit().set(10_000_000);
        if (rulesChanged) {
            final Rule r = unrelated;
            final boolean add = !present;
            rig.pipeline.apply(e -> {
                if (add) {
                    e.addRule(r);
                } else {
                    e.deleteRule(r);
                }
            });
            present = add;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (rig.udpif.registry().size() != flows) {
            throw new IllegalStateException("flows were deleted: " + rig.udpif.registry().size() + " of " + flows);
        }
        rig.close();
    }

    @Benchmark
    public long round() {
        final var pmd = rig.pmds.getFirst();
        final Round r = rig.revalidators.startRound(System.currentTimeMillis());
        rig.revalidators.dump(0, r, pmd::doWork);
        rig.revalidators.sweep(0, r, pmd::doWork);
        rig.revalidators.finishRound(r);
        return r.seq();
    }
}
