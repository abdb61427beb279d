package io.flowgate.fastpath.dpcls;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;

/**
 * The megaflows of one classifier that share a mask: an open-addressing table (linear probing,
 * backward-shift deletion) keyed by the hash of the masked key. Owned by the PMD.
 */
final class DpclsSubtable {
    final FlowMask mask;
    private long[] hashes;
    private DpFlow[] flows;
    private int size;
    /** Hits since the last re-ranking. */
    long hits;

    DpclsSubtable(final FlowMask mask) {
        this.mask = mask;
        this.hashes = new long[16];
        this.flows = new DpFlow[16];
    }

    int size() {
        return size;
    }

    DpFlow lookup(final long[] keys, final int o, final long hash) {
        final DpFlow[] f = flows;
        final long[] h = hashes;
        final int m = f.length - 1;
        int i = (int) hash & m;
        DpFlow d;
        while ((d = f[i]) != null) {
            if (h[i] == hash && d.matches(keys, o) && !d.isDead()) {
                return d;
            }
            i = (i + 1) & m;
        }
        return null;
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
            grow();
        }
        put(flow);
        size++;
    }

    private void put(final DpFlow flow) {
        final int m = flows.length - 1;
        int i = (int) flow.hash() & m;
        while (flows[i] != null) {
            i = (i + 1) & m;
        }
        flows[i] = flow;
        hashes[i] = flow.hash();
    }

    private void grow() {
        final DpFlow[] old = flows;
        flows = new DpFlow[old.length * 2];
        hashes = new long[old.length * 2];
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
                flows[hole] = flows[j];
                hashes[hole] = hashes[j];
                hole = j;
            }
            j = (j + 1) & m;
        }
        flows[hole] = null;
        size--;
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
