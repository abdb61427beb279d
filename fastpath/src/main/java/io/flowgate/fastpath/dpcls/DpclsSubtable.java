package io.flowgate.fastpath.dpcls;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;

/**
 * The megaflows of one classifier that share a mask: an open-addressing table (linear probing,
 * backward-shift deletion) keyed by the hash of the masked key. Owned by the PMD.
 *
 * <p>Each slot keeps, beside the flow, its hash and the words of its match that the mask uses,
 * in flat arrays: a probe compares them without touching the flow object, so a lookup costs one
 * or two cache lines of this table until it hits.
 *
 * <p>Up to {@value #SCAN_FLOWS} flows (one /8 route, say) are also kept in a dense list that a
 * lookup compares one by one: cheaper than the masked key's hash, a chain of multiplies per
 * word that cost a fifth of a packet's time in front of a one-flow table.
 */
final class DpclsSubtable {
    static final int SCAN_FLOWS = 4;
    private static final int MIN_CAPACITY = 16;

    final FlowMask mask;
    private final int[] used;
    private final long[] maskWords;
    private final int stride;
    private long[] hashes;
    private long[] matches;
    private DpFlow[] flows;
    private int size;
    /** Hits since the last re-ranking. */
    long hits;
    /** While size is at most SCAN_FLOWS: the flows, and their matches' used words, densely. */
    private final DpFlow[] few = new DpFlow[SCAN_FLOWS];
    private final long[] fewMatches;

    DpclsSubtable(final FlowMask mask) {
        this.mask = mask;
        this.used = mask.usedWords().clone();
        this.stride = used.length;
        this.maskWords = new long[stride];
        for (int j = 0; j < stride; j++) {
            maskWords[j] = mask.word(used[j]);
        }
        this.fewMatches = new long[SCAN_FLOWS * stride];
        allocate(MIN_CAPACITY);
    }

    private void allocate(final int capacity) {
        hashes = new long[capacity];
        matches = new long[capacity * stride];
        flows = new DpFlow[capacity];
    }

    int size() {
        return size;
    }

