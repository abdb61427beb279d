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

    /** Pushes what {@code txq} has queued to the device (end of a batch). */
    default void flush(final int txq) {
    }

    @Override
    void close();
}
