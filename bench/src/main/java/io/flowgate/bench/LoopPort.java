package io.flowgate.bench;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.TxQueue;

/**
 * A receive port that hands out the same frames over and over, zero-copy (as a DPDK port lends
 * its mbufs), always a full burst. Lets a benchmark drive the PMD's real duty cycle without I/O.
 * Only for actions that do not modify packets, since the frames are reused.
 */
final class LoopPort extends BenchPort {
    private final Traffic traffic;
    private int next;

    LoopPort(final int number, final Traffic traffic) {
        super(number, "loop");
        this.traffic = traffic;
    }

    @Override
    public int rxBurst(final int queue, final PacketBatch batch) {
        final Traffic t = traffic;
        final int size = t.size();
        int i = next;
        batch.inPort(number());
        for (int n = 0; n < PacketBatch.MAX_BURST; n++) {
            batch.addBorrowed(t.address(i), t.length(i), 0, 0, t.bufferStart(i));
            i = i + 1 == size ? 0 : i + 1;
        }
        next = i;
        return PacketBatch.MAX_BURST;
    }

    @Override
    public int txQueues() {
        return SinkPort.QUEUES;
    }

    @Override
    public TxQueue txQueue(final int queue) {
        return (memory, address, length, timestampNanos) -> false;
    }
}
