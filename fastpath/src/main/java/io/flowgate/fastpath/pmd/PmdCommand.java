package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.megaflow.DpFlow;

/**
 * What other threads ask a PMD to do. A PMD's tables have exactly one writer, the PMD; handlers
 * and revalidators put commands on its bounded queue and the PMD runs them between batches.
 */
public sealed interface PmdCommand {
    /** Install a megaflow into the PMD's classifier. */
    record Install(DpFlow flow) implements PmdCommand {
    }

    /** Remove a megaflow (already marked dead) from the PMD's classifier; the PMD answers with {@link DpFlow#markRemoved()}. */
    record Remove(DpFlow flow) implements PmdCommand {
    }

    /**
     * Send a packet with the given actions, as if it had hit a flow with them (the packet of an
     * upcall, or a packet-out). {@code upcallSeq} is the PMD's upcall sequence number the packet
     * answers, or -1.
     */
    record PacketOut(byte[] frame, int inPort, DpActions actions, long upcallSeq, long timestampNanos)
            implements PmdCommand {
    }

    /** Run code on the PMD thread (for orderly reconfiguration and tests). */
    record Run(Runnable task) implements PmdCommand {
    }
}
