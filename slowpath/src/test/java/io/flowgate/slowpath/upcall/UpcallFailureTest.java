package io.flowgate.slowpath.upcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.agent.AgentHost;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.xlate.GroupSelector;
import io.flowgate.slowpath.xlate.Xlate;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A failure while a miss is handled costs that packet's flow, nothing else: the ukey is finished
 * exactly once and unlocked, the packet is forwarded if it was translated and otherwise dropped
 * as {@code datapath_drop_upcall_failed}, its PMD gets its answer, and the handler goes on with
 * the next upcall. Faults are injected where the code calls out: the select group's selector
 * (translation) and the ukey map's finish hook (set-up, after the new ukey is in the map).
 */
class UpcallFailureTest {
    private final RingPort in = new RingPort(1, "in", 1 << 20, 1);
    private final RingPort out = new RingPort(2, "out", 1 << 20, 1);
    private final UpcallRings rings = new UpcallRings(List.of());
    private final Pmds pmds = new Pmds();
    private final Pmd pmd = new Pmd(0, List.<Port>of(in, out), rings, 1, 1, false);
    private final UkeyMap ukeys = new UkeyMap(16);
    private final FlowRegistry registry = new FlowRegistry();
    /** Selections to fail before the selector works again. */
    private final AtomicInteger selectorFaults = new AtomicInteger();
    private final Udpif udpif;
    private final List<Agent> started = new ArrayList<>();
    private final Handlers handlers;

    UpcallFailureTest() throws Exception {
        pmds.add(pmd);
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var rules = FlowSyntax.parseFlows("t", "priority=1,udp,actions=group:1\n", 0);
        final Group group = GroupSyntax.parseGroup("t", 1, "group_id=1,type=select,bucket=actions=output:2");
        pipeline.apply(e -> {
            e.putGroup(group);
            rules.forEach(e::addRule);
        });
        final GroupSelector selector = new GroupSelector() {
            @Override
            public boolean handles(final Group g) {
                return true;
            }

            @Override
            public Bucket select(final Group g, final long version, final long[] flow, final long[] wc,
                                 final List<Claim> claims, final boolean schedule) {
                if (selectorFaults.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new IllegalStateException("injected: the selector failed");
                }
                return g.buckets().getFirst();
            }
        };
        udpif = new Udpif(pipeline, new Xlate(p -> p == 1 || p == 2, selector), registry, ukeys, new FlowLimit());
        handlers = new Handlers(udpif, pmds, rings, 1 << 20, new AgentHost() {
            @Override
            public void start(final Agent agent, final Kind kind) {
                started.add(agent);
            }

            @Override
            public void stop(final Agent agent) {
            }
        });
        handlers.resize(1, 1_000);
    }

    @AfterEach
    void close() {
        handlers.close();
        pmd.onClose();
        in.close();
        out.close();
    }

    @Test
    void aTranslationThatFailsDropsItsPacketCountedAndTheHandlerGoesOn() {
        selectorFaults.set(1);
        handle(1);
        assertEquals(1, udpif.counters().errors());
        assertEquals(1, pmd.stats().snapshot().drops(DropReason.UPCALL_FAILED), "dropped with a reason of its own");
        assertEquals(0, out.drainTransmitted(f -> { }, 10), "not forwarded: it has no actions");
        assertEquals(0, ukeys.counters().created(), "no ukey: nothing was set up");
        assertEquals(0, registry.size());

        handle(2);
        assertEquals(1, udpif.counters().installed(), "the next upcall sets its flow up");
        assertEquals(1, out.drainTransmitted(f -> { }, 10), "and its packet goes out");
        assertOnlyInstalledUnlockedUkeys(1);
        assertEquals(1, pmd.stats().snapshot().get(PmdCounter.PACKET_OUTS));
    }

    @Test
    void aSetUpThatFailsAfterItsUkeyIsInTheMapFinishesItOnceUnlocksItAndForwardsThePacket() {
        handle(1);
        assertOnlyInstalledUnlockedUkeys(1);
        assertEquals(1, out.drainTransmitted(f -> { }, 10));
        // A revalidator deleted the flow; its ukey waits, REMOVED, for the sweep. The next miss of
        // the megaflow replaces it and finishes it, and finishing fails (the hook throws, once).
        final Ukey removed = only();
        assertTrue(removed.tryLock());
        assertTrue(removed.transition(UkeyState.REMOVED));
        registry.remove(removed.flow());
        removed.unlock();
        final AtomicInteger hookFaults = new AtomicInteger(1);
        final List<Ukey> finishedByHook = new ArrayList<>();
        ukeys.onFinish(u -> {
            if (hookFaults.getAndDecrement() > 0) {
                throw new IllegalStateException("injected: finishing failed");
            }
            finishedByHook.add(u);
        });

        handle(2);
        assertEquals(1, udpif.counters().errors(), "the failure is counted");
        assertEquals(1, out.drainTransmitted(f -> { }, 10), "the translated packet is forwarded");
        assertEquals(0, pmd.stats().snapshot().drops(), "not dropped");
        assertEquals(UkeyState.DELETED, removed.state());
        assertEquals(1, finishedByHook.size(), "the new ukey was finished, once");
        assertEquals(UkeyState.DELETED, finishedByHook.getFirst().state());
        assertFalse(finishedByHook.getFirst().isLocked(), "and unlocked");
        assertEquals(0, ukeys.size(), "nothing left in the map");
        assertEquals(0, registry.size(), "nor registered");
        assertEquals(ukeys.counters().created(), ukeys.counters().finished(), "every ukey finished");

        handle(3);
        assertEquals(2, udpif.counters().installed(), "the next upcall sets its flow up");
        assertEquals(1, out.drainTransmitted(f -> { }, 10));
        assertOnlyInstalledUnlockedUkeys(1);
    }

    /** Queues upcall {@code n} as PMD 0 would, lets the handler take it and the PMD act on the answer. */
    private void handle(final int n) {
        final byte[] f = PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000 + n, 53).build();
        final long[] key = Parsed.parse(f, 1).key();
        final MemorySegment bytes = Arena.ofAuto().allocate(f.length);
        MemorySegment.copy(MemorySegment.ofArray(f), 0, bytes, 0, f.length);
        final UpcallRing ring = handlers.all().getFirst().ring();
        assertTrue(ring.offer(0, 1, 0, 14, 34, n, n | 1, key, 0, Memory.ALL, bytes.address(), f.length));
        for (int i = 0; i < 3; i++) {
            handlers.all().getFirst().doWork();
            pmd.doWork();
        }
        assertEquals(n, udpif.counters().handled(), "the handler took every upcall so far");
    }

    private Ukey only() {
        final List<Ukey> all = new ArrayList<>();
        for (int s = 0; s < ukeys.shardCount(); s++) {
            ukeys.forEachInShard(s, all::add);
        }
        assertEquals(1, all.size(), all.toString());
        return all.getFirst();
    }

    private void assertOnlyInstalledUnlockedUkeys(final int expected) {
        assertEquals(expected, ukeys.size());
        final Ukey u = only();
        assertEquals(UkeyState.INSTALLED, u.state());
        assertFalse(u.isLocked(), "left locked: " + u);
        assertEquals(expected, registry.size());
    }
}
