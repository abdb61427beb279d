package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.PacketBatch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * {@code ring:NAME}: an in-memory port for tests and benchmarks. Frames offered with
 * {@link #inject} (by any thread) are received by the PMD; frames the datapath sends are queued
 * for {@link #drainTransmitted}. Reception is an Agrona many-to-one ring buffer (one receive
 * queue); each transmit queue is a one-to-one ring buffer made when a PMD first asks for it (its
 * PMD is the only producer, so sending makes no atomic read-modify-write). All in off-heap memory,
 * nothing allocated per frame.
 */
public final class RingPort implements Port {
    private static final int MSG = 1;

    private final int number;
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final ManyToOneRingBuffer rx;
    private final int capacity;
    private final RingTxQueue[] tx;
    private final Reader reader = new Reader();
    private final MemorySegment rxMemory;

    /** @param capacityBytes capacity of the receive ring and of each transmit queue's ring */
    public RingPort(final int number, final String name, final int capacityBytes, final int txQueues) {
        this.number = number;
        this.name = name;
        final int cap = Integer.highestOneBit(Math.max(capacityBytes, 1 << 16) - 1) << 1;
        this.rxMemory = arena.allocate(cap + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.rx = new ManyToOneRingBuffer(new UnsafeBuffer(rxMemory.address(), (int) rxMemory.byteSize()));
        this.capacity = cap;
        this.tx = new RingTxQueue[txQueues];
    }

    /** 4 MB rings and one transmit queue (a single PMD). */
    public RingPort(final int number, final String name) {
        this(number, name, 4 << 20, 1);
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String spec() {
        return "ring:" + name;
    }

    @Override
    public String type() {
        return "ring";
    }

    @Override
    public String name() {
        return name;
    }

    /** Offers a frame for reception; false if the ring is full. Thread-safe. */
    public boolean inject(final byte[] frame) {
        final int index = rx.tryClaim(MSG, frame.length);
        if (index <= 0) {
            return false;
        }
        MemorySegment.copy(frame, 0, rxMemory, ValueLayout.JAVA_BYTE, index, frame.length);
        rx.commit(index);
        return true;
    }

    /** Offers {@code length} bytes at {@code address} of {@code memory} for reception; false if full. */
    public boolean inject(final MemorySegment memory, final long address, final int length) {
        final int index = rx.tryClaim(MSG, length);
        if (index <= 0) {
            return false;
        }
        MemorySegment.copy(memory, address, rxMemory, index, length);
        rx.commit(index);
        return true;
    }

    /** Bytes waiting to be received. */
    public int pendingRx() {
        return rx.size();
    }

    private final class Reader implements org.agrona.concurrent.MessageHandler {
        PacketBatch batch;

        @Override
        public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
                              final int length) {
            final int n = batch.count();
            final int len = Math.min(length, batch.dataRoom());
            MemorySegment.copy(rxMemory, index, batch.slotSegment(n), PacketBatch.HEADROOM, len);
            batch.addOwned(len, 0);
        }
    }

    @Override
    public int rxBurst(final int queue, final PacketBatch batch) {
        batch.inPort(number);
        reader.batch = batch;
        return rx.read(reader, PacketBatch.MAX_BURST);
    }

    @Override
    public int txQueues() {
        return tx.length;
    }

    @Override
    public synchronized TxQueue txQueue(final int queue) {
        if (tx[queue] == null) {
            tx[queue] = new RingTxQueue(arena.allocate(capacity + RingBufferDescriptor.TRAILER_LENGTH, 64));
        }
        return tx[queue];
    }

    /** One PMD's transmit ring (made on first use: a port has many queues, few are used). */
    private static final class RingTxQueue implements TxQueue {
        final MemorySegment memory;
        final OneToOneRingBuffer ring;

        RingTxQueue(final MemorySegment memory) {
            this.memory = memory;
            this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory.address(), (int) memory.byteSize()));
        }

        @Override
        public boolean send(final MemorySegment from, final long address, final int length, final long timestampNanos) {
            final int index = ring.tryClaim(MSG, length);
            if (index <= 0) {
                return false;
            }
            MemorySegment.copy(from, address, memory, index, length);
            ring.commit(index);
            return true;
        }
    }

    /** A received-by-the-test frame: its bytes. */
    @FunctionalInterface
    public interface FrameConsumer {
        void accept(MemorySegment frame);
    }

    /**
     * Hands frames the datapath transmitted so far to {@code consumer} (as a segment valid only
     * during the call), queue by queue; returns how many. One thread at a time.
     */
    public int drainTransmitted(final FrameConsumer consumer, final int limit) {
        int n = 0;
        final RingTxQueue[] queues;
        synchronized (this) {
            queues = tx.clone();
        }
        for (int q = 0; q < queues.length && n < limit; q++) {
            final RingTxQueue t = queues[q];
            if (t != null) {
                n += t.ring.read((type, buffer, index, length) -> consumer.accept(t.memory.asSlice(index, length)),
                        limit - n);
            }
        }
        return n;
    }

    @Override
    public void close() {
        arena.close();
    }
}
