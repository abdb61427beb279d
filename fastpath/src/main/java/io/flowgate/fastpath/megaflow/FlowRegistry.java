package io.flowgate.fastpath.megaflow;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every installed datapath flow of every PMD, for those who dump them: revalidators and the
 * control socket. Handlers add a flow when they send its install command; whoever removes it
 * (revalidator, purge, del-flows) takes it out. Never touched by the PMD's per-packet path.
 */
public final class FlowRegistry {
    private record Id(long hi, long lo, int pmd) {
    }

    private final ConcurrentHashMap<Id, DpFlow> flows = new ConcurrentHashMap<>();

    /** Adds the flow unless one with its ufid exists on its PMD; returns the flow that is registered. */
    public DpFlow putIfAbsent(final DpFlow flow) {
        final DpFlow old = flows.putIfAbsent(new Id(flow.ufidHi(), flow.ufidLo(), flow.pmdId()), flow);
        return old == null ? flow : old;
    }

    public DpFlow get(final long ufidHi, final long ufidLo, final int pmd) {
        return flows.get(new Id(ufidHi, ufidLo, pmd));
    }

    /** Removes exactly this flow object (not a newer one with the same ufid). */
    public boolean remove(final DpFlow flow) {
        return flows.remove(new Id(flow.ufidHi(), flow.ufidLo(), flow.pmdId()), flow);
    }

    public int size() {
        return flows.size();
    }

    public Collection<DpFlow> view() {
        return flows.values();
    }
}
