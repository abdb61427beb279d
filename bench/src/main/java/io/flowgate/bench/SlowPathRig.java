package io.flowgate.bench;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.revalidator.Revalidators;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Handler;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.xlate.Xlate;

import java.util.ArrayList;
import java.util.List;

/**
 * The slow path of one datapath for benchmarks: rules, a Udpif, PMDs without threads (their
 * commands are drained by whoever drives them), handlers and a revalidator group. Upcalls are
 * made up from one UDP frame whose key gets a different source address each time, so every
 * upcall is a new flow; megaflows are exact (OVS's upcall/disable-megaflows) for the same reason.
 */
final class SlowPathRig implements AutoCloseable {
    static final String RULES = """
            priority=700,udp,nw_src=10.0.0.0/8,tp_dst=53,actions=output:2
            priority=600,udp,tp_dst=0x1000/0xf000,actions=output:2
            priority=400,udp,nw_dst=172.16.0.0/12,tp_src=1024/0xfc00,actions=output:2
            priority=300,udp,tp_src=0x8000/0x8000,actions=drop
            priority=100,ip,actions=output:2
            """;

    final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
    final Udpif udpif;
    final SinkPort sink = new SinkPort(2);
    final List<Pmd> pmds = new ArrayList<>();
    final Pmds live = new Pmds();
    final List<Handler> handlers = new ArrayList<>();
    final Revalidators revalidators;
    private final byte[] frame = Traffic.udp("10.0.0.1", "172.16.0.1", 40000, 8080);
    private final long[] baseKey;

    SlowPathRig(final int handlerCount, final RevalidatorSettings settings) throws Exception {
        final var rules = FlowSyntax.parseFlows("bench", RULES, 0);
        pipeline.apply(e -> rules.forEach(e::addRule));
        final FlowLimit limit = new FlowLimit(10_000_000);
        limit.set(10_000_000);
        udpif = new Udpif(pipeline, new Xlate(p -> p == 1 || p == 2, null), new FlowRegistry(), new UkeyMap(), limit);
        final UpcallRing none = new UpcallRing(1 << 16);
        for (int i = 0; i < handlerCount; i++) {
            final LoopPort in = new LoopPort(1, new Traffic(List.of(frame)));
            pmds.add(new Pmd(i, List.<Port>of(in, sink), new UpcallRings(List.of(none)), 100, 1, false));
            live.add(pmds.get(i));
        }
        udpif.megaflows(false);
        for (int i = 0; i < handlerCount; i++) {
            handlers.add(new Handler(i, none, udpif, live));
        }
        revalidators = new Revalidators(settings, udpif, live);
        try (Traffic t = new Traffic(List.of(frame))) {
            baseKey = t.key(0, 1);
        }
    }

    /** Upcall number {@code n} for PMD {@code pmd}: a flow of its own. */
    UpcallRing.Upcall upcall(final int pmd, final long n) {
        final long[] key = baseKey.clone();
        FlowField.NW_SRC.set(key, 0x0A00_0000L | (n & 0xFF_FFFF));
        FlowField.TP_SRC.set(key, 1024 + ((n >>> 24) & 0x3FF));
        FlowField.NW_DST.set(key, 0xAC10_0000L | pmd);
        return new UpcallRing.Upcall(pmd, 1, 0, 14, 34, 0, 0, key, frame);
    }

    /** Runs the PMD's command queue dry (installs and packet-outs). */
    static void drain(final Pmd pmd) {
        while (pmd.doWork() > 0) {
            // keep going until an iteration finds nothing
        }
    }

    /** Sets up {@code count} flows through handler 0 and PMD 0, draining as it goes. */
    void install(final int count) {
        final Handler h = handlers.getFirst();
        final Pmd pmd = pmds.getFirst();
        for (int i = 0; i < count; i++) {
            h.handle(upcall(0, i));
            if ((i & 511) == 511) {
                drain(pmd);
            }
        }
        drain(pmd);
    }

    @Override
    public void close() {
        revalidators.close();
        for (Pmd p : pmds) {
            p.onClose();
        }
    }
}
