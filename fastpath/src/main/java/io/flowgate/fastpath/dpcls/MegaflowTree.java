package io.flowgate.fastpath.dpcls;

import static io.flowgate.fastpath.flow.FlowKey.W_ARP_SHA;
import static io.flowgate.fastpath.flow.FlowKey.W_ETH_DST;
import static io.flowgate.fastpath.flow.FlowKey.W_ETH_SRC;
import static io.flowgate.fastpath.flow.FlowKey.W_IN_PORT;
import static io.flowgate.fastpath.flow.FlowKey.W_L4;
import static io.flowgate.fastpath.flow.FlowKey.W_NW;
import static io.flowgate.fastpath.flow.FlowKey.W_NW_ADDR;
import static io.flowgate.fastpath.flow.FlowKey.W_VLAN;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;

import java.util.Arrays;

/**
 * A decision tree over the megaflows of one classifier, for few megaflows over many masks (an
 * ACL's tens of masks over tens of flows, whatever the number of 5-tuples behind them).
 *
 * <p>Why: tuple space search probes subtable after subtable, and the caches in front of it (EMC,
 * SMC) hold one entry per 5-tuple, so with 10^4–10^5 5-tuples every packet's probe is a cache
 * miss into a table of megabytes. This tree's size depends on the megaflows only: a few hundred
 * bytes that stay in the core's first-level cache, walked without the packet's hash.
 *
 * <p>Each node tests a run of up to {@value #MAX_BITS} adjacent bits of one key word (a shift
 * and a mask: no instruction some CPUs lack or microcode, as PEXT) and jumps to one of its
 * children by their value; a flow whose mask leaves a tested bit out is listed under every child
 * that bit tells apart. So the leaf a key reaches lists every megaflow that can match it, and a
 * lookup checks those (usually one) against the key: the tree only narrows the search, it never
 * answers on its own. Runs of adjacent bits suit what megaflows match: prefixes of addresses and
 * ports, whole protocol numbers. A batch walks level by level, a step per packet in turn, so the
 * packets' loads overlap instead of waiting on one another.
 *
 * <p>Built once, never changed; only its lookup scratch ({@link #at}) is written, by the PMD that
 * walks it. The classifier has a new one built when its flows have stopped changing
 * ({@link Dpcls#rank}). The greedy build weighs every run of bits that tells two flows apart at
 * every node, a millisecond or two for hundreds of flows, so it runs off the PMD's thread; it
 * gives up past {@value #MAX_WORK} steps. Up to {@value #MAX_FLOWS} flows; beyond, or when
 * listing wildcarded flows under many children would pass {@value #SIZE_PER_FLOW} entries per
 * flow, there is no tree.
 */
final class MegaflowTree {
    static final int MAX_FLOWS = 512;
    /** Bits a node tests: up to 2^6 children. */
    static final int MAX_BITS = 6;
    static final int MAX_DEPTH = 8;
    /**
     * A node's children and the flows they list, together, stay within this many times the flows
     * it splits: more bits at once means fewer levels, but every flow that wildcards one of them
     * is listed under each value it can take.
     */
    static final int SPACE = 4;
    /** Children and leaf entries, per flow, past which the build gives up (wildcards replicate). */
    static final int SIZE_PER_FLOW = 64;
    /** Flow placements weighed, past which the build gives up (about a tenth of a second). */
    static final long MAX_WORK = 50_000_000L;
    private static final int W = FlowKey.WORDS;
    /** A node: its first child's index << 32 | the run's width mask << 10 | its shift << 4 | its key word. */
    private static final int WORD_BITS = 4;
    private static final int SHIFT_BITS = 6;
    private static final int RUN_SHIFT = WORD_BITS + SHIFT_BITS;
    private static final int RUN_MASK = (1 << MAX_BITS) - 1;
    private static final int EMPTY = ~0;
    /**
     * Key words any kind of packet may use, in the order a leaf entry keeps them and
     * {@link #lookup} compares them (the others are {@link FlowKey#zeroInIpv4}, as for
     * {@link io.flowgate.fastpath.flow.FlowMask#matches}).
     */
    private static final int[] NARROW_WORDS = {W_IN_PORT, W_ETH_DST, W_VLAN, W_NW_ADDR, W_NW, W_L4, W_ETH_SRC, W_ARP_SHA};
    private static final int NARROW = NARROW_WORDS.length;
    /**
     * The first words of {@link #NARROW_WORDS}: all an IP ACL's megaflows match on (the Ethertype
     * is in the second; the third, because a megaflow matches "no VLAN tag" as OVS's do).
     */
    private static final int L3_WORDS = 6;
    /** A flow's mask has words in the first {@value #L3_WORDS} of {@link #NARROW_WORDS} only (an IP ACL's flows). */
    private static final byte L3 = 0;
    /** A flow's mask has words in {@link #NARROW_WORDS} only (Ethernet source, ARP address or TCP flags too). */
    private static final byte NARROW_ONLY = 1;
    /** A flow's mask has words beyond those (IPv6, ND): the flow checks them itself. */
    private static final byte WIDE = 2;

