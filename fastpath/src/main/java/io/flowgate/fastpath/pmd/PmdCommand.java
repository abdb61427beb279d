package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.port.QueueHandover;
import io.flowgate.fastpath.port.RxQueue;

/**
 * What other threads ask a PMD to do, through its {@link Mailbox}. A PMD's tables, queues and
 * counters have exactly one writer, the PMD; handlers, revalidators and the control thread put
 * commands in its mailbox (usually through an {@link Outbox}) and the PMD runs them between
 * batches, in the order they arrived.
 */
public sealed interface PmdCommand {
    /** Install a megaflow into the PMD's classifier (unless it is already dead). */
    record Install(DpFlow flow) implements PmdCommand {
    }

    /** Remove a megaflow (already marked dead) from the PMD's classifier; the PMD answers with {@link DpFlow#markRemoved()}. */
    record Remove(DpFlow flow) implements PmdCommand {
    }

    /**
     * Send a packet with the given actions, as if it had hit a flow with them: the packet of an
     * upcall (then {@code answersUpcall}, and the PMD's parse travels with it: key, L3 and L4
     * offsets, hash and receive queue), or a packet-out. With {@code dropped} set, the packet is
     * not sent but counted as dropped for that reason (the slow path refused it).
     */
    record PacketOut(int inPort, int rxq, long hash, int l3, int l4, long[] key, byte[] frame, DpActions actions,
                     long timestampNanos, boolean answersUpcall, DropReason dropped, int statsSlot)
            implements PmdCommand {
        public PacketOut(final int inPort, final int rxq, final long hash, final int l3, final int l4, final long[] key,
                         final byte[] frame, final DpActions actions, final long timestampNanos,
                         final boolean answersUpcall) {
            this(inPort, rxq, hash, l3, l4, key, frame, actions, timestampNanos, answersUpcall, null, -1);
        }
    }

    /** Start polling a receive queue (its megaflows were installed before this command). */
    record AdoptQueue(RxQueue queue) implements PmdCommand {
    }

    /** Stop polling a receive queue; report on {@code handover} when nothing of it is in flight. */
    record ReleaseQueue(QueueHandover handover) implements PmdCommand {
    }

    /** Finish this iteration, then do nothing until the pause is over. */
    record Pause(PmdPause pause) implements PmdCommand {
    }

    /** Run code on the PMD thread (settings changes and tests). */
    record Run(Runnable task) implements PmdCommand {
    }
}
