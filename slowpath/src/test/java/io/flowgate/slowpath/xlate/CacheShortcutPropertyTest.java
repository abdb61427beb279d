package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.flow.FlowCompose;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.syntax.FlowFormat;
import io.flowgate.slowpath.testing.RandomPipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * No shortcut changes behaviour: whatever cache answers a packet (EMC, signature match cache, the
 * megaflow classifier's subtables or its megaflow tree), the megaflow it gets matches the packet and has exactly the actions
 * that full classification of the packet gives. Random three-table pipelines; traffic of a few
 * keys and their megaflow neighbours (so caches hit with other keys of one megaflow); flows
 * removed under it now and then (so caches hold stale entries and flow numbers are reused);
 * in half the tries, subtables ranked now and then (so classifiers whose flows stay put walk a
 * tree); the test thread is the handler (every upcall translated, installed and answered).
 */
class CacheShortcutPropertyTest {
    private static final AtomicLong CHECKED = new AtomicLong();
    private static final AtomicLong SMC_HITS = new AtomicLong();
    private static final AtomicLong EMC_HITS = new AtomicLong();
    private static final AtomicLong TREE_HITS = new AtomicLong();

    @Property(tries = 300)
    void everyCacheHitHasTheActionsOfFullClassification(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final RandomPipelines.Spec spec = RandomPipelines.pipeline(r, 3, r.nextInt(1, 12));
        final PipelineVersion pipeline = MegaflowPropertyTest.build(spec);
        final Xlate xlate = new Xlate();
        final List<AutoCloseable> closing = new ArrayList<>();
        try {
            final List<Port> ports = new ArrayList<>();
            for (int p = 1; p <= 4; p++) {
                final RingPort port = new RingPort(p, "p" + p, 1 << 20, 1);
                closing.add(port);
                ports.add(port);
            }
            final UpcallRing ring = new UpcallRing(1 << 16);
            closing.add(ring);
            // EMC always inserting, sometimes; else OVS's 1 in 100.
            final Pmd pmd = new Pmd(0, ports, new UpcallRings(List.of(ring)), r.nextBoolean() ? 1 : 100, 1, false);
            closing.add(pmd::onClose);
            for (Port p : ports) {
                pmd.offer(new PmdCommand.AdoptQueue(new RxQueue(p, 0)));
            }
            final List<byte[]> frames = new ArrayList<>();
            final List<Integer> inPorts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                final long[] p = RandomPipelines.packet(r);
                final long[] mask = xlate.translate(pipeline, p).datapathMask();
                for (int j = 0; j < 4; j++) {
                    final long[] k = j == 0 ? p : RandomPipelines.neighbour(r, p, mask);
                    frames.add(FlowCompose.compose(k, 16));
                    inPorts.add((int) io.flowgate.fastpath.flow.FlowField.IN_PORT.get(k));
                }
            }
            final List<DpFlow> installed = new ArrayList<>();
            final boolean ranking = r.nextBoolean(); // else no tree: the caches answer
            for (int step = 0; step < 400; step++) {
                // A batch of one to six frames of one port; often a train of one flow whose frames
                // differ only where the key does not look (the IP identification).
                final int pick = r.nextInt(frames.size());
                final int inPort = inPorts.get(pick);
                final List<byte[]> batch = new ArrayList<>();
                final int size = r.nextInt(1, 7);
                for (int j = 0; j < size; j++) {
                    final int other = r.nextInt(frames.size());
                    final byte[] frame = (j == 0 || r.nextBoolean() || inPorts.get(other) != inPort
                            ? frames.get(pick) : frames.get(other)).clone();
                    if (frame.length > 19 && frame[12] == 0x08 && frame[13] == 0x00 && r.nextBoolean()) {
                        frame[18] = (byte) r.nextInt(256);
                        frame[19] = (byte) r.nextInt(256);
                    }
                    batch.add(frame);
                }
                final long[] before = new long[installed.size()];
                for (int f = 0; f < before.length; f++) {
                    before[f] = installed.get(f).packets();
                }
                for (byte[] frame : batch) {
                    ((RingPort) ports.get(inPort - 1)).inject(frame);
                }
                if (ranking && r.nextInt(4) == 0) {
                    pmd.rankClassifiers();
                }
                pmd.doWork();
                final List<UpcallRing.Upcall> upcalls = new ArrayList<>();
                ring.poll(upcalls::add, 100);
                for (UpcallRing.Upcall u : upcalls) {
                    final XlateResult res = xlate.translate(pipeline, u.key());
                    if (res.refusal() == null) {
                        final DpFlow flow = new DpFlow(u.key(), FlowMask.of(res.datapathMask()), res.actions(), 0, 0);
                        installed.add(flow);
                        pmd.offer(new PmdCommand.Install(flow));
                    }
                    pmd.offer(new PmdCommand.PacketOut(u.inPort(), u.rxq(), u.hash(), u.l3(), u.l4(), u.key(), u.frame(),
                            res.actions(), u.timestampNanos(), true));
                    pmd.doWork();
                }
                if (upcalls.isEmpty()) {
                    // Every packet counted once, each on a flow that matches packets of the batch
                    // (at least as many as it counted) with exactly their full classification's actions.
                    final List<long[]> keys = batch.stream().map(f -> Parsed.parse(f, inPort).key()).toList();
                    long counted = 0;
                    for (int f = 0; f < before.length; f++) {
                        final DpFlow flow = installed.get(f);
                        final long delta = flow.packets() - before[f];
                        if (delta == 0) {
                            continue;
                        }
                        counted += delta;
                        int matching = 0;
                        for (long[] key : keys) {
                            if (flow.matches(key, 0)) {
                                matching++;
                                final XlateResult full = xlate.translate(pipeline, key);
                                assertEquals(full.actions().toString(), flow.actions().toString(), () -> "seed " + seed
                                        + "\nrules:\n" + spec.flows() + "packet: " + FlowFormat.flow(key) + "\nflow: "
                                        + flow);
                            }
                        }
                        final int m = matching;
                        assertTrue(delta <= m, () -> "seed " + seed + ": " + flow + " counted " + delta + " packets, "
                                + m + " of the batch match it");
                        CHECKED.addAndGet(delta);
                    }
                    assertEquals(batch.size(), counted, "seed " + seed + ": every packet of the batch counted once");
                }
                if (!installed.isEmpty() && r.nextInt(20) == 0) {
                    final DpFlow gone = installed.remove(r.nextInt(installed.size()));
                    gone.markDead();
                    pmd.offer(new PmdCommand.Remove(gone));
                }
            }
            SMC_HITS.addAndGet(pmd.stats().snapshot().get(PmdCounter.SMC_HITS));
            EMC_HITS.addAndGet(pmd.stats().snapshot().get(PmdCounter.EMC_HITS));
            TREE_HITS.addAndGet(pmd.stats().snapshot().get(PmdCounter.TREE_HITS));
        } finally {
            for (AutoCloseable c : closing.reversed()) {
                c.close();
            }
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("cache shortcuts: " + CHECKED.get() + " hits checked against full classification ("
                + EMC_HITS.get() + " EMC, " + SMC_HITS.get() + " SMC, " + TREE_HITS.get() + " megaflow tree)");
        assertTrue(SMC_HITS.get() > 0 && EMC_HITS.get() > 0, "both caches were exercised");
        assertTrue(TREE_HITS.get() > 0, "the megaflow tree was exercised");
    }
}
