package io.flowgate.bench;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.Port;

import java.lang.foreign.MemorySegment;

/** A transmit-only port that accepts every packet and keeps only counts (per transmit queue). */
final class SinkPort implements Port {
    static final int QUEUES = 16;
    private final int number;
    private final long[] packets = new long[QUEUES * 8];

    SinkPort(final int number) {
        this.number = number;
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String spec() {
        return "sink";
    }

    @Override
    public String type() {
        return "sink";
    }

    @Override
    public boolean receives() {
        return false;
    }

    @Override
    public int rxBurst(final PacketBatch batch) {
        return 0;
    }

    @Override
    public int txQueues() {
        return QUEUES;
    }

    /** Packets sent so far (read when the senders are quiet). */
    long packets() {
        long n = 0;
        for (int q = 0; q < QUEUES; q++) {
            n += packets[q * 8];
        }
        return n;
    }

    @Override
    public boolean send(final int txq, final MemorySegment memory, final long address, final int length,
                        final long timestampNanos) {
        packets[txq * 8]++; // one cache line per queue
        return true;
    }

    @Override
    public void close() {
    }
}
