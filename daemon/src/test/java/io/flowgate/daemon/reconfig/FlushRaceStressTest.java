package io.flowgate.daemon.reconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.ControlSocket;
import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code revalidator/purge} and {@code upcall/disable-megaflows} racing with flow set-ups and
 * with revalidators that re-translate thousands of flows (the rules change every few
 * milliseconds, so each round holds ukey locks while it translates), many times over: no flow
 * from before the command survives it, and after disable-megaflows no megaflow is installed that
 * was set up under the old setting.
 */
class FlushRaceStressTest {
    private static final int FLOWS = 3_000;
    private static final int ITERATIONS = Integer.getInteger("flowgate.flush.iterations", 25);

    @TempDir
    Path tmp;

    private static String rules(final int generation) {
        // Every flow's actions depend on the generation: each rule change re-translates them all.
        return "priority=" + (1 + generation % 2) + ",udp,in_port=1,actions=group:" + (1 + generation % 2) + "\n";
    }

    @Test
    void noFlowFromBeforeAFlushSurvivesIt() throws Exception {
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var groups = GroupSyntax.parseGroups("t", "group_id=1,type=select,bucket=output:2,bucket=output:3\n"
                + "group_id=2,type=select,bucket=output:3,bucket=output:2\n");
        final var first = FlowSyntax.parseFlows("t", rules(0), 0);
        pipeline.apply(e -> {
            for (var g : groups) {
                e.addGroup(g);
            }
            first.forEach(e::addRule);
        });
        final var ports = List.of(PortSpec.parse(1, "ring:in"), PortSpec.parse(2, "ring:a"), PortSpec.parse(3, "ring:b"));
        final BridgeConfig config = BridgeConfig.of(ports, null, false).with(c -> {
            c.handlers = 2;
            c.revalidation = new RevalidatorSettings(2, 60_000, 5);
        });
        final AtomicBoolean stop = new AtomicBoolean();
        final java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.concurrent.atomic.AtomicInteger generations = new java.util.concurrent.atomic.AtomicInteger();
        try (Bridge dp = new Bridge(config, pipeline)) {
            dp.start();
            dp.flowLimit().set(100_000);
            final RingPort in = (RingPort) dp.port(1);
            final RingPort a = (RingPort) dp.port(2);
            final RingPort b = (RingPort) dp.port(3);
            final Thread traffic = Thread.ofPlatform().start(() -> {
                final byte[][] frames = new byte[FLOWS][];
                for (int i = 0; i < FLOWS; i++) {
                    frames[i] = PacketBuilder.eth().ipv4("10.0." + (i >> 8) + "." + (i & 255), "10.1.0.1")
                            .udp(1000 + i % 7, 53).build();
                }
                for (int i = 0; !stop.get(); i = (i + 1) % FLOWS) {
                    while (!in.inject(frames[i]) && !stop.get()) {
                        Thread.onSpinWait();
                    }
                    a.drainTransmitted(f -> { }, 1000);
                    b.drainTransmitted(f -> { }, 1000);
                }
            });
            final Thread changes = Thread.ofPlatform().start(() -> {
                for (int g = 1; !stop.get(); g++) {
                    try {
                        final var next = FlowSyntax.parseFlows("t", rules(g), 0);
                        pipeline.apply(e -> {
                            e.clear();
                            for (var group : groups) {
                                e.addGroup(group);
                            }
                            next.forEach(e::addRule);
                        });
                        generations.incrementAndGet();
                        Thread.sleep(3);
                    } catch (Exception e) {
                        failed.set(e);
                        return;
                    }
                }
            });
            final Path rundir = Files.createDirectories(tmp.resolve("run"));
            try (ControlSocket control = new ControlSocket(rundir, dp, () -> { }, null)) {
                control.start();
                int checkedFlows = 0;
                for (int it = 0; it < ITERATIONS; it++) {
                    awaitFlows(dp, FLOWS / 2);
                    final Set<DpFlow> before = Collections.newSetFromMap(new IdentityHashMap<>());
                    before.addAll(dp.registry().view());
                    checkedFlows += before.size();
                    final boolean megaflowsOff = it % 2 == 1;
                    call(control.path(), megaflowsOff ? "upcall/disable-megaflows" : "revalidator/purge");
                    for (DpFlow f : before) {
                        // Removed by its PMD, or never installed (a set-up the flush made its handler undo).
                        assertTrue(f.isRemoved(), "iteration " + it + ": a flow from before the flush survived it: " + f);
                    }
                    for (DpFlow f : dp.registry().view()) {
                        assertTrue(!before.contains(f), "iteration " + it + ": still registered: " + f);
                        if (megaflowsOff) {
                            for (long w : f.mask().words()) {
                                assertEquals(-1L, w, "iteration " + it + ": a megaflow set up before megaflows were"
                                        + " disabled was installed after: " + f);
                            }
                        }
                    }
                    if (megaflowsOff) {
                        call(control.path(), "upcall/enable-megaflows");
                    }
                }
                assertNull(failed.get(), "the rule changes went on throughout");
                System.out.println(ITERATIONS + " flushes over " + checkedFlows + " flows, with " + generations.get()
                        + " rule changes and " + dp.revalidators().counters().modified() + " flows re-translated to new"
                        + " actions meanwhile; " + dp.upcalls().flushedBeforeInstall()
                        + " set-ups dropped for starting before a flush");
            } finally {
                stop.set(true);
                traffic.join();
                changes.join();
            }
            assertEquals(0, dp.ukeys().counters().backwardTransitions());
            assertEquals(0, dp.revalidators().counters().errors());
        }
    }

    private static void awaitFlows(final Bridge dp, final int n) throws InterruptedException {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (dp.registry().size() < n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    private static void call(final Path socket, final String method) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(socket, method, List.of(), 60_000);
        assertNull(r.error(), method + ": " + r.error());
    }
}