    /** Per node, what it tests and where its children are (see {@link #RUN_SHIFT}). */
    private final long[] nodes;
    /** Child: a node's index, or a leaf's ({@link #firstLeafNode} and up). */
    private final int[] children;
    /**
     * Leaves are numbered past the last node, so one compare tells a walk it has reached one.
     * Leaf {@code firstLeafNode + f}, f below the number of flows, lists flow f alone (most
     * leaves: the key's flow comes without a list's two loads); leaf {@code firstLeafNode +
     * flows.length + i} lists the flows of list i.
     */
    private final int firstLeafNode;
    /**
     * List i holds the flows {@code leafFlows[leafStart[i] .. leafStart[i + 1])}, each by its
     * index in {@link #flows}: a flow that wildcards a tested bit is listed in many leaves (the
     * ACL of the end-to-end benchmark: 65 flows in 587 leaves), but its words are kept once.
     */
    private final int[] leafStart;
    private final int[] leafFlows;
    private final DpFlow[] flows;
    /**
     * Per flow, its mask and match over the {@value #NARROW} words any key may use, a pair per
     * word, in line: a check reads this array (a few kilobytes, in the first-level cache), not the
     * flow's mask and match objects, and a flow's words share their cache lines.
     */
    private final long[] flowWords;
    /** Per flow, how much of the key a check compares: {@link #L3}, {@link #NARROW_ONLY} or {@link #WIDE}. */
    private final byte[] flowKind;
    private final int root;
    /** Nodes on the longest way from the root to a leaf. */
    private final int depth;
    /** Per packet of a batch, in the order {@link #lookup} takes them: where its walk is, and its key row. */
    private final int[] at = new int[Integer.SIZE];
    private final int[] rows = new int[Integer.SIZE];
    /** The keys of {@link #at} still walking, by their index there. */
    private final int[] walking = new int[Integer.SIZE];

    private MegaflowTree(final Builder b, final int root) {
        this.firstLeafNode = b.nodeCount;
        this.flows = b.flows.clone();
        this.nodes = Arrays.copyOf(b.nodes, b.nodeCount);
        this.children = Arrays.copyOf(b.children, b.childCount);
        for (int c = 0; c < b.childCount; c++) {
            if (children[c] < 0) {
                children[c] = leafNode(b, ~children[c]);
            }
        }
        this.leafStart = Arrays.copyOf(b.leafStart, b.leaves + 1);
        this.leafFlows = Arrays.copyOf(b.leafFlows, b.leafEntries);
        this.flowWords = new long[flows.length * 2 * NARROW];
        this.flowKind = new byte[flows.length];
        for (int i = 0; i < flows.length; i++) {
            final long[] mask = flows[i].mask().words();
            final long[] match = flows[i].match();
            byte kind = L3;
            for (int n = 0; n < NARROW; n++) {
                flowWords[(i * NARROW + n) * 2] = mask[NARROW_WORDS[n]];
                flowWords[(i * NARROW + n) * 2 + 1] = match[NARROW_WORDS[n]];
                if (n >= L3_WORDS && mask[NARROW_WORDS[n]] != 0) {
                    kind = NARROW_ONLY;
                }
            }
            for (int j = 0; j < W; j++) {
                if (mask[j] != 0 && FlowKey.zeroInIpv4(j)) {
                    kind = WIDE;
                }
            }
            flowKind[i] = kind;
        }
        this.root = root >= 0 ? root : leafNode(b, ~root);
        this.depth = b.maxDepth;
    }

    /** The child entry of the builder's leaf {@code leaf}: its flow's, if it lists one, else its list's. */
    private int leafNode(final Builder b, final int leaf) {
        final int start = b.leafStart[leaf];
        return b.leafStart[leaf + 1] - start == 1
                ? firstLeafNode + b.leafFlows[start]
                : firstLeafNode + flows.length + leaf;
    }

