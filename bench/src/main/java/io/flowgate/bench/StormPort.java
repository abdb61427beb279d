package io.flowgate.bench;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.TxQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A receive port that delivers packets of never-seen flows at a set rate (each packet gets the
 * next source address and port): a flow-setup storm. Copies into the PMD's batch slots.
 */
final class StormPort extends BenchPort {
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final byte[] template = Traffic.udp("10.0.0.1", "172.16.0.1", 40000, 8080);
    private volatile long packetsPerSecond;
    private long start = System.nanoTime();
    private long delivered;
    private long next;

    StormPort(final int number) {
        super(number, "storm");
    }

    /** Sets the storm's rate (0 stops it). Any thread. */
    void rate(final long pps) {
        packetsPerSecond = pps;
    }

    @Override
    public int rxBurst(final int queue, final PacketBatch batch) {
        final long pps = packetsPerSecond;
        final long now = System.nanoTime();
        if (pps == 0) {
            start = now;
            delivered = 0;
            return 0;
        }
        final long due = (now - start) * pps / 1_000_000_000L - delivered;
        final int n = (int) Math.min(due, PacketBatch.MAX_BURST);
        batch.inPort(number());
        for (int i = 0; i < n; i++) {
            final MemorySegment slot = batch.slotSegment(i);
            MemorySegment.copy(template, 0, slot, ValueLayout.JAVA_BYTE, PacketBatch.HEADROOM, template.length);
            final long id = next++;
            slot.set(BE32, PacketBatch.HEADROOM + 26, 0x0A00_0000 | (int) (id & 0xFF_FFFF));
            slot.set(BE16, PacketBatch.HEADROOM + 34, (short) (1024 + (id >>> 24)));
            batch.addOwned(template.length, now);
        }
        delivered += n;
        return n;
    }

    @Override
    public int txQueues() {
        return 1;
    }

    @Override
    public TxQueue txQueue(final int queue) {
        return (memory, address, length, timestampNanos) -> true;
    }
}
