package io.flowgate.fastpath.action;

/** Why the datapath dropped a packet; each has a per-PMD counter (names follow OVS's coverage counters). */
public enum DropReason {
    /** The megaflow's actions send it nowhere (a drop rule, a table miss, no usable bucket). */
    ACTION("datapath_drop_action", "drop action (rule, table miss or empty group)"),
    /** A userspace (controller) action with no controller, e.g. dec_ttl at TTL 1. */
    CONTROLLER("datapath_drop_userspace_action", "sent to the controller, none connected (e.g. TTL exceeded)"),
    /** Shorter than an Ethernet header. */
    RX_INVALID("datapath_drop_rx_invalid_packet", "invalid packet on receive (runt)"),
    /** The upcall ring of the chosen handler was full. */
    UPCALL_LOST("datapath_drop_upcall_error", "upcall lost (handler queue full)"),
    /** Output to a port the datapath does not have. */
    INVALID_PORT("datapath_drop_invalid_port", "output to a nonexistent port"),
    /**
     * The port could not take the packet (transmit queue full). OVS 3.1 has no coverage counter
     * for this (netdev-dpdk counts it per interface, as ovs_tx_failure_drops); the name follows
     * its datapath_drop_*_error ones.
     */
    TX_FAILED("datapath_drop_tx_error", "transmit failed"),
    /** The slow path failed on the packet's upcall (translation or flow set-up threw). */
    UPCALL_FAILED("datapath_drop_upcall_failed", "slow path failed on the upcall"),
    /** A new connection through a select group found the connection table full. */
    CONN_TABLE_FULL("datapath_drop_conn_table_full", "new connection refused: connection table full"),
    /** A connection whose bucket was removed, with expire_nodest_conn set. */
    NODEST_CONN("datapath_drop_nodest_conn", "connection of a removed bucket (expire_nodest_conn)");

    private final String counterName;
    private final String description;

    DropReason(final String counterName, final String description) {
        this.counterName = counterName;
        this.description = description;
    }

    public String counterName() {
        return counterName;
    }

    public String description() {
        return description;
    }
}
