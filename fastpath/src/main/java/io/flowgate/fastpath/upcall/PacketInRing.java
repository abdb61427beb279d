package io.flowgate.fastpath.upcall;

import io.flowgate.fastpath.action.DpActions;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

/**
 * Packets on their way to the controller (the datapath's userspace action, OVS's "action"
 * upcall): a bounded Agrona many-to-one ring in off-heap memory that every PMD writes to and one
 * thread (the OpenFlow side's) reads. A PMD never waits here: it copies the packet as it is at
 * the controller action, or, with the ring full or nobody {@linkplain #listening() listening},
 * the packet-in is refused and the PMD counts it. So a slow controller costs packet-ins, never
 * forwarding.
 *
 * <p>Message layout: in_port (int), frame length (int), the USERSPACE instruction's header
 * (long: reason, table, controller id, max_len), the rule's cookie (long), frame bytes.
 */
public final class PacketInRing implements AutoCloseable {
    private static final int MSG = 1;
    private static final int IN_PORT = 0;
    private static final int LENGTH = 4;
    private static final int ACTION = 8;
    private static final int COOKIE = 16;
    private static final int HEADER = 24;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final OffHeapRing offHeap;
    private final MemorySegment memory;
    private final ManyToOneRingBuffer ring;
    private final Reader reader = new Reader();
    private volatile boolean listening;

    /** @param capacityBytes ring capacity (rounded up to a power of two, at least 64 KiB) */
    public PacketInRing(final int capacityBytes) {
        this.offHeap = OffHeapRing.allocate(capacityBytes);
        this.memory = offHeap.memory();
        this.ring = offHeap.ring();
    }

    /** True while a controller is connected: without one, the datapath drops what it would send. */
    public boolean listening() {
        return listening;
    }

    public void listening(final boolean on) {
        this.listening = on;
    }

    /**
     * Queues a packet-in (PMD side).
     *
     * @param action the USERSPACE instruction's header word ({@link DpActions#userspaceReason} and the rest)
     * @return false if the ring is full
     */
    public boolean offer(final int inPort, final long action, final long cookie, final MemorySegment packetMemory,
                         final long address, final int length) {
        final int index = ring.tryClaim(MSG, HEADER + length);
        if (index <= 0) {
            return false;
        }
        final MemorySegment m = memory;
        try {
            m.set(INT, index + IN_PORT, inPort);
            m.set(INT, index + LENGTH, length);
            m.set(LONG, index + ACTION, action);
            m.set(LONG, index + COOKIE, cookie);
            MemorySegment.copy(packetMemory, address, m, index + HEADER, length);
        } catch (RuntimeException e) {
            ring.abort(index); // a claimed slot left open would stall the reader for good
            throw e;
        }
        ring.commit(index);
        return true;
    }

    /**
     * One packet-in, copied out of the ring.
     *
     * @param reason OpenFlow's packet-in reason (OFPR_NO_MATCH, OFPR_ACTION, OFPR_INVALID_TTL)
     * @param table  the table of the rule that sent it
     * @param maxLen what the rule asked for (an unbuffered packet-in carries the whole frame anyway)
     */
    public record PacketIn(int inPort, int reason, int table, long cookie, int controllerId, int maxLen,
                           byte[] frame) {
    }

    @FunctionalInterface
    public interface Consumer {
        void packetIn(PacketIn packetIn);
    }

    private final class Reader implements org.agrona.concurrent.MessageHandler {
        Consumer consumer;

        @Override
        public void onMessage(final int type, final org.agrona.MutableDirectBuffer buffer, final int index,
                              final int length) {
            final MemorySegment m = memory;
            final long action = m.get(LONG, index + ACTION);
            final byte[] frame = m.asSlice(index + HEADER, m.get(INT, index + LENGTH)).toArray(ValueLayout.JAVA_BYTE);
            consumer.packetIn(new PacketIn(m.get(INT, index + IN_PORT), DpActions.userspaceReason(action),
                    DpActions.userspaceTable(action), m.get(LONG, index + COOKIE),
                    DpActions.userspaceControllerId(action), DpActions.userspaceMaxLen(action), frame));
        }
    }

    /** Reads up to {@code limit} packet-ins (one reader thread). */
    public int poll(final Consumer consumer, final int limit) {
        reader.consumer = consumer;
        return ring.read(reader, limit);
    }

    @Override
    public void close() {
        offHeap.close();
    }
}
