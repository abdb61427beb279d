package io.flowgate.daemon.bridge;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.slowpath.lb.ConnTimeouts;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full connection table refuses new connections with a counted drop; nothing else suffers. The
 * table holds twice the flow-limit ceiling (here 50, so 100 connections): the 101st SYN and those
 * after it are dropped as {@code datapath_drop_conn_table_full}, no ukey is left behind for them,
 * the connections already in the table go on to their backends, and once connections end the
 * refused ones get in.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionTableFullTest {
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final ValueLayout.OfShort TCP_PORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Test
    void aFullTableRefusesNewConnectionsAndServesTheRest() throws Exception {
        final List<PortSpec> specs = List.of(PortSpec.parse(1, "ring:clients"), PortSpec.parse(2, "ring:b2"),
                PortSpec.parse(3, "ring:b3"));
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var rules = FlowSyntax.parseFlows("lb", "priority=10,tcp,in_port=1,actions=group:1\n", 0);
        final var group = GroupSyntax.parseGroup("lb", 1,
                "group_id=1,type=select,selection_method=rr,bucket=bucket_id:1,actions=output:2,"
                        + "bucket=bucket_id:2,actions=output:3");
        pipeline.apply(e -> {
            e.putGroup(group);
            rules.forEach(e::addRule);
        });
        final BridgeConfig config = BridgeConfig.of(specs, null, false).with(c -> c.flowLimit = 50);
        assertEquals(100, Bridge.connectionCapacity(config));
        try (Bridge dp = new Bridge(config, pipeline)) {
            final RingPort[] ring = new RingPort[4];
            for (Port p : dp.ports()) {
                ring[p.number()] = (RingPort) p;
            }
            dp.start();
            final Map<Integer, Integer> backendOf = new HashMap<>();

            send(ring[1], 1000, 100, SYN);
            awaitOut(ring, backendOf, 100);
            assertEquals(100, backendOf.size(), "the first 100 connections were all set up");

            send(ring[1], 2000, 50, SYN);
            await(() -> dp.totals().drops(DropReason.CONN_TABLE_FULL) == 50,
                    () -> "50 refusals counted, got " + dp.totals().drops(DropReason.CONN_TABLE_FULL));
            assertEquals(50, dp.upcalls().refused());
            assertEquals(0, dp.upcalls().errors(), "a refusal is not an error");

            // The connections in the table are served as before, each by its backend.
            final Map<Integer, Integer> again = new HashMap<>();
            send(ring[1], 1000, 100, ACK);
            awaitOut(ring, again, 100);
            assertEquals(backendOf, again, "every established connection kept its backend");

            dp.revalidators().awaitRound(30, TimeUnit.SECONDS);
            dp.revalidators().awaitRound(30, TimeUnit.SECONDS);
            assertEquals(List.of(), dp.loadBalancer().countMismatches());
            final int[] b1 = dp.loadBalancer().connections(1, 1);
            final int[] b2 = dp.loadBalancer().connections(1, 2);
            assertEquals(100, b1[0] + b1[1] + b2[0] + b2[1], "the table holds exactly the admitted 100");
            final UkeyMap ukeys = dp.ukeys();
            assertEquals(ukeys.counters().created(), ukeys.counters().finished() + ukeys.size(),
                    "every ukey is live or finished");
            for (int s = 0; s < ukeys.shardCount(); s++) {
                ukeys.forEachInShard(s, u -> {
                    assertEquals(UkeyState.INSTALLED, u.state(), u.toString());
                    assertFalse(u.isLocked(), "left locked: " + u);
                });
            }
            assertEquals(ukeys.size(), dp.registry().size(), "one registered flow per live ukey");

            // Connections that end make room: the refused ones are let in when they try again.
            dp.loadBalancer().timeouts(ConnTimeouts.defaults().with("tcp=0.1"));
            await(() -> {
                final int[] c1 = dp.loadBalancer().connections(1, 1);
                final int[] c2 = dp.loadBalancer().connections(1, 2);
                return c1[0] + c1[1] + c2[0] + c2[1] == 0;
            }, () -> "the established connections timed out");
            final Map<Integer, Integer> later = new HashMap<>();
            send(ring[1], 2000, 50, SYN);
            awaitOut(ring, later, 50);
            assertEquals(50, later.size(), "the once refused connections are set up now");
            assertEquals(50, dp.totals().drops(DropReason.CONN_TABLE_FULL), "and no more refusals");
            assertEquals(dp.totals().get(PmdCounter.RX_PACKETS),
                    dp.totals().get(PmdCounter.TX_PACKETS) + dp.totals().drops(), "every packet accounted for");
        }
    }

    private static void send(final RingPort port, final int firstSrcPort, final int count, final int flags) {
        for (int i = 0; i < count; i++) {
            final byte[] f = PacketBuilder.eth().ipv4("10.0." + (i >> 8) + "." + (i & 0xFF), "192.168.0.1")
                    .tcp(firstSrcPort + i, 80, flags).build();
            while (!port.inject(f)) {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Collects frames from the backends until {@code count} more have gone out, recording source
     * port → backend port; a connection seen on two backends fails the test.
     */
    private static void awaitOut(final RingPort[] ring, final Map<Integer, Integer> backendOf, final int count)
            throws InterruptedException {
        final List<String> moved = new ArrayList<>();
        final int[] got = new int[1];
        await(() -> {
            for (int p = 2; p <= 3; p++) {
                final int port = p;
                got[0] += ring[p].drainTransmitted(f -> {
                    final int srcPort = Short.toUnsignedInt(f.get(TCP_PORT, 34));
                    final Integer was = backendOf.put(srcPort, port);
                    if (was != null && was != port) {
                        moved.add(srcPort + ": " + was + " -> " + port);
                    }
                }, Integer.MAX_VALUE);
            }
            return got[0] >= count;
        }, () -> "packets out: " + got[0] + " of " + count);
        assertEquals(count, got[0]);
        assertEquals(List.of(), moved);
    }

    private static void await(final BooleanSupplier condition, final Supplier<String> what)
            throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what.get());
            Thread.sleep(10);
        }
    }
}
