package io.flowgate.fastpath.upcall;

import io.flowgate.fastpath.flow.FlowKey;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

/**
 * The queue from PMDs to one handler thread: a bounded Agrona many-to-one ring buffer in off-heap
 * memory. A PMD writes an upcall (its id, the input port, the flow key and a copy of the packet)
 * with {@link #offer}, which never blocks and allocates nothing: when the ring is full the upcall
 * is refused and the PMD counts it as lost. The handler reads upcalls in batches with
 * {@link #poll}.
 *
 * <p>Message layout: pmd id (int), in_port (int), frame length (int), receive queue (int), L3 and
 * L4 offsets (int, int), timestamp (long), hash (long), key ({@value FlowKey#WORDS} longs), frame
 * bytes. The offsets and the key are the PMD's parse, so the answer need not parse again.
 *
 * <p>When a handler retires, the messages still in its ring move to the rings of the handlers
 * that stay ({@link #moveTo}), each to the ring its hash picks, in their order.
 */
public final class UpcallRing implements AutoCloseable {
    private static final int MSG = 1;
    private static final int PMD = 0;
    private static final int IN_PORT = 4;
    private static final int LENGTH = 8;
    private static final int RXQ = 12;
    private static final int L3 = 16;
    private static final int L4 = 20;
    private static final int TIMESTAMP = 24;
    private static final int HASH = 32;
    private static final int KEY = 40;
    static final int HEADER = KEY + FlowKey.WORDS * 8;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final OffHeapRing offHeap;
    private final MemorySegment memory;
    private final ManyToOneRingBuffer ring;
    private final Reader reader = new Reader();

    /** @param capacityBytes ring capacity (rounded up to a power of two) */
    public UpcallRing(final int capacityBytes) {
        this.offHeap = OffHeapRing.allocate(capacityBytes);
        this.memory = offHeap.memory();
        this.ring = offHeap.ring();
    }

    /**
     * Enqueues an upcall (PMD side).
     *
     * @return false if the ring is full (the upcall is lost)
     */
    public boolean offer(final int pmdId, final int inPort, final int rxq, final int l3, final int l4,
                         final long timestampNanos, final long hash, final long[] keys, final int keyOffset,
                         final MemorySegment packetMemory, final long address, final int length) {
        final int index = ring.tryClaim(MSG, HEADER + length);
        if (index <= 0) {
            return false;
        }
        final MemorySegment m = memory;
        m.set(INT, index + PMD, pmdId);
        m.set(INT, index + IN_PORT, inPort);
        m.set(INT, index + LENGTH, length);
        m.set(INT, index + RXQ, rxq);
        m.set(INT, index + L3, l3);
        m.set(INT, index + L4, l4);
        m.set(LONG, index + TIMESTAMP, timestampNanos);
        m.set(LONG, index + HASH, hash);
        for (int i = 0; i < FlowKey.WORDS; i++) {
            m.set(LONG, index + KEY + i * 8L, keys[keyOffset + i]);
        }
        MemorySegment.copy(packetMemory, address, m, index + HEADER, length);
        ring.commit(index);
        return true;
    }

    /** What a handler receives for each upcall. */
    @FunctionalInterface
    public interface Consumer {
        void upcall(Upcall upcall);
    }

    /**
     * One upcall, copied out of the ring (the handler may keep it).
     *
     * @param rxq    the receive queue (of {@code inPort}) the packet came from
     * @param l3, l4 where the PMD's parse found the L3 and L4 headers
     */
    public record Upcall(int pmdId, int inPort, int rxq, int l3, int l4, long timestampNanos, long hash, long[] key,
                         byte[] frame) {
    }

    private final class Reader implements org.agrona.concurrent.MessageHandler {
        Consumer consumer;

        @Override
        public void onMessage(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
                              final int length) {
            final MemorySegment m = memory;
            final long[] key = new long[FlowKey.WORDS];
            for (int i = 0; i < FlowKey.WORDS; i++) {
                key[i] = m.get(LONG, index + KEY + i * 8L);
            }
            final int frameLength = m.get(INT, index + LENGTH);
            final byte[] frame = m.asSlice(index + HEADER, frameLength).toArray(ValueLayout.JAVA_BYTE);
            consumer.upcall(new Upcall(m.get(INT, index + PMD), m.get(INT, index + IN_PORT), m.get(INT, index + RXQ),
                    m.get(INT, index + L3), m.get(INT, index + L4), m.get(LONG, index + TIMESTAMP),
                    m.get(LONG, index + HASH), key, frame));
        }
    }

    /** Reads up to {@code limit} upcalls (handler side, one thread). */
    public int poll(final Consumer consumer, final int limit) {
        reader.consumer = consumer;
        return ring.read(reader, limit);
    }

    /** Picks the ring an upcall with this hash goes to. */
    @FunctionalInterface
    public interface Router {
        UpcallRing ring(long hash);
    }

    private final Mover mover = new Mover();

    private final class Mover implements org.agrona.concurrent.ControlledMessageHandler {
        Router router;
        int moved;

        @Override
        public Action onMessage(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
                                final int length) {
            final UpcallRing target = router.ring(memory.get(LONG, index + HASH));
            final int at = target.ring.tryClaim(MSG, length);
            if (at <= 0) {
                return Action.ABORT; // the target is full: this message and the rest stay here, in order
            }
            MemorySegment.copy(memory, index, target.memory, at, length);
            target.ring.commit(at);
            moved++;
            return Action.CONTINUE;
        }
    }

    /**
     * Moves up to {@code limit} queued upcalls, oldest first, each to the ring {@code router}
     * picks by its hash (this ring's reader only). Stops at the first one whose target is full,
     * so the rest keep their order for the next call.
     *
     * @return how many moved
     */
    public int moveTo(final Router router, final int limit) {
        mover.router = router;
        mover.moved = 0;
        ring.controlledRead(mover, limit);
        return mover.moved;
    }

    /** True if nothing is queued. */
    public boolean isEmpty() {
        return ring.size() == 0;
    }

    /** Bytes queued (an approximation of the backlog). */
    public int backlogBytes() {
        return ring.size();
    }

    public int capacity() {
        return ring.capacity();
    }

    @Override
    public void close() {
        offHeap.close();
    }
}
