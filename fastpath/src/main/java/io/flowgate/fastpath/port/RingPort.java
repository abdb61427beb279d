package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.PacketBatch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * {@code ring:NAME}: an in-memory port for tests and benchmarks. Frames offered with
 * {@link #inject} (by any thread) are received by the PMD; frames the datapath sends are queued
 * for {@link #drainTransmitted}. Both directions are Agrona many-to-one ring buffers in off-heap
 * memory: lock-free, no allocation per frame.
 */
public final class RingPort implements Port {
    private static final int MSG = 1;

    private final int number;
    private final String name;
    private final Arena arena = Arena.ofShared();
    private final ManyToOneRingBuffer rx;
    private final ManyToOneRingBuffer tx;
    private final Reader reader = new Reader();
    private final MemorySegment rxMemory;
    private final MemorySegment txMemory;

    public RingPort(final int number, final String name, final int capacityBytes) {
        this.number = number;
        this.name = name;
        final int cap = Integer.highestOneBit(Math.max(capacityBytes, 1 << 16) - 1) << 1;
        this.rxMemory = arena.allocate(cap + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.txMemory = arena.allocate(cap + RingBufferDescriptor.TRAILER_LENGTH, 64);
        this.rx = new ManyToOneRingBuffer(new UnsafeBuffer(rxMemory.address(), (int) rxMemory.byteSize()));
        this.tx = new ManyToOneRingBuffer(new UnsafeBuffer(txMemory.address(), (int) txMemory.byteSize()));
    }

    public RingPort(final int number, final String name) {
        this(number, name, 4 << 20);
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
    public int rxBurst(final PacketBatch batch) {
        batch.inPort(number);
        reader.batch = batch;
        return rx.read(reader, PacketBatch.MAX_BURST);
    }

    @Override
    public boolean send(final MemorySegment memory, final long address, final int length, final long timestampNanos) {
        final int index = tx.tryClaim(MSG, length);
        if (index <= 0) {
            return false;
        }
        MemorySegment.copy(memory, address, txMemory, index, length);
        tx.commit(index);
        return true;
    }

    /** A received-by-the-test frame: its bytes. */
    @FunctionalInterface
    public interface FrameConsumer {
        void accept(MemorySegment frame);
    }

    /**
     * Hands every frame the datapath transmitted so far to {@code consumer} (as a segment valid
     * only during the call); returns how many.
     */
    public int drainTransmitted(final FrameConsumer consumer, final int limit) {
        return tx.read((type, buffer, index, length) -> consumer.accept(txMemory.asSlice(index, length)), limit);
    }

    public RingBuffer txRing() {
        return tx;
    }

    @Override
    public void close() {
        arena.close();
    }
}
