package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.PacketBatch;

import java.lang.foreign.MemorySegment;

/**
 * One transmit queue of a port, owned by the PMD that sends through it: its buffered packets and
 * its state are written by that thread only. Packets are queued by {@link #send} or
 * {@link #sendBuffer} during a batch and pushed to the device by one {@link #flush} at the end.
 */
public interface TxQueue {
    /**
     * Queues a copy of the {@code length} bytes at {@code address} of {@code memory}.
     *
     * @return false if the queue could not take the packet (counted as a drop by the caller)
     */
    boolean send(MemorySegment memory, long address, int length, long timestampNanos);

    /**
     * Queues packet {@code i} of {@code batch} by taking over its buffer, when the port can (a
     * DPDK port taking a received mbuf: zero copy). The caller uses this only for the packet's
     * last output.
     *
     * @return false if the queue cannot take the buffer; the caller then uses {@link #send}
     */
    default boolean sendBuffer(final PacketBatch batch, final int i) {
        return false;
    }

    /**
     * Queues packets {@code pkts[0, n)} of {@code batch} by taking over their buffers, as
     * {@link #sendBuffer} does one, in order, up to the first it cannot take.
     *
     * @return how many it took (the first ones); the caller sends the others by {@link #send}
     */
    default int sendBuffers(final PacketBatch batch, final int[] pkts, final int n) {
        int j = 0;
        while (j < n && sendBuffer(batch, pkts[j])) {
            j++;
        }
        return j;
    }

    /**
     * Pushes what is queued to the device (end of a batch).
     *
     * @return how many queued packets the device refused (dropped)
     */
    default int flush() {
        return 0;
    }

    /** Bytes of the packets the device refused since the last call (they were counted as sent). */
    default long takeRefusedBytes() {
        return 0;
    }
}
