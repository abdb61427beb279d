package io.flowgate.fastpath.dpcls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

class DpclsTest {
    private static final int W = FlowKey.WORDS;
    private static final int[] ROWS = FlowKey.rowStarts(32);
    /** Builds megaflow trees on the ranking thread, at once. */
    private static final Executor NOW = Runnable::run;

    private static long[] key(final String dst, final int dport) {
        return Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", dst).udp(1000, dport).build(), 1).key();
    }

    /** in_port, dl_type and the top {@code prefix} bits of nw_dst. */
    private static FlowMask dstPrefix(final int prefix) {
        final long[] m = new long[W];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        FlowField.NW_DST.or(m, prefix == 0 ? 0 : -1L << (32 - prefix));
        return FlowMask.of(m);
    }

    private static DpFlow flow(final long[] key, final FlowMask mask, final int port) {
        return new DpFlow(key, mask, DpActions.builder().output(port).build(), 0, 0);
    }

    /** A classifier of these flows whose flows have settled: ranked twice, it walks their tree. */
    private static Dpcls settled(final DpFlow... flows) {
        final Dpcls cls = new Dpcls();
        for (DpFlow f : flows) {
            cls.insert(f);
        }
        cls.rank(NOW);
        cls.rank(NOW);
        return cls;
    }

    private static long[] batch(final long[]... keys) {
        final long[] out = new long[keys.length * W];
        for (int i = 0; i < keys.length; i++) {
            System.arraycopy(keys[i], 0, out, i * W, W);
        }
        return out;
    }

    @Test
    void aSmallSubtableChecksIpv6AddressesBeyondTheWordsEveryPacketUses() {
        // Two /64 routes (one subtable of two flows, looked up by its scan): keys that agree on
        // every IPv4-sized word and differ only in the IPv6 destination find their own route.
        final long[] m = new long[W];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        FlowField.IPV6_DST_HI.or(m, -1L);
        final FlowMask slash64 = FlowMask.of(m);
        final DpFlow a = flow(key6("2001:db8:0:1::1"), slash64, 2);
        final DpFlow b = flow(key6("2001:db8:0:2::1"), slash64, 3);
        final Dpcls cls = new Dpcls();
        cls.insert(a);
        cls.insert(b);
        final long[] keys = batch(key6("2001:db8:0:2::99"), key6("2001:db8:0:1::7"), key6("2001:db8:0:3::1"));
        final DpFlow[] out = new DpFlow[32];
        assertEquals(0b011, cls.lookup(keys, ROWS, 0b111, out));
        assertSame(b, out[0]);
        assertSame(a, out[1]);
    }

    private static long[] key6(final String dst) {
        return Parsed.parse(PacketBuilder.eth().ipv6("2001:db8::5", dst).udp(1000, 53).build(), 1).key();
    }

    @Test
    void aBatchLookupFindsEachKeysMegaflowAcrossSubtablesAndReportsMisses() {
        final Dpcls cls = new Dpcls();
        final DpFlow net24 = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        final DpFlow net16 = flow(key("10.9.0.0", 0), dstPrefix(16), 3);
        cls.insert(net24);
        cls.insert(net16);
        final long[] keys = batch(key("10.1.2.77", 53), key("10.9.200.1", 80), key("192.168.0.1", 53));
        final DpFlow[] out = new DpFlow[32];
        final int found = cls.lookup(keys, ROWS, 0b111, out);
        assertEquals(0b011, found);
        assertSame(net24, out[0]);
        assertSame(net16, out[1]);
        assertEquals(2, cls.subtableCount());
        // Only the keys asked for are looked up.
        assertEquals(0, cls.lookup(keys, ROWS, 0b100, new DpFlow[32]));
    }