    /**
     * A tree over {@code flows} (in the order a leaf lists them), or null: more than
     * {@value #MAX_FLOWS} flows, or one that would be too big.
     */
    static MegaflowTree build(final DpFlow[] flows) {
        if (flows.length > MAX_FLOWS) {
            return null;
        }
        final Builder b = new Builder(flows);
        final int[] all = new int[flows.length];
        Arrays.setAll(all, i -> i);
        final int root = b.child(all, 0);
        return root == Builder.TOO_BIG ? null : new MegaflowTree(b, root);
    }

    /**
     * Looks up the keys whose bit is set in {@code pending} (key i at {@code keys[keyAt[i]]}):
     * the first live megaflow of its leaf that matches it goes to {@code out[i]}.
     *
     * @return the bits of the keys that were found
     */
    int lookup(final long[] keys, final int[] keyAt, final int pending, final DpFlow[] out) {
        final int r = root;
        final int first = firstLeafNode;
        if (r >= first) {
            return checkOneLeaf(keys, keyAt, pending, out, r - first); // one megaflow: nothing to walk
        }
        final int[] cur = at;
        final int[] row = rows;
        final long[] nd = nodes;
        final int[] ch = children;
        final int[] act = walking;
        // Every key takes the root's step here, with the root's word, shift, run and children in
        // registers (the steps below read each key's node): over half of all steps are the root's.
        final long rootNode = nd[r];
        final int rootWord = (int) rootNode & (1 << WORD_BITS) - 1;
        final int rootShift = (int) (rootNode >>> WORD_BITS);
        final int rootRun = (int) (rootNode >>> RUN_SHIFT) & RUN_MASK;
        final int rootChildren = (int) (rootNode >>> Integer.SIZE);
        int count = 0;
        int live = 0;
        for (int bits = pending; bits != 0; bits &= bits - 1) {
            final int o = keyAt[Integer.numberOfTrailingZeros(bits)];
            final int c = ch[rootChildren + ((int) (keys[o + rootWord] >>> rootShift) & rootRun)];
            row[count] = o;
            cur[count] = c;
            act[live] = count++;
            live += (c - first) >>> 31;
        }
        while (live > 0) {
            int next = 0;
            for (int a = 0; a < live; a++) {
                final int j = act[a];
                final long node = nd[cur[j]];
                final long word = keys[row[j] + ((int) node & (1 << WORD_BITS) - 1)];
                final int run = (int) (word >>> (node >>> WORD_BITS)) & (int) (node >>> RUN_SHIFT) & RUN_MASK;
                final int c = ch[(int) (node >>> Integer.SIZE) + run];
                cur[j] = c;
                act[next] = j;
                next += (c - first) >>> 31;
            }
            live = next;
        }
        return check(keys, pending, out);
    }

    /** Each walked key against the flows its leaf lists. */
    private int check(final long[] keys, final int pending, final DpFlow[] out) {
        final int[] cur = at;
        final int[] row = rows;
        final int first = firstLeafNode;
        int found = 0;
        int j = 0;
        for (int bits = pending; bits != 0; bits &= bits - 1, j++) {
            final DpFlow f = leafMatch(keys, row[j], cur[j] - first);
            if (f != null) {
                out[Integer.numberOfTrailingZeros(bits)] = f;
                found |= bits & -bits;
            }
        }
        return found;
    }

    /** Each key against the flows of {@code leaf}, the whole tree. */
    private int checkOneLeaf(final long[] keys, final int[] keyAt, final int pending, final DpFlow[] out,
                             final int leaf) {
        int found = 0;
        for (int bits = pending; bits != 0; bits &= bits - 1) {
            final int i = Integer.numberOfTrailingZeros(bits);
            final DpFlow f = leafMatch(keys, keyAt[i], leaf);
            if (f != null) {
                out[i] = f;
                found |= bits & -bits;
            }
        }
        return found;
    }