    /**
     * Looks the packets in {@code pending} (a bit per packet, its key row at {@code keys[keyAt[i]]})
     * up: each one's live flow goes to {@code out}.
     *
     * @return the packets found
     */
    int lookup(final long[] keys, final int[] keyAt, final int pending, final DpFlow[] out) {
        if (size <= SCAN_FLOWS) {
            return scan(keys, keyAt, pending, out);
        }
        int found = 0;
        int bits = pending;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            final int o = keyAt[i];
            final DpFlow f = lookup(keys, o, hash(keys, o));
            if (f != null) {
                out[i] = f;
                found |= 1 << i;
            }
        }
        return found;
    }

    /**
     * The dense list's lookup, a flow at a time over the batch: the flow, its match and the mask
     * stay in registers while the keys go by (a route's one flow compared with 32 keys). A flow's
     * liveness is read once per batch: one the revalidator kills meanwhile misses from the next.
     */
    private int scan(final long[] keys, final int[] keyAt, final int pending, final DpFlow[] out) {
        final long[] mt = fewMatches;
        int left = pending;
        for (int r = 0; r < size && left != 0; r++) {
            final DpFlow f = few[r];
            if (f.deadForLookup()) {
                continue;
            }
            final int base = r * stride;
            int bits = left;
            while (bits != 0) {
                final int i = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (sameMatch(mt, base, keys, keyAt[i])) {
                    out[i] = f;
                    left &= ~(1 << i);
                }
            }
        }
        return pending & ~left;
    }

    /** The live flow matching the key row at {@code keys[o]}, whose masked hash is {@code hash}. */
    DpFlow lookup(final long[] keys, final int o, final long hash) {
        final DpFlow[] f = flows;
        final long[] h = hashes;
        final int m = f.length - 1;
        int i = (int) hash & m;
        DpFlow d;
        while ((d = f[i]) != null) {
            if (h[i] == hash && sameMatch(matches, i * stride, keys, o) && !d.deadForLookup()) {
                return d;
            }
            i = (i + 1) & m;
        }
        return null;
    }

    /** Hash of the key row under this subtable's mask; equals {@code mask.hash(keys, o)}. */
    long hash(final long[] keys, final int o) {
        final long[] mw = maskWords;
        final int[] u = used;
        long h = 0;
        for (int j = 0; j < u.length; j++) {
            h = FlowHash.step(h, keys[o + u[j]] & mw[j]);
        }
        return FlowHash.finish(h);
    }

    /** True if the key row's masked words equal the match words at {@code mt[base]}. */
    private boolean sameMatch(final long[] mt, final int base, final long[] keys, final int o) {
        final long[] mw = maskWords;
        final int[] u = used;
        for (int j = 0; j < u.length; j++) {
            if ((keys[o + u[j]] & mw[j]) != mt[base + j]) {
                return false;
            }
        }
        return true;
    }

    /** The flow with exactly this match, dead or alive, or null. */
    DpFlow find(final long[] match, final long hash) {
        final int m = flows.length - 1;
        int i = (int) hash & m;
        DpFlow d;
        while ((d = flows[i]) != null) {
            if (hashes[i] == hash && java.util.Arrays.equals(d.match(), match)) {
                return d;
            }
            i = (i + 1) & m;
        }
        return null;
    }

    void insert(final DpFlow flow) {
        if ((size + 1) * 2 > flows.length) {
            rehash(flows.length * 2);
        }
        put(flow);
        size++;
        listFew();
    }

    /** Refills the dense list from the table while it is small enough to be scanned. */
    private void listFew() {
        java.util.Arrays.fill(few, null);
        if (size > SCAN_FLOWS) {
            return;
        }
        if (flows.length > MIN_CAPACITY) {
            rehash(MIN_CAPACITY); // it held many flows once: keep this walk short
        }
        int n = 0;
        for (DpFlow f : flows) {
            if (f != null) {
                few[n] = f;
                final long[] match = f.match();
                for (int j = 0; j < stride; j++) {
                    fewMatches[n * stride + j] = match[used[j]];
                }
                n++;
            }
        }
    }

    private void put(final DpFlow flow) {
        final int m = flows.length - 1;
        int i = (int) flow.hash() & m;
        while (flows[i] != null) {
            i = (i + 1) & m;
        }
        set(i, flow);
    }

    private void set(final int slot, final DpFlow flow) {
        flows[slot] = flow;
        hashes[slot] = flow.hash();
        final long[] match = flow.match();
        for (int j = 0; j < stride; j++) {
            matches[slot * stride + j] = match[used[j]];
        }
    }

    private void rehash(final int capacity) {
        final DpFlow[] old = flows;
        allocate(capacity);
        for (DpFlow f : old) {
            if (f != null) {
                put(f);
            }
        }
    }

    boolean remove(final DpFlow flow) {
        final int m = flows.length - 1;
        int i = (int) flow.hash() & m;
        while (flows[i] != null && flows[i] != flow) {
            i = (i + 1) & m;
        }
        if (flows[i] == null) {
            return false;
        }
        // Backward-shift deletion keeps probe chains unbroken without tombstones.
        int hole = i;
        int j = (i + 1) & m;
        while (flows[j] != null) {
            final int home = (int) hashes[j] & m;
            if (((j - home) & m) >= ((j - hole) & m)) {
                set(hole, flows[j]);
                hole = j;
            }
            j = (j + 1) & m;
        }
        flows[hole] = null;
        size--;
        listFew();
        return true;
    }

    void forEach(final java.util.function.Consumer<DpFlow> action) {
        for (DpFlow f : flows) {
            if (f != null) {
                action.accept(f);
            }
        }
    }
}
