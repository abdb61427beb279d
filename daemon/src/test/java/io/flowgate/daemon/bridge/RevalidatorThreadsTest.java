package io.flowgate.daemon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Revalidator threads in a running datapath: waiting for a round, purging, stopping. */
class RevalidatorThreadsTest {
    @Test
    void waitPurgeAndStopWorkWithTheThreadsRunning() throws Exception {
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final List<Rule> rules = FlowSyntax.parseFlows("t", "priority=1,udp,tp_dst=0x0/0x1,actions=output:2\n"
                + "priority=1,udp,tp_dst=0x1/0x1,actions=output:3\n", 0);
        pipeline.apply(e -> rules.forEach(e::addRule));
        final BridgeConfig config = BridgeConfig.of(List.of(PortSpec.parse(1, "ring:in"), PortSpec.parse(2, "ring:a"),
                PortSpec.parse(3, "ring:b")), null, false)
                .with(c -> c.revalidation = new RevalidatorSettings(2, 10_000, 5));
        final Bridge dp = new Bridge(config, pipeline);
        try {
            dp.start();
            final RingPort in = (RingPort) dp.ports().getFirst();
            for (int i = 0; i < 1000; i++) {
                in.inject(PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, 2000 + i % 4).build());
            }
            while (dp.totals().get(PmdCounter.TX_PACKETS) < 1000) {
                Thread.sleep(5);
            }
            dp.revalidators().awaitRound(10, TimeUnit.SECONDS);
            assertEquals(1000, rules.get(0).stats().packets() + rules.get(1).stats().packets());
            assertEquals(2, dp.registry().size());
            assertEquals(2, dp.revalidators().keys(0) + dp.revalidators().keys(1));

            dp.revalidators().purge();
            dp.revalidators().awaitRound(10, TimeUnit.SECONDS);
            assertEquals(0, dp.registry().size());
            assertEquals(0, dp.ukeys().size());
            assertTrue(dp.revalidators().completedRounds() >= 2);
        } finally {
            final long start = System.nanoTime();
            dp.close();
            // Does not hang: a generous bound, as a loaded machine may take seconds to stop threads.
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "stops, does not hang");
        }
    }
}
