package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.RxQueue;

/**
 * Ordered mode (replay): a batch is processed packet by packet and stops at its first miss; the
 * rest waits, and the PMD polls nothing, until the slow path's answer has been sent, so that every
 * port transmits in input order, as Open vSwitch does when fed one packet at a time. PMD thread
 * only.
 */
final class OrderedReplay {
    private final InputStage input;
    private final FlowBatches batches;
    private PacketBatch batch;
    private RxQueue queue;
    private int deferFrom = -1;
    private long outstanding;

    OrderedReplay(final InputStage input, final FlowBatches batches) {
        this.input = input;
        this.batches = batches;
    }

    /** True while a batch waits for an answer: nothing new may be received. */
    boolean holding() {
        return deferFrom >= 0 || outstanding != 0;
    }

    /**
     * Runs a parsed batch from its start.
     *
     * @return true if it is finished (its buffers may go back), false if it waits for an answer
     */
    boolean start(final PacketBatch b, final RxQueue q, final long nowMillis) {
        batch = b;
        queue = q;
        run(0, nowMillis);
        return deferFrom < 0;
    }

    /**
     * Continues the waiting batch once its miss has been answered.
     *
     * @return the packets processed, or 0
     */
    int resume(final long nowMillis) {
        if (deferFrom < 0 || outstanding != 0) {
            return 0;
        }
        final int done = run(deferFrom, nowMillis);
        if (deferFrom < 0) {
            queue.port().release(batch);
        }
        return done;
    }

    /** The slow path answered an upcall (its packet has been sent). */
    void answered() {
        if (outstanding > 0) {
            outstanding--;
        }
    }

    private int run(final int from, final long nowMillis) {
        final PacketBatch b = batch;
        final int n = b.count();
        final int inPort = b.inPort();
        deferFrom = -1;
        for (int i = from; i < n; i++) {
            if (input.hashes[i] == 0) {
                input.statsDrop(b, i, DropReason.RX_INVALID);
                continue;
            }
            final DpFlow f = input.lookupOne(inPort, i);
            if (f != null) {
                batches.executeOne(b, i, f, nowMillis);
            } else if (input.upcall(b, i, queue)) {
                outstanding++;
                deferFrom = i + 1;
                return n - from;
            }
        }
        return n - from;
    }
}
