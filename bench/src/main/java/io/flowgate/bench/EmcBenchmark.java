package io.flowgate.bench;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.PacketBatch;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * EMC hits: about 4000 distinct flow keys, all cached (keys that lost their slots to others are
 * left out), looked up a batch of 32 at a time as the PMD does
 * (hash precomputed by the parser stage). Score: nanoseconds per lookup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EmcBenchmark {
    private static final int CANDIDATES = 4096;
    private static final int W = FlowKey.WORDS;
    private static final int N = PacketBatch.MAX_BURST;

    private final Emc emc = new Emc(1, 1);
    private long[] keys;
    private long[] hashes;
    private int count;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final long[] all = new long[CANDIDATES * W];
        final long[] allHashes = new long[CANDIDATES];
        try (Traffic t = new Traffic(Traffic.distinctUdp(CANDIDATES, 7))) {
            final DpFlow flow = new DpFlow(t.key(0, 1), FlowMask.exact(), DpActions.builder().output(2).build(), 0, 0);
            for (int i = 0; i < CANDIDATES; i++) {
                System.arraycopy(t.key(i, 1), 0, all, i * W, W);
                allHashes[i] = FlowHash.hashKey(all, i * W) | 1;
                emc.maybeInsert(all, i * W, allHashes[i], flow);
            }
        }
        int hits = 0;
        for (int i = 0; i < CANDIDATES; i++) {
            if (emc.lookup(all, i * W, allHashes[i]) != null) {
                System.arraycopy(all, i * W, all, hits * W, W);
                allHashes[hits++] = allHashes[i];
            }
        }
        count = hits - hits % N;
        keys = java.util.Arrays.copyOf(all, count * W);
        hashes = java.util.Arrays.copyOf(allHashes, count);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int lookupBatch() {
        final Emc e = emc;
        final long[] k = keys;
        final long[] h = hashes;
        final int base = next;
        int found = 0;
        for (int i = 0; i < N; i++) {
            if (e.lookup(k, (base + i) * W, h[base + i]) != null) {
                found++;
            }
        }
        next = base + N == count ? 0 : base + N;
        return found;
    }
}
