package io.flowgate.bench;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The PMD's whole duty cycle on one core, without I/O: a zero-copy loop port hands out a full
 * burst of 64-byte UDP frames, the PMD parses them, looks them up in its EMC and dpcls, groups them
 * by megaflow, executes the actions and transmits to a port that only counts. The score (ops/us)
 * is millions of packets per second. Megaflows are installed before measuring, translated by the
 * real slow path, so a miss during the run would be a bug (checked at tear-down).
 *
 * <ul>
 * <li>{@code single-flow}: one 5-tuple, so every packet is an EMC hit;</li>
 * <li>{@code one-megaflow-10k}: 10,000 distinct 5-tuples that one rule covers with one megaflow;</li>
 * <li>{@code acl-10k}: the same 10,000 5-tuples through the seven-rule ACL of the OVS
 *     megaflow-count comparison (many megaflows, several masks);</li>
 * <li>{@code acl-100k}: 100,000 5-tuples through the ACL (the EMC holds a twelfth of them);</li>
 * <li>{@code acl-trains-10k}: the 10,000 5-tuples through the ACL, each in a train of 8 packets
 *     that differ only in the IP identification (packets after the first of a train take its
 *     parse and cache answer).</li>
 * </ul>
 * {@code smc} switches the signature match cache ({@code off}: EMC, then dpcls, as OVS's
 * default); {@code emc} the exact-match cache.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBenchmark {
    static final String ACL = """
            priority=700,udp,nw_src=10.0.0.0/8,tp_dst=53,actions=output:2
            priority=600,udp,tp_dst=0x1000/0xf000,actions=output:2
            priority=500,tcp,tcp_flags=+syn-ack,actions=output:2
            priority=400,udp,nw_dst=172.16.0.0/12,tp_src=1024/0xfc00,actions=output:2
            priority=300,udp,tp_src=0x8000/0x8000,actions=drop
            priority=200,icmp,actions=output:2
            priority=100,ip,actions=output:2
            """;

    @Param({"single-flow", "one-megaflow-10k", "acl-10k", "acl-100k", "acl-trains-10k", "arp-rewrite", "nd-rewrite"})
    public String workload;

    @Param({"on", "off"})
    public String smc;

    /** {@code off}: emc-insert-inv-prob=0, the EMC neither filled nor looked up. */
    @Param({"on", "off"})
    public String emc;

    private Traffic traffic;
    private SinkPort sink;
    private Pmd pmd;
    private UpcallRing ring;
    private int megaflows;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final List<byte[]> frames = switch (workload) {
            case "single-flow" -> List.of(Traffic.udp("10.0.0.1", "172.16.0.1", 40000, 8080));
            case "one-megaflow-10k", "acl-10k" -> Traffic.distinctUdp(10_000, 10_000);
            case "acl-100k" -> Traffic.distinctUdp(100_000, 100_001);
            case "acl-trains-10k" -> Traffic.trains(Traffic.distinctUdp(10_000, 10_000), 8);
            // Rewritten in place, a frame alternates between the two: each has a rule and a megaflow.
            case "arp-rewrite" -> List.of(arp(1, 1, 1), arp(2, 9, 0x99));
            case "nd-rewrite" -> List.of(neighbourSolicitation(5, 1), neighbourSolicitation(0x99, 0x99));
            default -> throw new IllegalArgumentException(workload);
        };
        final String rules = switch (workload) {
            case "arp-rewrite" -> "arp,arp_op=1,actions=set_field:2->arp_op,set_field:10.0.0.9->arp_spa,"
                    + "set_field:02:00:00:00:00:99->arp_sha,output:2\n"
                    + "arp,arp_op=2,actions=set_field:1->arp_op,set_field:10.0.0.1->arp_spa,"
                    + "set_field:02:00:00:00:00:01->arp_sha,output:2\n";
            case "nd-rewrite" -> "icmp6,icmp_type=135,nd_target=fe80::5,actions=set_field:fe80::99->nd_target,"
                    + "set_field:02:00:00:00:00:99->nd_sll,output:2\n"
                    + "icmp6,icmp_type=135,nd_target=fe80::99,actions=set_field:fe80::5->nd_target,"
                    + "set_field:02:00:00:00:00:01->nd_sll,output:2\n";
            default -> workload.startsWith("acl-") ? ACL : "priority=1,in_port=1,actions=output:2\n";
        };
        traffic = new Traffic(frames);
        final LoopPort rx = new LoopPort(1, traffic);
        sink = new SinkPort(2);
        ring = new UpcallRing(1 << 20);
        final List<Port> ports = List.of(rx, sink);
        pmd = new Pmd(0, ports, new UpcallRings(List.of(ring)), emc.equals("on") ? 100 : 0, 1, false);
        pmd.smc().enabled(smc.equals("on"));
        pmd.offer(new PmdCommand.AdoptQueue(new RxQueue(rx, 0)));
        megaflows = installMegaflows(pmd, traffic, rules);
    }

    /** An ARP message with opcode {@code op}, sender 10.0.0.{@code spa}, sender MAC 02:..:{@code sha} (set(arp(...))). */
    static byte[] arp(final int op, final int spa, final int sha) {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(60);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        b.put(new byte[] {2, 0, 0, 0, 0, (byte) sha}).putInt(0x0a00_0000 | spa).put(new byte[6]).putInt(0x0a00_0002);
        return b.array();
    }

    /** A neighbour solicitation for fe80::{@code target} with source link-layer option 02:..:{@code sll} (set(nd(...))). */
    static byte[] neighbourSolicitation(final int target, final int sll) {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(86);
        b.put(new byte[] {51, 51, -1, 0, 0, 1, 2, 0, 0, 0, 0, 1}).putShort((short) 0x86dd);
        b.putInt(0x6000_0000).putShort((short) 32).put((byte) 58).put((byte) 255);
        b.putLong(0xfe80_0000_0000_0000L).putLong(1).putLong(0xff02_0000_0000_0000L).putLong(0x1_ff00_0001L);
        b.put((byte) 135).put((byte) 0).putShort((short) 0).putInt(0);
        b.putLong(0xfe80_0000_0000_0000L).putLong(target).put((byte) 1).put((byte) 1)
                .put(new byte[] {2, 0, 0, 0, 0, (byte) sll});
        return b.array();
    }

    /** Translates every frame with the slow path and installs each distinct megaflow once. */
    static int installMegaflows(final Pmd pmd, final Traffic traffic, final String rules) throws Exception {
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var parsed = FlowSyntax.parseFlows("bench", rules, 0);
        pipeline.apply(e -> parsed.forEach(e::addRule));
        final Xlate xlate = new Xlate(p -> p == 1 || p == 2, null);
        final FlowRegistry registry = new FlowRegistry();
        for (int i = 0; i < traffic.size(); i++) {
            final long[] key = traffic.key(i, 1);
            final XlateResult r = xlate.translate(pipeline.current(), key);
            final DpFlow flow = new DpFlow(key, FlowMask.of(r.datapathMask()), r.actions(), pmd.id(), 0);
            if (registry.putIfAbsent(flow) == flow) {
                pmd.installNow(flow);
            }
        }
        return registry.size();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        final PmdStats.Snapshot s = pmd.stats().snapshot();
        final long rx = s.get(PmdCounter.RX_PACKETS);
        final long misses = s.get(PmdCounter.MISSES) + s.get(PmdCounter.LOST_UPCALLS);
        final long accounted = s.get(PmdCounter.TX_PACKETS) + s.get(PmdCounter.DROP_ACTION);
        System.out.printf("%n%s, smc %s, emc %s: %d megaflows, %d masks, rx %d, emc hits %.1f%%, smc hits %.1f%%,"
                        + " megaflow hits %.1f%%, subtable lookups per megaflow hit %.2f, smc buckets %d%n", workload, smc, emc, megaflows,
                pmd.maskCount(), rx, 100.0 * s.get(PmdCounter.EMC_HITS) / rx, 100.0 * s.get(PmdCounter.SMC_HITS) / rx,
                100.0 * s.get(PmdCounter.MEGAFLOW_HITS) / rx,
                (double) s.get(PmdCounter.SUBTABLE_LOOKUPS) / Math.max(1, s.get(PmdCounter.MEGAFLOW_HITS)),
                pmd.smc().buckets());
        traffic.close();
        ring.close();
        pmd.onClose();
        if (misses != 0 || accounted != rx) {
            throw new IllegalStateException(workload + ": " + misses + " misses, " + accounted + " of " + rx
                    + " packets sent or dropped: the measurement is not valid");
        }
    }

    @Benchmark
    @OperationsPerInvocation(PacketBatch.MAX_BURST)
    public int dutyCycle() {
        return pmd.doWork();
    }
}
