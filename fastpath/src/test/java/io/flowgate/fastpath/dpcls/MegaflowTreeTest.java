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
        for (int i = r.nextInt(2, 60); i > 0; i--) {
            flows.add(acl(r, key(r)));
        }
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        if (tree == null) {
            return; // wildcards replicated past the size limit: the classifier searches subtables
        }
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

    @Test
    void aSevenRuleAclsMegaflowsMakeAShallowTreeOfSingleFlowLeaves() {
        final SplittableRandom r = new SplittableRandom(7);
        final List<DpFlow> flows = disjoint(r, 80);
        final MegaflowTree tree = MegaflowTree.build(flows.toArray(DpFlow[]::new));
        assertNotNull(tree);
        assertTrue(tree.depth() <= MegaflowTree.MAX_DEPTH, "depth " + tree.depth());
        assertTrue(tree.widestLeaf() <= 2, "widest leaf " + tree.widestLeaf());
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
