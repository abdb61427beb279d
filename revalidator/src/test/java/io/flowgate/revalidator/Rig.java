package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Handler;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.upcall.UpcallCounters;
import io.flowgate.slowpath.xlate.Xlate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole datapath on the test's thread: ring ports 1 (in), 2 and 3 (out), one PMD, one handler
 * and the revalidators, each stepped by the test, so every interleaving is the test's choice.
 * PMD acknowledgements of flow removals are obtained by stepping the PMD.
 */
final class Rig implements AutoCloseable {
    final RingPort in = new RingPort(1, "in");
    final RingPort out2 = new RingPort(2, "out2");
    final RingPort out3 = new RingPort(3, "out3");
    final UpcallRing ring = new UpcallRing(1 << 20);
    final Pmd pmd;
    final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
    final FlowRegistry registry = new FlowRegistry();
    final UkeyMap ukeys = new UkeyMap(16);
    final FlowLimit flowLimit = new FlowLimit();
    final Udpif udpif;
    final UpcallCounters upcalls;
    final Handler handler;
    final Revalidators revalidators;
    final Runnable stepPmd;
    final Pmds pmds = new Pmds();
    /** How many times each ukey was finished (the map's final-accounting hook). */
    final Map<Ukey, Integer> finishes = new HashMap<>();
    /** Every rule ever added, so statistics can be summed over replaced ones too. */
    final List<Rule> everyRule = new ArrayList<>();
    private final Map<Integer, Integer> sent = new HashMap<>();

    Rig(final RevalidatorSettings settings, final String rules) throws Exception {
        final List<Port> ports = List.of(in, out2, out3);
        pmd = new Pmd(0, ports, new UpcallRings(List.of(ring)), 1, 1, false);
        pmd.offer(new PmdCommand.AdoptQueue(new RxQueue(in, 0)));
        pmds.add(pmd);
        final Xlate xlate = new Xlate(p -> p >= 1 && p <= 3, null);
        udpif = new Udpif(pipeline, xlate, registry, ukeys, flowLimit);
        upcalls = udpif.counters();
        handler = new Handler(0, ring, udpif, pmds);
        revalidators = new Revalidators(settings, udpif, pmds);
        ukeys.onFinish(u -> finishes.merge(u, 1, Integer::sum));
        stepPmd = pmd::doWork;
        setRules(rules);
    }

    /** Replaces the whole rule set. */
    void setRules(final String rules) throws Exception {
        final List<Rule> parsed = FlowSyntax.parseFlows("test", rules, System.currentTimeMillis());
        everyRule.addAll(parsed);
        pipeline.apply(e -> {
            e.clear();
            parsed.forEach(e::addRule);
        });
    }

    void addRule(final Rule rule) throws Exception {
        everyRule.add(rule);
        pipeline.apply(e -> e.addRule(rule));
    }

    static byte[] udp(final int dport) {
        return PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, dport).payload(10).build();
    }

    /** Offers {@code times} copies of a frame to port 1. */
    void send(final byte[] frame, final int times) {
        for (int i = 0; i < times; i++) {
            if (!in.inject(frame)) {
                throw new AssertionError("ring port full");
            }
        }
    }

    /** Steps PMD and handler until neither has anything left to do. */
    void settle() {
        int quiet = 0;
        while (quiet < 3) {
            final int work = pmd.doWork() + handler.doWork();
            quiet = work == 0 ? quiet + 1 : 0;
        }
    }

    /** Frames sent on port 2 and 3 since the start. */
    int transmitted(final int port) {
        final RingPort p = port == 2 ? out2 : out3;
        final int n = p.drainTransmitted(f -> { }, Integer.MAX_VALUE);
        return sent.merge(port, n, Integer::sum);
    }

    Round dumpPhase() {
        return dumpPhase(System.currentTimeMillis());
    }

    /** Starts a round as if the time were {@code now} (in the future: every flow looks idle) and dumps. */
    Round dumpPhase(final long now) {
        final Round r = revalidators.startRound(now);
        revalidators.dump(0, r, stepPmd);
        return r;
    }

    void sweepPhase(final Round r) {
        revalidators.sweep(0, r, stepPmd);
        revalidators.finishRound(r);
    }

    /** A whole round, on this thread. */
    void round() {
        sweepPhase(dumpPhase());
    }

    long rulePackets() {
        long n = 0;
        for (Rule r : everyRule) {
            n += r.stats().packets();
        }
        return n;
    }

    /** The one live ukey (fails if there is not exactly one). */
    Ukey onlyUkey() {
        final List<Ukey> live = new ArrayList<>();
        for (int s = 0; s < ukeys.shardCount(); s++) {
            ukeys.forEachInShard(s, live::add);
        }
        if (live.size() != 1) {
            throw new AssertionError("expected one ukey, found " + live);
        }
        return live.getFirst();
    }

    @Override
    public void close() {
        revalidators.close();
        pmd.onClose();
        in.close();
        out2.close();
        out3.close();
        ring.close();
    }
}
