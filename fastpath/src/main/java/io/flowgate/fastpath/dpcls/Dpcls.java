package io.flowgate.fastpath.dpcls;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The megaflow classifier of one PMD for one input port: tuple space search over one
 * {@link DpclsSubtable} per mask, subtables searched most-hit first and re-ranked about once a
 * second.
 *
 * <p>Why one classifier per input port, as OVS does: every megaflow matches in_port exactly, so a
 * flow of port 1 can never match a packet of port 2. Splitting by port means a batch (which comes
 * from one port) searches only the masks its own port's traffic produced, and subtable ranking
 * follows each port's traffic mix instead of the sum of all ports'. The price, one small map
 * lookup per batch, is paid once for up to 32 packets.
 *
 * <p>Few megaflows over several masks (an ACL's) are also kept in a {@link MegaflowTree}, built
 * once they have stopped changing for a ranking interval; while there is one
 * ({@link #walksTree}), a lookup walks it instead of the subtables. Flows inserted since it was
 * built are not in it: its misses are then looked up in the subtables, until the next tree. A
 * removed flow stays in it if it was marked dead first (as every revalidator removal is): the tree
 * skips dead flows. Any other removal drops the tree.
 *
 * <p>Owned by the PMD thread: only it inserts, removes and looks up. A tree is built elsewhere
 * ({@link #BACKGROUND}: a build takes up to milliseconds, which a PMD would spend not polling)
 * from a copy of the flow list, and taken at a later ranking unless a live flow of that list was
 * removed meanwhile.
 */
public final class Dpcls {
    private static final int W = FlowKey.WORDS;
    /**
     * Where PMDs have their megaflow trees built: one daemon thread for all, started by
     * {@link #startBuilder} (from a thread that is not a PMD: it keeps its creator's CPUs).
     */
    public static final Executor BACKGROUND = Builds.POOL;

    private DpclsSubtable[] subtables = new DpclsSubtable[0];
    /** The bits every subtable's mask has (all 0 while there is none). */
    private final long[] common = new long[W];
    private int flowCount;
    /** Subtables visited per hit, summed (for "subtable lookups per hit"); a tree hit counts one. */
    private long subtableLookups;
    /** Keys the megaflow tree found. */
    private long treeHits;
    /** Inserts and removals so far. */
    private long changes;
    private long inserts;
    /** Removals of flows not marked dead: a tree that lists one must not be walked. */
    private long liveRemovals;
    /** An insert or removal since the last {@link #rank}. */
    private boolean changedSinceRank;
    /** Over the flows as they were after {@link #treeChanges} changes ({@link #treeInserts} inserts), or null. */
    private MegaflowTree tree;
    private long treeChanges;
    private long treeInserts;
    /** The flows as they are now get no tree (too many, or too big): not tried again until they change. */
    private boolean treeless;
    /** The tree being built, or null; from the flows as they were after these many changes. */
    private CompletableFuture<MegaflowTree> building;
    private long buildingChanges;
    private long buildingInserts;
    private long buildingLiveRemovals;

    public int flowCount() {
        return flowCount;
    }

    public int subtableCount() {
        return subtables.length;
    }

    /**
     * Looks up the keys whose bit is set in {@code pending} (key i at {@code keys[keyAt[i]]});
     * found flows go to {@code out[i]}.
     *
     * @return the bits of the keys that were found
     */
    public int lookup(final long[] keys, final int[] keyAt, final int pending, final DpFlow[] out) {
        int remaining = pending;
        int found = 0;
        final MegaflowTree t = tree;
        if (t != null) {
            found = t.lookup(keys, keyAt, pending, out);
            final int hits = Integer.bitCount(found);
            subtableLookups += hits;
            treeHits += hits;
            if (treeInserts == inserts) {
                return found; // the tree has every flow
            }
            remaining &= ~found;
        }
        final DpclsSubtable[] st = subtables;
        for (int s = 0; s < st.length && remaining != 0; s++) {
            final DpclsSubtable sub = st[s];
            final int hit = sub.lookup(keys, keyAt, remaining, out);
            remaining &= ~hit;
            found |= hit;
            final int hits = Integer.bitCount(hit);
            sub.hits += hits;
            subtableLookups += (long) hits * (s + 1);
        }
        return found;
    }

    /** The installed flow with exactly this mask and match (dead or alive), or null. */
    public DpFlow find(final FlowMask mask, final long[] match) {
        for (DpclsSubtable s : subtables) {
            if (s.mask.equals(mask)) {
                return s.find(match, mask.hash(match, 0));
            }
        }
        return null;
    }

    public void insert(final DpFlow flow) {
        DpclsSubtable target = null;
        for (DpclsSubtable s : subtables) {
            if (s.mask.equals(flow.mask())) {
                target = s;
                break;
            }
        }
        if (target == null) {
            target = new DpclsSubtable(flow.mask());
            subtables = Arrays.copyOf(subtables, subtables.length + 1);
            subtables[subtables.length - 1] = target;
            recomputeCommon();
        }
        target.insert(flow);
        flowCount++;
        inserts++;
        changed();
    }

    private void changed() {
        changes++;
        changedSinceRank = true;
        treeless = false;
    }

    /**
     * True while a lookup walks the megaflow tree (then the subtables, for flows inserted since it
     * was built): it needs no hash of the key, and a key it does not find has no megaflow here (no
     * cache in front could know better).
     */
    public boolean walksTree() {
        return tree != null;
    }

    /** True while the megaflow tree has every flow: every hit is the tree's. */
    public boolean treeComplete() {
        return tree != null && treeInserts == inserts;
    }

    public boolean remove(final DpFlow flow) {
        for (int i = 0; i < subtables.length; i++) {
            final DpclsSubtable s = subtables[i];
            if (s.mask.equals(flow.mask())) {
                if (!s.remove(flow)) {
                    return false;
                }
                flowCount--;
                if (!flow.isDead()) {
                    liveRemovals++;
                    tree = null; // it would still find the flow
                }
                changed();
                if (s.size() == 0) {
                    final DpclsSubtable[] next = new DpclsSubtable[subtables.length - 1];
                    System.arraycopy(subtables, 0, next, 0, i);
                    System.arraycopy(subtables, i + 1, next, i, subtables.length - i - 1);
                    subtables = next;
                    recomputeCommon();
                }
                return true;
            }
        }
        return false;
    }

    private void recomputeCommon() {
        Arrays.fill(common, subtables.length == 0 ? 0 : -1L);
        for (DpclsSubtable s : subtables) {
            for (int j = 0; j < W; j++) {
                common[j] &= s.mask.word(j);
            }
        }
    }

    /**
     * A hash of the key row at {@code keys[o]} over the bits every installed megaflow matches:
     * two keys with different ones are very likely in different megaflows (if the next megaflow's
     * mask has those bits too, as all so far had). With no megaflow yet, every key gets the same.
     * Misses only, to tell which may wait for an upcall in flight (see Parking).
     */
    public long commonHash(final long[] keys, final int o) {
        final long[] c = common;
        long h = 0;
        for (int j = 0; j < W; j++) {
            h = FlowHash.step(h, keys[o + j] & c[j]);
        }
        return FlowHash.finish(h);
    }

    /**
     * Orders subtables by hits since the last ranking, most hit first, and resets the counts. In
     * place (insertion sort over a handful of subtables), so the PMD allocates nothing. Then, if
     * the flows have not changed since the last ranking and the tree (if any) is of older ones,
     * has theirs built by {@code builds} (allocates, as an install does: once per change at most),
     * and takes a built one unless a live flow it lists was removed meanwhile.
     */
    public void rank(final Executor builds) {
        rankSubtables();
        if (!changedSinceRank && building == null && !treeless && subtables.length > 1
                && (tree == null || treeChanges != changes)) {
            if (flowCount > MegaflowTree.MAX_FLOWS) {
                treeless = true; // a tree of older flows, if any, stays: it is still right
            } else {
                final DpFlow[] all = new DpFlow[flowCount];
                final int[] n = {0};
                forEach(f -> all[n[0]++] = f); // in search order: a leaf lists them as the subtables would find them
                buildingChanges = changes;
                buildingInserts = inserts;
                buildingLiveRemovals = liveRemovals;
                building = CompletableFuture.supplyAsync(() -> MegaflowTree.build(all), builds);
            }
        }
        final CompletableFuture<MegaflowTree> b = building;
        if (b != null && b.isDone()) {
            building = null;
            final MegaflowTree built = b.isCompletedExceptionally() ? null : b.join();
            if (built == null) {
                treeless = buildingChanges == changes;
            } else if (buildingLiveRemovals == liveRemovals) {
                tree = built;
                treeChanges = buildingChanges;
                treeInserts = buildingInserts;
            }
        }
        changedSinceRank = false;
    }

    /** Starts the thread that builds megaflow trees, if it has not started (on a thread that is not a PMD). */
    public static void startBuilder() {
        Builds.POOL.prestartCoreThread();
    }

    private void rankSubtables() {
        final DpclsSubtable[] s = subtables;
        for (int i = 1; i < s.length; i++) {
            final DpclsSubtable x = s[i];
            int j = i - 1;
            while (j >= 0 && s[j].hits < x.hits) {
                s[j + 1] = s[j];
                j--;
            }
            s[j + 1] = x;
        }
        for (DpclsSubtable t : s) {
            t.hits = 0;
        }
    }

    /** Total subtables visited for all hits so far (the PMD counts the hits: their ratio is lookups per hit). */
    public long subtableLookups() {
        return subtableLookups;
    }

    /** Keys the megaflow tree found, so far (part of the hits). */
    public long treeHits() {
        return treeHits;
    }

    public void forEach(final java.util.function.Consumer<DpFlow> action) {
        for (DpclsSubtable s : subtables) {
            s.forEach(action);
        }
    }

    /** The masks in use, in search order. */
    public FlowMask[] masks() {
        final FlowMask[] m = new FlowMask[subtables.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = subtables[i].mask;
        }
        return m;
    }

    /** The shared builder thread. */
    private static final class Builds {
        static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    final Thread t = new Thread(r, "megaflow-tree");
                    t.setDaemon(true);
                    return t;
                });
    }
}
