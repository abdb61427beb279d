package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.PacketBatch;

import java.lang.foreign.MemorySegment;

/**
 * A datapath port: where packets come in ({@link #rxBurst}) and go out ({@link #send}).
 *
 * <p>Exactly one PMD polls a port for input. Any PMD may send to it, each through its own
 * transmit queue (the PMD's id, below {@link #txQueues()}), as each PMD has its own transmit
 * queue on a DPDK device: no two threads ever share a queue, so sending takes no lock. Counting
 * is done by the PMDs, per PMD, not here, so that no counter is shared.
 */
public interface Port extends AutoCloseable {
    /** The OpenFlow (and datapath) port number. */
    int number();

    /** The spec the port was made from, e.g. {@code pcap:in=a.pcap,out=b.pcap}. */
    String spec();

    /** The port type as dpctl/show prints it ("pcap", "ring", "dpdk"). */
    String type();

    /** The port's name, as dpctl/show and dump-flows -m print it. */
    default String name() {
        return type() + number();
    }

    /** True if received packets must be copied into the batch's own slots (not DPDK mbufs). */
    default boolean copiesIntoBatch() {
        return true;
    }

    /**
     * Receives up to {@link PacketBatch#MAX_BURST} packets into {@code batch}, which the caller
     * has cleared, and sets its in_port. Never blocks.
     *
     * @return how many packets were received
     */
    int rxBurst(PacketBatch batch);

    /** True once an input that ends (a pcap file) has delivered its last packet. */
    default boolean exhausted() {
        return false;
    }

    /** True if the port has anything to receive at all. */
    default boolean receives() {
        return true;
    }

    /** How many transmit queues the port has: PMDs 0 to {@code txQueues() - 1} may send. */
    int txQueues();

    /**
     * Transmits a copy of the {@code length} bytes at {@code address} of {@code memory} on
     * transmit queue {@code txq} (only ever used by one thread).
     *
     * @return false if the port could not take the packet (counted as a drop by the caller)
     */
    boolean send(int txq, MemorySegment memory, long address, int length, long timestampNanos);

    /**
     * Transmits packet {@code i} of {@code batch} by handing its buffer over, when the port can
     * (a DPDK port taking a received mbuf: zero copy). The caller uses this only for the packet's
     * last output.
     *
     * @return false if the port cannot take the buffer; the caller then uses {@link #send}
     */
    default boolean sendBuffer(final int txq, final PacketBatch batch, final int i) {
        return false;
    }

    /**
     * Pushes what {@code txq} has queued to the device (end of a batch).
     *
     * @return how many queued packets the device refused (dropped)
     */
    default int flush(final int txq) {
        return 0;
    }

    /** Gives back the buffers of a received batch that nobody took (end of the batch's processing). */
    default void release(final PacketBatch batch) {
    }

    /** Called on each PMD thread that will use this port, before its first burst (DPDK registers the thread). */
    default void attachThread() {
    }

    @Override
    void close();
}
