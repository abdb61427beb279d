package io.flowgate.bench;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * Classifier lookups (with megaflow wildcard tracking, as handler threads do them) against a rule
 * table of {@code rules} rules, while a writer replaces a batch of rules every 100 ms.
 * {@code lockfree}: readers take the published version with one volatile read. {@code rwlock}: the
 * same classifier behind a ReentrantReadWriteLock, readers taking the read lock per lookup and the
 * writer changing the table under the write lock. Run with {@code -t 1} and {@code -t 2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
public class ClassifierBenchmark {
    @Param({"1000", "100000"})
    public int rules;

    @Param({"lockfree", "rwlock"})
    public String variant;

    private RulePipeline pipeline;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile PipelineVersion locked;
    private long[][] packets;
    private Thread writer;
    private volatile boolean stop;

    /** Firewall-like rules over a few masks: /24 sources, /16 destinations, ports, protocols. */
    static List<Rule> rules(final int n, final SplittableRandom r) throws SyntaxException {
        final List<Rule> out = new ArrayList<>(n);
        final String[] shapes = {
            "tcp,nw_src=%s/24,tp_dst=%d", "udp,nw_dst=%s/16,tp_dst=%d", "tcp,nw_src=%s/24,nw_dst=%s/16,tp_dst=%d",
            "ip,nw_dst=%s/24", "tcp,nw_dst=%s/32,tp_dst=%d", "udp,nw_src=%s/16",
        };
        for (int i = 0; i < n; i++) {
            final String a = (10 + r.nextInt(4)) + "." + r.nextInt(256) + "." + r.nextInt(256) + ".0";
            final String b = (172 + r.nextInt(2)) + "." + r.nextInt(256) + ".0.0";
            final int port = 1 + r.nextInt(2000);
            final String shape = shapes[i % shapes.length];
            final String match = switch (i % shapes.length) {
                case 2 -> String.format(shape, a, b, port);
                case 3, 5 -> String.format(shape, a);
                default -> String.format(shape, a, port);
            };
            out.add(FlowSyntax.parseRule("bench", i + 1, "priority=" + (1 + r.nextInt(1000)) + "," + match
                    + ",actions=output:" + (1 + r.nextInt(4)), 0));
        }
        return out;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final SplittableRandom r = new SplittableRandom(42);
        final List<Rule> all = rules(rules, r);
        pipeline = new RulePipeline();
        pipeline.apply(e -> all.forEach(e::addRule));
        locked = pipeline.current();
        packets = new long[1024][];
        for (int i = 0; i < packets.length; i++) {
            final String src = (10 + r.nextInt(4)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            final String dst = (172 + r.nextInt(2)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            packets[i] = FlowSyntax.parseFlow("in_port=1," + (r.nextBoolean() ? "tcp,tp_dst=" : "udp,udp_dst=")
                    + (1 + r.nextInt(2000)) + ",nw_src=" + src + ",nw_dst=" + dst);
        }
        final List<Rule> churn = rules(100, new SplittableRandom(7));
        writer = new Thread(() -> {
            int round = 0;
            while (!stop) {
                final boolean add = (round++ & 1) == 0;
                try {
                    if ("rwlock".equals(variant)) {
                        lock.writeLock().lock();
                        try {
                            locked = pipeline.apply(e -> change(e, churn, add));
                        } finally {
                            lock.writeLock().unlock();
                        }
                    } else {
                        pipeline.apply(e -> change(e, churn, add));
                    }
                    Thread.sleep(100);
                } catch (PipelineException | InterruptedException e) {
                    return;
                }
            }
        }, "rule-writer");
        writer.setDaemon(true);
        writer.start();
    }

    private static void change(final RulePipeline.Editor e, final List<Rule> churn, final boolean add) {
        for (Rule rule : churn) {
            if (add) {
                e.addRule(rule);
            } else {
                e.deleteRules(new RulePipeline.RuleFilter(rule.table(), rule.match(), true, rule.priority(), 0, 0));
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop = true;
        writer.join();
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
        final long[] wc = new long[FlowKey.WORDS];
    }

    @Benchmark
    public Rule lookup(final Cursor c) {
        final long[] key = packets[c.next++ & (packets.length - 1)];
        java.util.Arrays.fill(c.wc, 0);
        if ("rwlock".equals(variant)) {
            lock.readLock().lock();
            try {
                return locked.lookup(0, key, c.wc);
            } finally {
                lock.readLock().unlock();
            }
        }
        return pipeline.current().lookup(0, key, c.wc);
    }
}
