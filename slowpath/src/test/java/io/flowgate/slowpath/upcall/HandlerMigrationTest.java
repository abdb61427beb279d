package io.flowgate.slowpath.upcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.agent.AgentHost;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.xlate.Xlate;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handlers retiring while upcalls wait in their rings (the seed: a closing listener's queued
 * connections migrate to a surviving listener chosen by hash). Every agent is stepped by the test,
 * so each interleaving is forced; only {@link Handlers#resize}, which waits, runs on a thread of
 * its own.
 */
class HandlerMigrationTest {
    private final RingPort in = new RingPort(1, "in", 1 << 20, 1);
    private final RingPort out = new RingPort(2, "out", 1 << 20, 1);
    private final UpcallRings rings = new UpcallRings(List.of());
    private final Pmds pmds = new Pmds();
    private final Pmd pmd = new Pmd(0, List.<Port>of(in, out), rings, 1, 1, false);
    private final Udpif udpif;
    /** Agents "started" by the pool; the test runs their duty cycles. */
    private final List<Agent> started = new ArrayList<>();
    private final List<Agent> stopped = new ArrayList<>();
    private final Handlers handlers;

    HandlerMigrationTest() throws Exception {
        pmds.add(pmd);
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var rules = FlowSyntax.parseFlows("t", "priority=1,udp,actions=output:2\n", 0);
        pipeline.apply(e -> rules.forEach(e::addRule));
        udpif = new Udpif(pipeline, new Xlate(p -> p == 1 || p == 2, null), new FlowRegistry(), new UkeyMap(16),
                new FlowLimit());
        handlers = new Handlers(udpif, pmds, rings, 1 << 20, new AgentHost() {
            @Override
            public void start(final Agent agent, final Kind kind) {
                started.add(agent);
            }

            @Override
            public void stop(final Agent agent) {
                stopped.add(agent);
            }
        });
    }

    @AfterEach
    void close() {
        handlers.close();
        pmd.onClose();
        in.close();
        out.close();
    }

    /** UDP packet number {@code n}: its own flow, the number in its payload. */
    private static byte[] frame(final int n) {
        return PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000 + n, 53)
                .payload(ByteBuffer.allocate(4).putInt(n).array()).build();
    }

    private static int number(final byte[] frame) {
        return ByteBuffer.wrap(frame, frame.length - 4, 4).getInt();
    }

    /** Queues upcall {@code n} on {@code ring} as a PMD would, with a hash of the test's choosing. */
    private static void queue(final UpcallRing ring, final int n, final long hash) {
        final byte[] f = frame(n);
        final long[] key = Parsed.parse(f, 1).key();
        // A ring reads the packet by address, as from a batch: a native copy of the frame.
        final MemorySegment bytes = Arena.ofAuto().allocate(f.length);
        MemorySegment.copy(MemorySegment.ofArray(f), 0, bytes, 0, f.length);
        assertTrue(ring.offer(0, 1, 0, 14, 34, n, hash, key, 0, Memory.ALL, bytes.address(), f.length));
    }

    private static long hash(final int n) {
        return (n * 0x9E37_79B9_7F4A_7C15L) | 1;
    }

    private Handler handler(final int id) {
        return handlers.all().get(id);
    }

    /** Reads a ring the way its handler would, without handling: the upcalls' numbers, in order. */
    private static List<Integer> contents(final UpcallRing ring) {
        final List<Integer> seen = new ArrayList<>();
        ring.poll(u -> seen.add(number(u.frame())), 10_000);
        return seen;
    }

    @Test
    void aRetiringHandlersQueuedUpcallsGoEachToTheSurvivorItsHashPicksInOrder() throws Exception {
        handlers.resize(3, 1_000);
        final Handler leaving = handler(2);
        final UpcallRing retiring = leaving.ring();
        final int k = 40;
        for (int n = 0; n < k; n++) {
            queue(retiring, n, hash(n));
        }
        final CompletableFuture<Void> resize = CompletableFuture.runAsync(() -> {
            try {
                handlers.resize(2, 10_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // A PMD that read the old set of rings just before the switch still lands one upcall there.
        while (rings.size() != 2) {
            Thread.onSpinWait();
        }
        queue(retiring, k, hash(k));
        while (!resize.isDone()) {
            leaving.doWork(); // retiring: moves, handles nothing
            pmd.doWork();
        }
        resize.get(1, TimeUnit.SECONDS);
        assertEquals(List.of(handlers.all().get(0), handlers.all().get(1)), handlers.all());
        assertTrue(stopped.contains(started.get(2)), "the retired handler's thread was stopped");
        assertEquals(k + 1, udpif.counters().moved());
        assertEquals(0, udpif.counters().handled(), "a retiring handler handles nothing");

        final List<Integer> expect0 = new ArrayList<>();
        final List<Integer> expect1 = new ArrayList<>();
        for (int n = 0; n <= k; n++) {
            (UpcallRings.pick(hash(n), 2) == 0 ? expect0 : expect1).add(n);
        }
        assertTrue(!expect0.isEmpty() && !expect1.isEmpty(), "the hashes pick both survivors");
        assertEquals(expect0, contents(handler(0).ring()), "survivor 0: its upcalls, in their original order");
        assertEquals(expect1, contents(handler(1).ring()), "survivor 1: its upcalls, in their original order");
    }

    @Test
    void movedUpcallsAreHandledExactlyOnceAndTheirPacketsSent() throws Exception {
        handlers.resize(4, 1_000);
        final int k = 30;
        for (int n = 0; n < k; n++) {
            queue(handler(1 + n % 3).ring(), n, hash(n));
        }
        final List<Handler> all = handlers.all(); // the retiring ones leave the list at once
        final CompletableFuture<Void> resize = CompletableFuture.runAsync(() -> {
            try {
                handlers.resize(1, 10_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (!resize.isDone()) {
            for (Handler h : all) {
                h.doWork();
            }
            pmd.doWork();
        }
        resize.get(1, TimeUnit.SECONDS);
        assertEquals(1, handlers.size());
        for (int i = 0; i < 5; i++) {
            handler(0).doWork();
            pmd.doWork();
        }
        assertEquals(k, udpif.counters().handled(), "each upcall handled once");
        final Set<Integer> sent = new HashSet<>();
        out.drainTransmitted(f -> assertTrue(sent.add(number(f.toArray(ValueLayout.JAVA_BYTE))), "sent twice"), 1_000);
        assertEquals(k, sent.size(), "every moved upcall's packet was sent");
    }
}