    /** The first live flow of leaf {@code leaf} (numbered from {@link #firstLeafNode}) that matches the key at {@code o}, or null. */
    private DpFlow leafMatch(final long[] keys, final int o, final int leaf) {
        final int single = flows.length;
        if (leaf < single) {
            return matches(keys, o, leaf);
        }
        final int[] lf = leafFlows;
        for (int e = leafStart[leaf - single], end = leafStart[leaf - single + 1]; e < end; e++) {
            final DpFlow f = matches(keys, o, lf[e]);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    /**
     * Flow {@code fi} if it is live and matches the key at {@code o}: on the six words of an
     * {@link #L3} flow, the two more of others, and, for a {@link #WIDE} one, the flow's own
     * check; else null.
     */
    private DpFlow matches(final long[] keys, final int o, final int fi) {
        final long[] w = flowWords;
        final int m = fi * 2 * NARROW;
        long diff = ((keys[o + W_IN_PORT] & w[m]) ^ w[m + 1])
                | ((keys[o + W_ETH_DST] & w[m + 2]) ^ w[m + 3])
                | ((keys[o + W_VLAN] & w[m + 4]) ^ w[m + 5])
                | ((keys[o + W_NW_ADDR] & w[m + 6]) ^ w[m + 7])
                | ((keys[o + W_NW] & w[m + 8]) ^ w[m + 9])
                | ((keys[o + W_L4] & w[m + 10]) ^ w[m + 11]);
        final byte kind = flowKind[fi];
        if (kind != L3) {
            diff |= ((keys[o + W_ETH_SRC] & w[m + 12]) ^ w[m + 13])
                    | ((keys[o + W_ARP_SHA] & w[m + 14]) ^ w[m + 15]);
        }
        final DpFlow f = flows[fi];
        return diff == 0 && (kind != WIDE || f.matches(keys, o)) && !f.deadForLookup() ? f : null;
    }

    /** Nodes in the tree, not counting its leaves (tests, statistics). */
    int nodeCount() {
        return firstLeafNode;
    }

    /** Nodes on the longest way from the root to a leaf (tests, statistics). */
    int depth() {
        return depth;
    }

    /** The most flows any leaf lists (tests). */
    int widestLeaf() {
        int w = 0;
        for (int i = 0; i + 1 < leafStart.length; i++) {
            w = Math.max(w, leafStart[i + 1] - leafStart[i]);
        }
        return w;
    }

    /** Builds depth first; flows are referred to by their index in {@link #flows}. */
    private static final class Builder {
        static final int TOO_BIG = Integer.MIN_VALUE;
        final DpFlow[] flows;
        final long[][] mask;
        final long[][] match;
        final int limit;
        long[] nodes = new long[16];
        int nodeCount;
        int[] children = new int[64];
        int childCount;
        int[] leafStart = new int[17];
        int leaves;
        int[] leafFlows = new int[64];
        int leafEntries;
        boolean tooBig;
        long work;
        int maxDepth;
        /** Per child of the split being weighed, the flows it would list. */
        final int[] sizes = new int[1 << MAX_BITS];

        Builder(final DpFlow[] flows) {
            this.flows = flows;
            this.mask = new long[flows.length][];
            this.match = new long[flows.length][];
            for (int i = 0; i < flows.length; i++) {
                mask[i] = flows[i].mask().words();
                match[i] = flows[i].match();
            }
            this.limit = SIZE_PER_FLOW * Math.max(1, flows.length);
            leaf(new int[0]); // leaf 0: the empty one every empty child shares
        }

        /** The child entry for {@code set}: a node that splits it, or a leaf listing it. */
        int child(final int[] set, final int depth) {
            if (tooBig) {
                return TOO_BIG;
            }
            if (set.length == 0) {
                return EMPTY;
            }
            if (set.length == 1 || depth == MAX_DEPTH) {
                maxDepth = Math.max(maxDepth, depth);
                return leaf(set);
            }
            int bestWord = -1;
            int bestShift = 0;
            int bestWidth = 0;
            long bestScore = score(set.length, set.length);
            for (int j = 0; j < W; j++) {
                long zeros = 0;
                long ones = 0;
                for (int f : set) {
                    zeros |= mask[f][j] & ~match[f][j];
                    ones |= mask[f][j] & match[f][j];
                }
                // Runs that start and end on a bit where two flows of the set differ (a run with
                // another bit at an end has twice the children for the same split).
                final long candidates = zeros & ones;
                for (long lo = candidates; lo != 0; lo &= lo - 1) {
                    final int shift = Long.numberOfTrailingZeros(lo);
                    for (long hi = candidates & ~((1L << shift) - 1); hi != 0; hi &= hi - 1) {
                        final int width = Long.numberOfTrailingZeros(hi) - shift + 1;
                        if (width > MAX_BITS) {
                            break;
                        }
                        final long s = split(set, j, shift, width);
                        if (s < bestScore && total(s) + (1 << width) <= SPACE * set.length) {
                            bestScore = s;
                            bestWord = j;
                            bestShift = shift;
                            bestWidth = width;
                        }
                    }
                }
            }
            if (work > MAX_WORK) {
                tooBig = true;
                return TOO_BIG;
            }
            if (bestWord < 0 || widest(bestScore) >= set.length) {
                maxDepth = Math.max(maxDepth, depth);
                return leaf(set); // flows that overlap: no bit tells them apart
            }
            return node(set, bestWord, bestShift, bestWidth, depth);
        }

        private int node(final int[] set, final int word, final int shift, final int width, final int depth) {
            final int fan = 1 << width;
            final int run = fan - 1;
            final int x = nodeCount++;
            if (x == nodes.length) {
                nodes = Arrays.copyOf(nodes, x * 2);
            }
            final int base = reserveChildren(fan);
            if (base == TOO_BIG) {
                return TOO_BIG;
            }
            nodes[x] = (long) base << Integer.SIZE | (long) run << RUN_SHIFT | (long) shift << WORD_BITS | word;
            final int[][] sub = new int[fan][set.length];
            final int[] size = new int[fan];
            place(set, word, shift, width, size, sub);
            for (int c = 0; c < fan; c++) {
                final int entry = child(Arrays.copyOf(sub[c], size[c]), depth + 1);
                if (entry == TOO_BIG) {
                    return TOO_BIG;
                }
                children[base + c] = entry;
            }
            return x;
        }

        private int reserveChildren(final int fan) {
            if (overBudget(fan)) {
                return TOO_BIG;
            }
            final int base = childCount;
            childCount += fan;
            if (childCount > children.length) {
                children = Arrays.copyOf(children, Math.max(children.length * 2, childCount));
            }
            return base;
        }

        private int leaf(final int[] set) {
            if (overBudget(set.length)) {
                return TOO_BIG;
            }
            if (leaves + 2 > leafStart.length) {
                leafStart = Arrays.copyOf(leafStart, leafStart.length * 2);
            }
            if (leafEntries + set.length > leafFlows.length) {
                leafFlows = Arrays.copyOf(leafFlows, Math.max(leafFlows.length * 2, leafEntries + set.length));
            }
            // In the order the classifier gave them, whatever the order the splits left.
            final int[] sorted = set.clone();
            Arrays.sort(sorted);
            System.arraycopy(sorted, 0, leafFlows, leafEntries, sorted.length);
            leafEntries += sorted.length;
            leafStart[++leaves] = leafEntries;
            return ~(leaves - 1);
        }

        /** True (and the build is off) if {@code entries} more children or leaf entries pass the limit. */
        private boolean overBudget(final int entries) {
            if (childCount + leafEntries + entries > limit) {
                tooBig = true;
            }
            return tooBig;
        }

        /**
         * How well testing the {@code width} bits of word {@code word} from {@code shift} up
         * splits {@code set}: the widest child first, then all children's sizes summed (what
         * wildcards replicate); smaller is better.
         */
        private long split(final int[] set, final int word, final int shift, final int width) {
            final int fan = 1 << width;
            final int[] size = sizes;
            Arrays.fill(size, 0, fan, 0);
            final int total = place(set, word, shift, width, size, null);
            work += total;
            int widest = 0;
            for (int c = 0; c < fan; c++) {
                widest = Math.max(widest, size[c]);
            }
            return score(widest, total);
        }

        /**
         * Places each flow of {@code set} under every child of the run of {@code width} bits of
         * word {@code word} from {@code shift} that it can match (the bits it wildcards take
         * every value): counted in {@code size}, and listed in {@code lists} unless null.
         *
         * @return the placements (the children's sizes summed)
         */
        private int place(final int[] set, final int word, final int shift, final int width, final int[] size,
                          final int[][] lists) {
            final int run = (1 << width) - 1;
            int total = 0;
            for (int f : set) {
                final int value = (int) (match[f][word] >>> shift) & run;
                final int free = (int) (~mask[f][word] >>> shift) & run;
                int c = 0;
                do { // every subset of the wildcarded bits
                    final int child = value | c;
                    if (lists != null) {
                        lists[child][size[child]] = f;
                    }
                    size[child]++;
                    total++;
                    c = (c - free) & free;
                } while (c != 0);
            }
            return total;
        }

        private static long score(final int widest, final int total) {
            return (long) widest << 32 | total;
        }

        private static int widest(final long score) {
            return (int) (score >>> 32);
        }

        private static int total(final long score) {
            return (int) score;
        }
    }
}
