package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * {@code dummy:NAME[,tx_pcap=FILE]}: Open vSwitch's dummy netdev, the port its own tests script
 * traffic with. It has no device: it receives only what {@link #receive} is given (the
 * {@code netdev-dummy/receive} command), and what the datapath sends to it is written to the
 * {@code tx_pcap} capture (OVS's {@code options:tx_pcap}) or, without one, counted by the PMDs and
 * dropped.
 *
 * <p>Reception is one receive queue: a many-to-one array queue of frames. Any thread may offer a
 * frame; the PMD polling the queue takes them without a lock and copies each into its batch's own
 * buffer, allocating nothing. Transmission is a {@link PcapPort} without input: each PMD writes
 * through its own buffered writer and appends it to the file at the end of every batch, so a
 * reader of the capture sees a packet as soon as the batch that sent it is done.
 */
public final class DummyPort implements Port {
    /**
     * Frames that may wait for the PMD (OVS keeps 100 a queue and drops the rest; more room here, so
     * that a script's burst is not lost while the PMD backs off).
     */
    public static final int QUEUE_FRAMES = 1024;
    /** The longest frame {@link #receive} takes. */
    public static final int MAX_FRAME = 65_535;
    /** The shortest: an Ethernet header. */
    public static final int MIN_FRAME = 14;

    private final int number;
    private final String name;
    private final Path txPcap;
    private final ManyToOneConcurrentArrayQueue<byte[]> rx = new ManyToOneConcurrentArrayQueue<>(QUEUE_FRAMES);
    private final PcapPort tx;

    /**
     * @param txPcap   where to write transmitted frames, or null to drop them
     * @param txQueues how many PMDs may send to this port
     */
    public DummyPort(final int number, final String name, final Path txPcap, final int txQueues) throws PortException {
        this.number = number;
        this.name = name;
        this.txPcap = txPcap;
        this.tx = new PcapPort(number, null, txPcap, null, txQueues);
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String spec() {
        return "dummy:" + name + (txPcap == null ? "" : ",tx_pcap=" + txPcap);
    }

    @Override
    public String type() {
        return "dummy";
    }

    @Override
    public String name() {
        return name;
    }

    /** The capture transmitted frames go to, or null. */
    public Path txPcap() {
        return txPcap;
    }

    /**
     * Hands {@code frame} to the PMD for reception. The array itself is queued, not a copy: the
     * caller must not change it afterwards. Any thread.
     *
     * @return false if {@link #QUEUE_FRAMES} frames are waiting already
     * @throws IllegalArgumentException if the frame is shorter than an Ethernet header or longer
     *                                  than {@link #MAX_FRAME}
     */
    public boolean receive(final byte[] frame) {
        if (frame.length < MIN_FRAME || frame.length > MAX_FRAME) {
            throw new IllegalArgumentException("a frame of " + frame.length + " bytes (" + MIN_FRAME + " to "
                    + MAX_FRAME + ")");
        }
        return rx.offer(frame);
    }

    /** Frames offered and not yet received by the PMD. */
    public int pending() {
        return rx.size();
    }

    @Override
    public int rxBurst(final int queue, final PacketBatch batch) {
        batch.inPort(number);
        // The PMD's clock read of this iteration: what tx_pcap records for the frames it sends.
        final long now = batch.polledAt();
        int n = 0;
        while (n < PacketBatch.MAX_BURST) {
            final byte[] frame = rx.poll();
            if (frame == null) {
                break;
            }
            final int len = Math.min(frame.length, batch.dataRoom());
            MemorySegment.copy(frame, 0, Memory.ALL, ValueLayout.JAVA_BYTE, batch.slotAddress(n), len);
            batch.addOwned(len, now);
            n++;
        }
        return n;
    }

    @Override
    public int txQueues() {
        return tx.txQueues();
    }

    @Override
    public TxQueue txQueue(final int queue) {
        return tx.txQueue(queue);
    }

    /** Why writing the capture failed, if it did (frames before the failure were written). */
    public IOException failure() {
        return tx.failure();
    }

    /** Drops what was not received and writes out every queue's buffered frames (after the PMDs stopped). */
    @Override
    public void close() {
        rx.clear();
        tx.close();
    }
}
