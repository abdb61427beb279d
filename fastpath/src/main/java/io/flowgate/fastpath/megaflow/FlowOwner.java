package io.flowgate.fastpath.megaflow;

/**
 * The slow path's record of a datapath flow (its ukey), which the fast path only carries: set once
 * before the flow is installed, read by those who dump, revalidate or remove flows.
 */
public interface FlowOwner {
    /** The exact key of the packet whose upcall set the flow up. */
    long[] key();
}
