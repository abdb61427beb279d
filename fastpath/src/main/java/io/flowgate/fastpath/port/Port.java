package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.PacketBatch;

/**
 * A datapath port: where packets come in (its receive queues) and go out (its transmit queues).
 *
 * <p>Each receive queue is polled by exactly one PMD at a time; a queue may be handed from one
 * PMD to another (see {@code RxQueue}), the hand-over passing through the PMDs' mailboxes, so the
 * port never sees two threads on one queue. Every PMD sends through its own transmit queue (the
 * PMD's id, below {@link #txQueues()}), obtained once with {@link #txQueue}: no two threads ever
 * share a queue, so sending takes no lock. Counting is done by the PMDs, per PMD, not here, so
 * that no counter is shared.
 */
public interface Port extends AutoCloseable {
    /** The OpenFlow (and datapath) port number. */
    int number();

    /** The spec the port was made from, e.g. {@code pcap:in=a.pcap,out=b.pcap}. */
    String spec();

    /** The port type as dpctl/show prints it ("pcap", "ring", "dpdk", "dummy"). */
    String type();

    /** The port's name, as dpctl/show and dump-flows -m print it. */
    default String name() {
        return type() + number();
    }

    /**
     * The device's configuration as dpctl/show prints it after the type (OVS's netdev_get_config,
     * e.g. {@code configured_rx_queues=1}), sorted by key; empty when there is nothing to say.
     */
    default java.util.SortedMap<String, String> status() {
        return java.util.Collections.emptySortedMap();
    }

    /** The device's own counters, or null for a port that has no device (a file, a ring). Any thread. */
    default DeviceStats deviceStats() {
        return null;
    }

    /** How many receive queues the port has (OVS's n_rxq). */
    default int rxQueueCount() {
        return 1;
    }

    /**
     * Receives up to {@link PacketBatch#MAX_BURST} packets from receive queue {@code queue} into
     * {@code batch}, which the caller has cleared, and sets its in_port. Never blocks. Only the
     * PMD that currently polls the queue calls this.
     *
     * @return how many packets were received
     */
    int rxBurst(int queue, PacketBatch batch);

    /** True once an input that ends (a pcap file) has delivered its last packet. */
    default boolean exhausted() {
        return false;
    }

    /**
     * True if the port's input waits, losing nothing, while it is not polled (a file). Such a
     * port is not polled while the PMD could not hold back a whole burst behind upcalls in
     * flight, so that its misses still go up once per megaflow; a device's queue is always
     * polled (its packets would be lost), and its misses go up when there is no room to hold them.
     */
    default boolean waitsUnpolled() {
        return false;
    }

    /** True if the port has anything to receive at all. */
    default boolean receives() {
        return true;
    }

    /** How many transmit queues the port has: PMDs 0 to {@code txQueues() - 1} may send. */
    int txQueues();

    /** Transmit queue {@code queue}, for the one PMD that sends through it. */
    TxQueue txQueue(int queue);

    /** Gives back the buffers of a received batch that nobody took (end of the batch's processing). */
    default void release(final PacketBatch batch) {
    }

    /** Called on each PMD thread that will use this port, before its first burst (DPDK registers the thread). */
    default void attachThread() {
    }

    @Override
    void close();

    /**
     * Closes a port that was opened but will not run (another port failed to open): outputs that
     * would replace a file leave it as it was. By default the same as {@link #close()}.
     */
    default void discard() {
        close();
    }
}
