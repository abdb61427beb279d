package io.flowgate.fastpath.action;

import io.flowgate.fastpath.packet.PacketBatch;

/** Where {@link ActionExecutor} sends packets: the PMD's transmit side, per port. */
public interface Outputs {
    /**
     * Queues packet {@code i} of {@code batch} for transmission on {@code port}.
     *
     * @param last true if no action follows this output, so the packet may be handed over
     *             instead of copied
     */
    void output(int port, PacketBatch batch, int i, boolean last);

    /** Queues packets {@code pkts[0, n)} of {@code batch} for {@code port}: one megaflow's packets at once. */
    default void output(final int port, final PacketBatch batch, final int[] pkts, final int n, final boolean last) {
        for (int j = 0; j < n; j++) {
            output(port, batch, pkts[j], last);
        }
    }

    /**
     * Sends packets {@code pkts[0, n)} of {@code batch} to the controller, as they are now (a
     * USERSPACE instruction: its header word and the rule's cookie).
     *
     * @return false if no controller listens: the packets went nowhere
     */
    default boolean controller(final PacketBatch batch, final int[] pkts, final int n, final long action,
                               final long cookie) {
        return false;
    }

    /** Counts packet {@code i} as dropped for {@code reason}. */
    void drop(PacketBatch batch, int i, DropReason reason);
}
