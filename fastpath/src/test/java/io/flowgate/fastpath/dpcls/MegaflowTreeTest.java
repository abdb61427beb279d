package io.flowgate.fastpath.dpcls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The megaflow tree finds, for any key, a live megaflow that matches it if there is one, and
 * nothing otherwise; it is only a faster way to ask the subtables.
 */
class MegaflowTreeTest {
    private static final int W = FlowKey.WORDS;
    private static final int[] ROWS = FlowKey.rowStarts(32);

    /** An ACL-like megaflow: in_port, IPv4, UDP, and prefixes of nw_src, nw_dst, tp_src and tp_dst. */
    private static DpFlow acl(final SplittableRandom r, final long[] key) {
        final long[] m = new long[W];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        FlowField.NW_PROTO.or(m, -1L);
        FlowField.NW_SRC.or(m, prefix(r, 32));
        FlowField.NW_DST.or(m, prefix(r, 32));
        FlowField.TP_SRC.or(m, prefix(r, 16));
        FlowField.TP_DST.or(m, prefix(r, 16));
        return new DpFlow(key, FlowMask.of(m), DpActions.builder().output(2).build(), 0, 0);
    }

    private static long prefix(final SplittableRandom r, final int width) {
        final int len = r.nextInt(width + 1);
        return len == 0 ? 0 : (-1L << (width - len)) & ((1L << width) - 1);
    }

    private static long[] key(final SplittableRandom r) {
        final long[] k = new long[W];
        FlowField.IN_PORT.or(k, 1);
        FlowField.DL_TYPE.or(k, 0x0800);
        FlowField.NW_PROTO.or(k, 17);
        // Few values per field, so that random keys hit the flows as well as miss them.
        FlowField.NW_SRC.or(k, 0x0A000000L | r.nextInt(4) << 22 | r.nextInt(4));
        FlowField.NW_DST.or(k, 0xAC100000L | r.nextInt(4) << 18 | r.nextInt(4));
        FlowField.TP_SRC.or(k, r.nextInt(8) << 13 | r.nextInt(4));
        FlowField.TP_DST.or(k, r.nextInt(16) << 12 | r.nextInt(8) << 5 | r.nextInt(2));
        return k;
    }

