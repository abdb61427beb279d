package io.flowgate.bench;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.TxQueue;

import java.lang.foreign.MemorySegment;

/** A transmit-only port that accepts every packet and keeps only counts (per transmit queue). */
final class SinkPort extends BenchPort {
    static final int QUEUES = 16;
    private final SinkQueue[] queues = new SinkQueue[QUEUES];

    SinkPort(final int number) {
        super(number, "sink");
    }

    @Override
    public boolean receives() {
        return false;
    }

    @Override
    public int rxBurst(final int queue, final PacketBatch batch) {
        return 0;
    }

    @Override
    public int txQueues() {
        return QUEUES;
    }

    /** Packets sent so far (read when the senders are quiet). */
    long packets() {
        long n = 0;
        synchronized (this) {
            for (SinkQueue q : queues) {
                n += q == null ? 0 : q.packets;
            }
        }
        return n;
    }

    @Override
    public synchronized TxQueue txQueue(final int queue) {
        if (queues[queue] == null) {
            queues[queue] = new SinkQueue();
        }
        return queues[queue];
    }

    /** One PMD's count, padded to a cache line of its own. */
    @SuppressWarnings("unused")
    private static final class SinkQueue implements TxQueue {
        private long p1, p2, p3, p4, p5, p6, p7;
        long packets;
        private long q1, q2, q3, q4, q5, q6, q7;

        @Override
        public boolean send(final MemorySegment memory, final long address, final int length,
                            final long timestampNanos) {
            packets++;
            return true;
        }
    }
}
