package io.flowgate.bench;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.dpcls.Dpcls;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.PacketBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * dpcls hits with 1, 4 or 16 subtables (masks) of 256, 1 or 4 megaflows each. Subtable {@code s}
 * matches in_port, dl_type, nw_proto, the whole nw_dst and the top {@code 16 - s} bits of tp_dst;
 * its megaflows have destinations 10.s.x.y, so each of the 4096 keys matches exactly one megaflow. Keys cycle evenly
 * over the subtables, so on average half of them are searched per hit (no re-ranking helps a
 * uniform mix): this is the tuple-space-search cost the EMC saves. Batches of 32 keys, as the PMD looks them up.
 * {@code tree=on} ranks the classifier twice first, as a PMD does over two seconds without
 * installs, so that several masks over up to 512 megaflows are looked up in their megaflow tree
 * (the setup says whether there is one). Score: nanoseconds per lookup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DpclsBenchmark {
    private static final int KEYS = 4096;
    private static final int W = FlowKey.WORDS;
    private static final int N = PacketBatch.MAX_BURST;
    private static final int[] ROWS = FlowKey.rowStarts(N);

    @Param({"1", "4", "16"})
    public int subtables;

    /** Megaflows per subtable: up to 4 a lookup compares them one by one instead of hashing. */
    @Param({"256", "1", "4"})
    public int perSubtable;

    /** on: the classifier builds its megaflow tree (where it can) before the measurement. */
    @Param({"off", "on"})
    public String tree;

    private final Dpcls dpcls = new Dpcls();
    private final long[] keys = new long[KEYS * W];
    /** The keys cut into batches of 32, laid out as the PMD's key array is. */
    private final long[][] batches = new long[KEYS / N][];
    private final DpFlow[] out = new DpFlow[N];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final DpActions actions = DpActions.builder().output(2).build();
        final List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            final int s = i % subtables;
            final int f = (i / subtables) % perSubtable;
            frames.add(Traffic.udp("192.168.0.1", "10." + s + "." + (f >>> 4) + "." + (f & 15), 1024 + i, 53));
        }
        try (Traffic t = new Traffic(frames)) {
            for (int i = 0; i < KEYS; i++) {
                System.arraycopy(t.key(i, 1), 0, keys, i * W, W);
            }
        }
        for (int s = 0; s < subtables; s++) {
            final long[] m = new long[W];
            FlowField.IN_PORT.or(m, -1L);
            FlowField.DL_TYPE.or(m, -1L);
            FlowField.NW_PROTO.or(m, -1L);
            FlowField.NW_DST.or(m, -1L);
            FlowField.TP_DST.or(m, 0xFFFF << s); // a mask per subtable; every key has tp_dst 53
            final FlowMask mask = FlowMask.of(m);
            for (int i = s; i < KEYS; i += subtables) {
                final long[] key = java.util.Arrays.copyOfRange(keys, i * W, i * W + W);
                if (dpcls.find(mask, mask.apply(key)) == null) {
                    dpcls.insert(new DpFlow(key, mask, actions, 0, 0));
                }
            }
        }
        if (dpcls.subtableCount() != subtables) {
            throw new IllegalStateException(dpcls.subtableCount() + " subtables, expected " + subtables);
        }
        if (tree.equals("on")) {
            dpcls.rank(Runnable::run);
            dpcls.rank(Runnable::run);
        }
        System.out.printf("%n%d subtables of %d flows: %s%n", subtables, perSubtable,
                dpcls.walksTree() ? "megaflow tree" : "subtables");
        for (int b = 0; b < batches.length; b++) {
            batches[b] = java.util.Arrays.copyOfRange(keys, b * N * W, (b + 1) * N * W);
            if (dpcls.lookup(batches[b], ROWS, -1, out) != -1) {
                throw new IllegalStateException("a key missed: the benchmark would measure misses");
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int lookupBatch() {
        final int b = next;
        next = b + 1 == batches.length ? 0 : b + 1;
        return dpcls.lookup(batches[b], ROWS, -1, out);
    }
}