    private static boolean overlap(final DpFlow a, final DpFlow b) {
        for (int j = 0; j < W; j++) {
            if (((a.match()[j] ^ b.match()[j]) & a.mask().word(j) & b.mask().word(j)) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Megaflows as the slow path makes them: none overlaps another (each from a key no earlier one matched). */
    private static List<DpFlow> disjoint(final SplittableRandom r, final int count) {
        final List<DpFlow> flows = new ArrayList<>();
        for (int tries = 0; flows.size() < count && tries < count * 50; tries++) {
            final DpFlow f = acl(r, key(r));
            if (flows.stream().noneMatch(g -> overlap(f, g))) {
                flows.add(f);
            }
        }
        return flows;
    }

    private static DpFlow expected(final List<DpFlow> flows, final long[] key) {
        for (DpFlow f : flows) {
            if (!f.isDead() && f.matches(key, 0)) {
                return f;
            }
        }
        return null;
    }

    private static long[] batch(final List<long[]> keys) {
        final long[] out = new long[keys.size() * W];
        for (int i = 0; i < keys.size(); i++) {
            System.arraycopy(keys.get(i), 0, out, i * W, W);
        }
        return out;
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 200);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void findsTheMegaflowOfEveryKeyAndNothingForKeysWithout(final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<DpFlow> flows = disjoint(r, r.nextInt(2, 120));
        for (DpFlow f : flows) {
            if (r.nextInt(10) == 0) {
                f.markDead();
            }
        }
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree, "seed " + seed + ": " + flows.size() + " flows");
        for (int round = 0; round < 20; round++) {
            final List<long[]> keys = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                // Half random keys, half keys of a flow with its wildcarded bits random.
                final long[] k = key(r);
                if (r.nextBoolean()) {
                    final DpFlow f = flows.get(r.nextInt(flows.size()));
                    for (int j = 0; j < W; j++) {
                        k[j] = f.match()[j] | k[j] & ~f.mask().word(j);
                    }
                }
                keys.add(k);
            }
            final int pending = r.nextInt() | 1;
            final DpFlow[] out = new DpFlow[32];
            final int found = tree.lookup(batch(keys), ROWS, pending, out);
            for (int i = 0; i < 32; i++) {
                final DpFlow want = (pending & 1 << i) == 0 ? null : expected(flows, keys.get(i));
                assertEquals(want != null, (found & 1 << i) != 0, "seed " + seed + ", key " + i);
                if (want != null) {
                    assertSame(want, out[i], "seed " + seed + ", key " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void withOverlappingFlowsAKeyGetsOneThatMatchesIt(final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<DpFlow> flows = new ArrayList<>();
        for (int i = r.nextInt(2, 40); i > 0; i--) {
            flows.add(acl(r, key(r)));
        }
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree, "seed " + seed);
        final List<long[]> keys = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            keys.add(key(r));
        }
        final DpFlow[] out = new DpFlow[32];
        final int found = tree.lookup(batch(keys), ROWS, -1, out);
        for (int i = 0; i < 32; i++) {
            final boolean any = expected(flows, keys.get(i)) != null;
            assertEquals(any, (found & 1 << i) != 0, "seed " + seed + ", key " + i);
            if (any) {
                assertTrue(out[i].matches(keys.get(i), 0), "seed " + seed + ", key " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void flowsThatAlsoMatchEthernetSourceOrVlanAreCheckedOnThemToo(final long seed) {
        // Some flows match an Ethernet source or a VLAN TCI too (words an IP ACL's flows leave out):
        // the leaf check must compare them, for every flow of the tree.
        final SplittableRandom r = new SplittableRandom(seed);
        final List<DpFlow> flows = new ArrayList<>();
        for (int tries = 0; flows.size() < 40 && tries < 2000; tries++) {
            final long[] k = key(r);
            FlowField.ETH_SRC.or(k, r.nextInt(2));
            FlowField.VLAN0_TCI.or(k, r.nextInt(2));
            final DpFlow acl = acl(r, k);
            final long[] m = acl.mask().words().clone();
            if (r.nextBoolean()) {
                FlowField.ETH_SRC.or(m, -1L);
            } else {
                FlowField.VLAN0_TCI.or(m, -1L);
            }
            final DpFlow f = new DpFlow(k, FlowMask.of(m), acl.actions(), 0, 0);
            if (flows.stream().noneMatch(g -> overlap(f, g))) {
                flows.add(f);
            }
        }
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree, "seed " + seed);
        final List<long[]> keys = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            final long[] k = key(r);
            final DpFlow f = flows.get(r.nextInt(flows.size()));
            for (int j = 0; j < W; j++) {
                k[j] = f.match()[j] | k[j] & ~f.mask().word(j);
            }
            // Then, for half of them, another Ethernet source or VLAN TCI than the flow's.
            if (r.nextBoolean()) {
                FlowField.ETH_SRC.set(k, r.nextInt(2));
                FlowField.VLAN0_TCI.set(k, r.nextInt(2));
            }
            keys.add(k);
        }
        final DpFlow[] out = new DpFlow[32];
        final int found = tree.lookup(batch(keys), ROWS, -1, out);
        for (int i = 0; i < 32; i++) {
            final DpFlow want = expected(flows, keys.get(i));
            assertEquals(want != null, (found & 1 << i) != 0, "seed " + seed + ", key " + i);
            if (want != null) {
                assertSame(want, out[i], "seed " + seed + ", key " + i);
            }
        }
    }

    @Test
    void aSevenRuleAclsMegaflowsMakeAShallowTreeOfSingleFlowLeaves() {
        final SplittableRandom r = new SplittableRandom(7);
        final List<DpFlow> flows = disjoint(r, 80);
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree);
        assertTrue(tree.depth() <= 4, "depth " + tree.depth());
        assertEquals(1, tree.widestLeaf(), "disjoint flows end up one per leaf");
        assertTrue(tree.nodeCount() < flows.size(), tree.nodeCount() + " nodes for " + flows.size() + " flows");
    }

    @Test
    void flowsThatNestListedTogetherAreCheckedInTheClassifiersOrder() {
        // 10/8, 10.1/16 and 10.1.2/24 all match 10.1.2.3: no bit tells them apart there.
        final long[] k = key(new SplittableRandom(1));
        FlowField.NW_SRC.set(k, 0x0A010203L);
        final List<DpFlow> flows = new ArrayList<>();
        for (int prefix : new int[] {24, 16, 8}) {
            final long[] m = new long[W];
            FlowField.IN_PORT.or(m, -1L);
            FlowField.DL_TYPE.or(m, -1L);
            FlowField.NW_SRC.or(m, (-1L << (32 - prefix)) & 0xFFFFFFFFL);
            flows.add(new DpFlow(k, FlowMask.of(m), DpActions.builder().output(prefix).build(), 0, 0));
        }
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree);
        final DpFlow[] out = new DpFlow[32];
        assertEquals(1, tree.lookup(k, ROWS, 1, out));
        assertSame(flows.get(0), out[0], "the first listed");
        flows.get(0).markDead();
        assertEquals(1, tree.lookup(k, ROWS, 1, out));
        assertSame(flows.get(1), out[0], "the next live one");
        final long[] other = k.clone();
        FlowField.NW_SRC.set(other, 0x0A090000L);
        assertEquals(1, tree.lookup(other, ROWS, 1, out));
        assertSame(flows.get(2), out[0], "10.9.0.0: only the /8");
    }

    @Test
    void aSingleFlowIsATreeOfOneLeaf() {
        final SplittableRandom r = new SplittableRandom(3);
        final long[] k = key(r);
        final DpFlow only = acl(r, k);
        final MegaflowTree tree = MegaflowTree.build(new DpFlow[] {only});
        assertNotNull(tree);
        assertEquals(0, tree.nodeCount());
        final long[] miss = k.clone();
        FlowField.NW_PROTO.set(miss, 6);
        final DpFlow[] out = new DpFlow[32];
        assertEquals(0b01, tree.lookup(batch(List.of(k, miss)), ROWS, 0b11, out));
        assertSame(only, out[0]);
    }

    @Test
    void ipv6FlowsAreCheckedOnTheirAddressesToo() {
        // Two flows that differ only in the IPv6 source (a word the in-line check leaves to the flow).
        final List<DpFlow> flows = new ArrayList<>();
        final List<long[]> keys = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            final long[] k = new long[W];
            FlowField.IN_PORT.or(k, 1);
            FlowField.DL_TYPE.or(k, 0x86DD);
            FlowField.IPV6_SRC_LO.or(k, 0x20010DB8_00000000L | i);
            keys.add(k);
            final long[] m = new long[W];
            FlowField.IN_PORT.or(m, -1L);
            FlowField.DL_TYPE.or(m, -1L);
            FlowField.IPV6_SRC_LO.or(m, -1L);
            flows.add(new DpFlow(k, FlowMask.of(m), DpActions.builder().output(2 + i).build(), 0, 0));
        }
        final long[] v4 = new long[W];
        FlowField.IN_PORT.or(v4, 1);
        FlowField.DL_TYPE.or(v4, 0x0800);
        final long[] mv4 = new long[W];
        FlowField.IN_PORT.or(mv4, -1L);
        FlowField.DL_TYPE.or(mv4, -1L);
        flows.add(new DpFlow(v4, FlowMask.of(mv4), DpActions.builder().output(9).build(), 0, 0));
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree);
        final long[] third = keys.get(0).clone();
        FlowField.IPV6_SRC_LO.set(third, 0x20010DB8_00000007L);
        final DpFlow[] out = new DpFlow[32];
        assertEquals(0b1011, tree.lookup(batch(List.of(keys.get(0), keys.get(1), third, v4)), ROWS, 0b1111, out));
        assertSame(flows.get(0), out[0]);
        assertSame(flows.get(1), out[1]);
        assertSame(flows.get(2), out[3]);
    }

    @Test
    void moreFlowsThanTheLimitGetNoTree() {
        final SplittableRandom r = new SplittableRandom(1);
        final DpFlow[] many = new DpFlow[MegaflowTree.MAX_FLOWS + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = acl(r, key(r));
        }
        assertNull(MegaflowTree.build(many));
    }

    @Test
    void flowsWhoseWildcardsWouldBeListedOverAndOverGetNoTree() {
        // Half the flows match one exact tp_dst each, the other half one exact tp_src each: a
        // split on either port lists every flow of the other half under each of its children.
        final List<DpFlow> flows = new ArrayList<>();
        for (int i = 0; i < MegaflowTree.MAX_FLOWS; i++) {
            final long[] k = new long[W];
            FlowField.IN_PORT.or(k, 1);
            final long[] m = new long[W];
            FlowField.IN_PORT.or(m, -1L);
            final FlowField port = i % 2 == 0 ? FlowField.TP_DST : FlowField.TP_SRC;
            port.or(k, i);
            port.or(m, 0xFFFF);
            flows.add(new DpFlow(k, FlowMask.of(m), DpActions.builder().output(2).build(), 0, 0));
        }
        assertNull(MegaflowTree.build(flows.toArray(DpFlow[]::new)));
    }
}
