package io.flowgate.fastpath.upcall;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * An Agrona many-to-one ring buffer in off-heap memory of its own, what the queues from the PMDs
 * to userspace (upcalls, packet-ins) are made of: messages are written into {@link #memory} at the
 * index the ring claims. {@link #close()} frees the memory; nobody may use the ring after.
 *
 * @param memory the ring's memory, for writing and reading messages in place
 */
record OffHeapRing(Arena arena, MemorySegment memory, ManyToOneRingBuffer ring) implements AutoCloseable {
    /** A ring of at least {@code capacityBytes} (at least 64 KiB, rounded up to a power of two). */
    static OffHeapRing allocate(final int capacityBytes) {
        final int cap = Integer.highestOneBit(Math.max(capacityBytes, 1 << 16) - 1) << 1;
        final Arena arena = Arena.ofShared();
        final MemorySegment memory = arena.allocate(cap + RingBufferDescriptor.TRAILER_LENGTH, 64);
        return new OffHeapRing(arena, memory,
                new ManyToOneRingBuffer(new UnsafeBuffer(memory.address(), (int) memory.byteSize())));
    }

    @Override
    public void close() {
        arena.close();
    }
}
