package io.flowgate.bench;

import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.upcall.Handler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Flow setups: one operation is {@value #SETUPS} upcalls of new flows, each taken from miss to
 * installed megaflow — translation (with the missed packet's statistics pushed to its rule), ukey
 * created and claimed in the sharded map, flow registered, install and packet-out commands
 * queued, and the PMD running them (classifier insert, the packet's actions). Each benchmark
 * thread is one handler with its own PMD; run with {@code -t 1} and {@code -t 2}; setups per
 * second are {@value #SETUPS} × threads / score. Every iteration starts from empty tables (run
 * with {@code -gc true} so the last iteration's flows are collected before the next starts).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-Xms8g"})
public class FlowSetupBenchmark {
    static final int SETUPS = 100_000;

    @State(Scope.Benchmark)
    public static class Shared {
        SlowPathRig rig;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Iteration)
        public void setUp() throws Exception {
            rig = new SlowPathRig(2, RevalidatorSettings.DEFAULTS);
            threads.set(0);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            for (Pmd pmd : rig.pmds) {
                SlowPathRig.drain(pmd);
            }
            rig.close();
        }
    }

    @State(Scope.Thread)
    public static class PerHandler {
        Handler handler;
        Pmd pmd;
        int id;
        long next;

        @Setup(Level.Iteration)
        public void setUp(final Shared shared) {
            id = shared.threads.getAndIncrement();
            handler = shared.rig.handlers.get(id);
            pmd = shared.rig.pmds.get(id);
            next = 0;
        }
    }

    @Benchmark
    public long setUpFlows(final Shared shared, final PerHandler t) {
        for (int i = 0; i < SETUPS; i++) {
            t.handler.handle(shared.rig.upcall(t.id, t.next++));
            if ((t.next & 511) == 0) {
                SlowPathRig.drain(t.pmd);
            }
        }
        SlowPathRig.drain(t.pmd);
        return t.next;
    }
}
