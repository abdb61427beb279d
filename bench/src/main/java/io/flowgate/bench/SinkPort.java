package io.flowgate.bench;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.Port;

import java.lang.foreign.MemorySegment;

/** A transmit-only port that accepts every packet and keeps only a count and a byte sum. */
final class SinkPort implements Port {
    private final int number;
    long packets;
    long bytes;

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
        return 1;
    }

    @Override
    public boolean send(final int txq, final MemorySegment memory, final long address, final int length,
                        final long timestampNanos) {
        packets++;
        bytes += length;
        return true;
    }

    @Override
    public void close() {
    }
}