    @Test
    void subtablesAreSearchedMostHitFirstAfterRanking() {
        final Dpcls cls = new Dpcls();
        cls.insert(flow(key("10.1.2.0", 0), dstPrefix(24), 2));
        cls.insert(flow(key("10.9.0.0", 0), dstPrefix(16), 3));
        final long[] keys = batch(key("10.9.0.1", 1));
        final DpFlow[] out = new DpFlow[32];
        for (int i = 0; i < 10; i++) {
            cls.lookup(keys, ROWS, 1, out);
        }
        assertEquals(20, cls.subtableLookups(), "the /16 subtable was second: two visits per hit");
        cls.rank(NOW);
        assertEquals(dstPrefix(16), cls.masks()[0]);
        cls.lookup(keys, ROWS, 1, out);
        assertEquals(21, cls.subtableLookups(), "now it is first");
    }

    @Test
    void removingFlowsKeepsTheOthersReachableAndDropsEmptySubtables() {
        final Dpcls cls = new Dpcls();
        final FlowMask mask = dstPrefix(32);
        final List<DpFlow> flows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            final DpFlow f = flow(key("10." + (i >>> 8) + "." + (i & 255) + ".1", 0), mask, 2);
            flows.add(f);
            cls.insert(f);
        }
        for (int i = 0; i < flows.size(); i += 2) {
            assertTrue(cls.remove(flows.get(i)));
        }
        assertFalse(cls.remove(flows.get(0)), "already gone");
        final DpFlow[] out = new DpFlow[32];
        for (int i = 0; i < flows.size(); i++) {
            final int found = cls.lookup(flows.get(i).match(), ROWS, 1, out);
            if (i % 2 == 0) {
                assertEquals(0, found, "flow " + i + " was removed");
            } else {
                assertEquals(1, found, "flow " + i + " must survive the removals around it");
                assertSame(flows.get(i), out[0]);
            }
        }
        assertEquals(1500, cls.flowCount());
        for (int i = 1; i < flows.size(); i += 2) {
            cls.remove(flows.get(i));
        }
        assertEquals(0, cls.subtableCount());
    }

    @Test
    void deadFlowsDoNotMatchButCanBeFoundForReplacement() {
        final Dpcls cls = new Dpcls();
        final DpFlow f = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        cls.insert(f);
        f.markDead();
        assertEquals(0, cls.lookup(batch(key("10.1.2.3", 1)), ROWS, 1, new DpFlow[32]));
        assertSame(f, cls.find(f.mask(), f.match()));
        assertNull(cls.find(dstPrefix(16), f.match()));
        assertArrayEquals(new FlowMask[] {dstPrefix(24)}, cls.masks());
    }

    /** The flow {@code cls} gives {@code key} looked up alone, or null. */
    private static DpFlow lookup(final Dpcls cls, final long[] key) {
        final DpFlow[] out = new DpFlow[32];
        return cls.lookup(key, ROWS, 1, out) != 0 ? out[0] : null;
    }

    @Test
    void aSubtableFindsItsFlowsAsItGrowsPastAFewAndShrinksBackAndLeavesDeadOnesOut() {
        final Dpcls cls = new Dpcls();
        final FlowMask m = dstPrefix(32);
        final List<DpFlow> flows = new ArrayList<>();
        // One by one up to 100 (compared one by one up to 4, hashed beyond), then back down to 2.
        for (int i = 0; i < 100; i++) {
            final DpFlow f = flow(key("10.0.0." + i, 0), m, 2);
            cls.insert(f);
            flows.add(f);
            for (int j = 0; j <= i; j++) {
                assertSame(flows.get(j), lookup(cls, key("10.0.0." + j, 7)), i + " flows, flow " + j);
            }
        }
        for (int i = 99; i >= 2; i--) {
            assertTrue(cls.remove(flows.get(i)));
            assertNull(lookup(cls, key("10.0.0." + i, 7)), "flow " + i + " removed");
            for (int j = 0; j < i; j++) {
                assertSame(flows.get(j), lookup(cls, key("10.0.0." + j, 7)), i + " flows left, flow " + j);
            }
        }
        flows.get(1).markDead();
        assertNull(lookup(cls, key("10.0.0.1", 7)), "a dead flow is no answer");
        assertSame(flows.get(0), lookup(cls, key("10.0.0.0", 7)));
        assertNull(lookup(cls, key("10.0.0.200", 7)));
    }

    @Test
    void flowsOverSeveralMasksGetATreeOnceTheyHaveNotChangedForARanking() {
        final Dpcls cls = new Dpcls();
        final DpFlow net24 = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        final DpFlow net16 = flow(key("10.9.0.0", 0), dstPrefix(16), 3);
        cls.insert(net24);
        cls.insert(net16);
        final long[] keys = batch(key("10.1.2.77", 53), key("10.9.200.1", 80), key("192.168.0.1", 53));
        cls.rank(NOW);
        assertFalse(cls.walksTree(), "flows changed since the ranking before: no tree yet");
        cls.rank(NOW);
        assertTrue(cls.walksTree());
        assertTrue(cls.treeComplete());
        final DpFlow[] out = new DpFlow[32];
        assertEquals(0b011, cls.lookup(keys, ROWS, 0b111, out));
        assertSame(net24, out[0]);
        assertSame(net16, out[1]);
        assertEquals(2, cls.treeHits());
    }

    @Test
    void aFlowInsertedAfterTheTreeIsFoundInTheSubtablesUntilTheNextTree() {
        final Dpcls cls = new Dpcls();
        final DpFlow net24 = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        cls.insert(net24);
        cls.insert(flow(key("10.9.0.0", 0), dstPrefix(16), 3));
        cls.rank(NOW);
        cls.rank(NOW);
        final DpFlow net8 = flow(key("192.0.0.0", 0), dstPrefix(8), 4);
        cls.insert(net8);
        assertTrue(cls.walksTree(), "the tree stays: what it finds is still right");
        assertFalse(cls.treeComplete());
        final long[] keys = batch(key("10.1.2.77", 53), key("192.168.0.1", 53), key("172.16.0.1", 53));
        final DpFlow[] out = new DpFlow[32];
        assertEquals(0b011, cls.lookup(keys, ROWS, 0b111, out));
        assertSame(net24, out[0]);
        assertSame(net8, out[1], "not in the tree: found in its subtable");
        assertEquals(1, cls.treeHits());
        cls.rank(NOW);
        assertFalse(cls.treeComplete(), "changed since the ranking before");
        cls.rank(NOW);
        assertTrue(cls.treeComplete());
        assertEquals(0b011, cls.lookup(keys, ROWS, 0b111, out));
        assertSame(net8, out[1]);
        assertEquals(3, cls.treeHits());
    }

    @Test
    void removingALiveFlowDropsTheTreeThatListsIt() {
        final DpFlow net24 = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        final DpFlow net16 = flow(key("10.1.0.0", 0), dstPrefix(16), 3);
        final Dpcls cls = settled(net24, net16);
        assertTrue(cls.remove(net24)); // not marked dead (a queue moving to another PMD, say)
        assertFalse(cls.walksTree());
        final DpFlow[] out = new DpFlow[32];
        assertEquals(1, cls.lookup(batch(key("10.1.2.77", 53)), ROWS, 1, out));
        assertSame(net16, out[0], "the removed flow is not found");
    }

    @Test
    void aFlowMarkedDeadIsSkippedByTheTreeWhichKeepsItThroughItsRemoval() {
        final DpFlow net24 = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        final DpFlow net16 = flow(key("10.1.0.0", 0), dstPrefix(16), 3);
        final Dpcls cls = settled(net24, net16);
        net24.markDead();
        final DpFlow[] out = new DpFlow[32];
        assertEquals(1, cls.lookup(batch(key("10.1.2.77", 53)), ROWS, 1, out));
        assertSame(net16, out[0], "the live flow that also matches");
        assertTrue(cls.remove(net24));
        assertTrue(cls.walksTree(), "a revalidator's removal (dead first) keeps the tree");
        assertTrue(cls.treeComplete());
        assertEquals(1, cls.lookup(batch(key("10.1.2.77", 53)), ROWS, 1, out));
        assertSame(net16, out[0]);
    }

    @Test
    void oneMaskGetsNoTree() {
        final Dpcls cls = new Dpcls();
        cls.insert(flow(key("10.1.2.0", 0), dstPrefix(24), 2));
        cls.insert(flow(key("10.1.3.0", 0), dstPrefix(24), 3));
        cls.rank(NOW);
        cls.rank(NOW);
        assertFalse(cls.walksTree(), "one subtable is one probe already");
    }

    @Test
    void aTreeBuiltElsewhereIsTakenAtTheFirstRankingAfterItIsDone() {
        final Dpcls cls = new Dpcls();
        cls.insert(flow(key("10.1.2.0", 0), dstPrefix(24), 2));
        cls.insert(flow(key("10.9.0.0", 0), dstPrefix(16), 3));
        final List<Runnable> builds = new ArrayList<>();
        cls.rank(builds::add);
        cls.rank(builds::add);
        assertEquals(1, builds.size(), "asked for once the flows had not changed for a ranking");
        cls.rank(builds::add);
        assertEquals(1, builds.size(), "not asked again while it is being built");
        assertFalse(cls.walksTree());
        builds.getFirst().run();
        assertFalse(cls.walksTree(), "taken by the PMD when it ranks, not by the builder");
        cls.rank(builds::add);
        assertTrue(cls.treeComplete());
        cls.rank(builds::add);
        assertEquals(1, builds.size(), "a tree of the flows as they are is not built again");
    }

    @Test
    void aTreeBuiltWhileAFlowWasInsertedIsTakenAndTheNextOneHasIt() {
        final Dpcls cls = new Dpcls();
        cls.insert(flow(key("10.1.2.0", 0), dstPrefix(24), 2));
        cls.insert(flow(key("10.9.0.0", 0), dstPrefix(16), 3));
        final List<Runnable> builds = new ArrayList<>();
        cls.rank(builds::add);
        cls.rank(builds::add);
        final DpFlow net8 = flow(key("192.0.0.0", 0), dstPrefix(8), 4);
        cls.insert(net8); // while the tree of the two flows before it is built
        builds.removeFirst().run();
        cls.rank(builds::add);
        assertTrue(cls.walksTree());
        assertFalse(cls.treeComplete(), "without the new flow");
        final DpFlow[] out = new DpFlow[32];
        assertEquals(1, cls.lookup(batch(key("192.168.0.1", 53)), ROWS, 1, out));
        assertSame(net8, out[0]);
        cls.rank(builds::add);
        builds.removeFirst().run();
        cls.rank(builds::add);
        assertTrue(cls.treeComplete(), "the flows as they are now got theirs");
        assertEquals(1, cls.lookup(batch(key("192.168.0.1", 53)), ROWS, 1, out));
        assertSame(net8, out[0]);
    }

    @Test
    void aTreeBuiltWhileALiveFlowItListsWasRemovedIsNotTaken() {
        final Dpcls cls = new Dpcls();
        final DpFlow net24 = flow(key("10.1.2.0", 0), dstPrefix(24), 2);
        cls.insert(net24);
        cls.insert(flow(key("10.9.0.0", 0), dstPrefix(16), 3));
        cls.insert(flow(key("10.8.0.0", 0), dstPrefix(16), 3));
        final List<Runnable> builds = new ArrayList<>();
        cls.rank(builds::add);
        cls.rank(builds::add);
        assertTrue(cls.remove(net24));
        builds.removeFirst().run();
        cls.rank(builds::add);
        assertFalse(cls.walksTree(), "it would find the removed flow");
        final DpFlow[] out = new DpFlow[32];
        assertEquals(0, cls.lookup(batch(key("10.1.2.77", 53)), ROWS, 1, out));
    }
}
