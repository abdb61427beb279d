package io.flowgate.daemon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;

/**
 * Everything running at once: two PMDs, two handlers, four ports fed by four threads with
 * thousands of new flows. Every packet must be accounted for (sent where the rules say, or
 * dropped for a counted reason) and no upcall may go missing.
 */
class DatapathStressTest {
    private static final int PORTS = 4;
    private static final int PER_PORT = 50_000;

    /** UDP destination port d goes to port 1 + d % 4, except when d % 8 == 0, which is dropped. */
    private static String rules() {
        final StringBuilder s = new StringBuilder("priority=10,udp,tp_dst=0x0/0x7,actions=drop\n");
        for (int p = 1; p <= PORTS; p++) {
            s.append("priority=1,udp,in_port=").append(p).append(",actions=resubmit(,1)\n");
        }
        s.append("table=1,priority=1,udp,tp_dst=0x0/0x3,actions=output:1\n");
        s.append("table=1,priority=1,udp,tp_dst=0x1/0x3,actions=output:2\n");
        s.append("table=1,priority=1,udp,tp_dst=0x2/0x3,actions=output:3\n");
        s.append("table=1,priority=1,udp,tp_dst=0x3/0x3,actions=output:4\n");
        return s.toString();
    }

    /** Where the rules send the packet; 0 for dropped (OpenFlow never outputs to the input port). */
    private static int expectedPort(final int inPort, final int dport) {
        final int out = (dport & 7) == 0 ? 0 : 1 + (dport & 3);
        return out == inPort ? 0 : out;
    }

    @Test
    void everyPacketIsSentWhereTheRulesSayOrDroppedWithAReason() throws Exception {
        final List<PortSpec> specs = new ArrayList<>();
        for (int p = 1; p <= PORTS; p++) {
            specs.add(PortSpec.parse(p, "ring:r" + p));
        }
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var parsed = FlowSyntax.parseFlows("stress", rules(), 0);
        pipeline.apply(e -> parsed.forEach(e::addRule));
        final BridgeConfig config = BridgeConfig.of(specs, null, false).with(c -> {
            c.pmds = 2;
            c.handlers = 2;
            c.emcInsertInverse = 1;
        });
        final long[] expected = new long[PORTS + 1];
        final AtomicLongArray received = new AtomicLongArray(PORTS + 1);
        try (Bridge dp = new Bridge(config, pipeline)) {
            final RingPort[] ring = new RingPort[PORTS + 1];
            for (Port p : dp.ports()) {
                ring[p.number()] = (RingPort) p;
            }
            final int[][] dports = new int[PORTS + 1][PER_PORT];
            final SplittableRandom r = new SplittableRandom(7);
            for (int p = 1; p <= PORTS; p++) {
                for (int i = 0; i < PER_PORT; i++) {
                    dports[p][i] = r.nextInt(1, 65536);
                    expected[expectedPort(p, dports[p][i])]++;
                }
            }
            dp.start();
            final List<Thread> feeders = new ArrayList<>();
            for (int p = 1; p <= PORTS; p++) {
                final int port = p;
                final Thread t = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < PER_PORT; i++) {
                        final byte[] f = PacketBuilder.eth().ipv4("10.0.0." + port, "10.1.0.1")
                                .udp(1000 + i % 50, dports[port][i]).build();
                        while (!ring[port].inject(f)) {
                            drain(ring, received);
                            Thread.onSpinWait();
                        }
                    }
                });
                feeders.add(t);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                drain(ring, received);
                final Bridge.Totals t = dp.totals();
                if (t.get(PmdCounter.RX_PACKETS) == (long) PORTS * PER_PORT
                        && t.get(PmdCounter.TX_PACKETS) + t.drops() == (long) PORTS * PER_PORT) {
                    break;
                }
                Thread.sleep(5);
            }
            for (Thread t : feeders) {
                t.join();
            }
            drain(ring, received);
            final Bridge.Totals t = dp.totals();
            assertEquals((long) PORTS * PER_PORT, t.get(PmdCounter.RX_PACKETS));
            assertEquals(0, t.get(PmdCounter.LOST_UPCALLS), "no upcall may be lost with room in the rings "
                    + java.util.Arrays.toString(t.counters().counts()) + java.util.Arrays.toString(PmdCounter.values())
                    + " handled " + dp.upcalls().handled() + " errors " + dp.upcalls().errors());
            final StringBuilder why = new StringBuilder();
            for (var reason : io.flowgate.fastpath.action.DropReason.values()) {
                why.append(' ').append(reason).append('=').append(t.drops(reason));
            }
            assertEquals(expected[0], t.drops(), "dropped: what the drop rule matches and what would go back out of its input port:" + why);
            assertEquals(expected[0], t.drops(io.flowgate.fastpath.action.DropReason.ACTION));
            for (int p = 1; p <= PORTS; p++) {
                assertEquals(expected[p], received.get(p), "packets transmitted on port " + p);
            }
            assertEquals(t.get(PmdCounter.MISSES), t.get(PmdCounter.PACKET_OUTS), "every upcall was answered");
            assertTrue(dp.registry().size() <= 8 * PORTS, dp.registry().size() + " megaflows for 8 outcomes per port");
        }
    }

    private static synchronized void drain(final RingPort[] ring, final AtomicLongArray received) {
        for (int p = 1; p < ring.length; p++) {
            final int port = p;
            ring[p].drainTransmitted(f -> received.incrementAndGet(port), Integer.MAX_VALUE);
        }
    }
}
