package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.flow.FlowCompose;
import io.flowgate.fastpath.flow.FlowFormat;
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
import io.flowgate.slowpath.ofproto.Pipeline;
import io.flowgate.slowpath.testing.RandomPipelines;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * No shortcut changes behaviour: whatever cache answers a packet (EMC, signature match cache or
 * the megaflow classifier), the megaflow it gets matches the packet and has exactly the actions
 * that full classification of the packet gives. Random three-table pipelines; traffic of a few
 * keys and their megaflow neighbours (so caches hit with other keys of one megaflow); flows
 * removed under it now and then (so caches hold stale entries and flow numbers are reused); the
 * test thread is the handler (every upcall translated, installed and answered).
 */
class CacheShortcutPropertyTest {
    private static final AtomicLong CHECKED = new AtomicLong();
    private static final AtomicLong SMC_HITS = new AtomicLong();
    private static final AtomicLong EMC_HITS = new AtomicLong();

    @Property(tries = 300)
    void everyCacheHitHasTheActionsOfFullClassification(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final RandomPipelines.Spec spec = RandomPipelines.pipeline(r, 3, r.nextInt(1, 12));
        final Pipeline pipeline = MegaflowPropertyTest.build(spec);
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
            for (int step = 0; step < 400; step++) {
                final int pick = r.nextInt(frames.size());
                final byte[] frame = frames.get(pick);
                final int inPort = inPorts.get(pick);
                final long[] before = new long[installed.size()];
                for (int f = 0; f < before.length; f++) {
                    before[f] = installed.get(f).packets();
                }
                ((RingPort) ports.get(inPort - 1)).inject(frame);
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
                    final long[] key = Parsed.parse(frame, inPort).key();
                    DpFlow hit = null;
                    for (int f = 0; f < before.length; f++) {
                        if (installed.get(f).packets() != before[f]) {
                            assertEquals(null, hit, "one flow per packet");
                            hit = installed.get(f);
                        }
                    }
                    if (hit != null) {
                        final DpFlow flow = hit;
                        final XlateResult full = xlate.translate(pipeline, key);
                        assertTrue(flow.matches(key, 0), () -> "seed " + seed + ": " + flow + " for " + FlowFormat.flow(key));
                        assertEquals(full.actions().toString(), flow.actions().toString(), () -> "seed " + seed
                                + "\nrules:\n" + spec.flows() + "packet: " + FlowFormat.flow(key) + "\nflow: " + flow);
                        CHECKED.incrementAndGet();
                    }
                }
                if (!installed.isEmpty() && r.nextInt(20) == 0) {
                    final DpFlow gone = installed.remove(r.nextInt(installed.size()));
                    gone.markDead();
                    pmd.offer(new PmdCommand.Remove(gone));
                }
            }
            SMC_HITS.addAndGet(pmd.stats().snapshot().get(PmdCounter.SMC_HITS));
            EMC_HITS.addAndGet(pmd.stats().snapshot().get(PmdCounter.EMC_HITS));
        } finally {
            for (AutoCloseable c : closing.reversed()) {
                c.close();
            }
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("cache shortcuts: " + CHECKED.get() + " hits checked against full classification ("
                + EMC_HITS.get() + " EMC, " + SMC_HITS.get() + " SMC)");
        assertTrue(SMC_HITS.get() > 0 && EMC_HITS.get() > 0, "both caches were exercised");
    }
}
