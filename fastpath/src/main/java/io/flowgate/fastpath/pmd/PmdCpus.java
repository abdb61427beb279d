package io.flowgate.fastpath.pmd;

import io.flowgate.bindings.CpuAffinity;

import java.util.BitSet;

/**
 * The CPUs a PMD is pinned to (its share of OVS's pmd-cpu-mask), or none. Set by the
 * reconfiguring thread before the PMD starts, read by anyone; copies go in and out so nobody
 * shares a mutable set.
 */
final class PmdCpus {
    private volatile BitSet cpus;

    /** The core to show for the PMD: its first CPU when pinned, else {@code unpinned}. */
    int core(final int unpinned) {
        final BitSet set = cpus;
        return set == null ? unpinned : set.nextSetBit(0);
    }

    BitSet get() {
        final BitSet set = cpus;
        return set == null ? null : (BitSet) set.clone();
    }

    void set(final BitSet set) {
        this.cpus = set == null ? null : (BitSet) set.clone();
    }

    /** Pins the calling thread (the PMD's, as it starts) if there are CPUs. */
    void pinCurrentThread() {
        final BitSet set = cpus;
        if (set != null) {
            CpuAffinity.pinCurrentThread(set);
        }
    }
}
