package io.flowgate.fastpath.pmd;

/** The per-PMD counters. */
public enum PmdCounter {
    RX_PACKETS("packets received"),
    TX_PACKETS("packets sent"),
    TX_BATCHES("output batches sent (one per port per iteration that sent to it)"),
    EMC_HITS("emc hits"),
    SMC_HITS("smc hits"),
    MEGAFLOW_HITS("megaflow hits"),
    MISSES("miss with success upcall"),
    LOST_UPCALLS("miss with failed upcall"),
    PACKET_OUTS("packets sent by the slow path"),
    PARKED("packets parked behind an upcall of their flow"),
    HELD("misses held behind an upcall that may set up their megaflow"),
    PARKING_FULL("packets not parked behind their flow's upcall: parking was full"),
    FLOWS_INSTALLED("flows installed"),
    FLOWS_REMOVED("flows removed"),
    DUPLICATE_INSTALLS("installs of an existing flow ignored"),
    SUBTABLE_LOOKUPS("subtable lookups (for lookups per hit)"),
    BUSY_ITERATIONS("busy iterations"),
    IDLE_ITERATIONS("idle iterations"),
    BUSY_NANOS("nanoseconds in busy iterations"),
    IDLE_NANOS("nanoseconds in idle iterations"),
    SLEEP_ITERATIONS("idle iterations after which the PMD slept (backed off) for a microsecond or more"),
    SLEEP_NANOS("nanoseconds asleep after idle iterations (not in IDLE_NANOS)"),
    DROP_ACTION("dropped: drop action"),
    DROP_CONTROLLER("dropped: to controller (none)"),
    DROP_RX_INVALID("dropped: invalid on receive"),
    DROP_UPCALL_LOST("dropped: upcall lost"),
    DROP_INVALID_PORT("dropped: nonexistent output port"),
    DROP_TX_FAILED("dropped: transmit failed"),
    DROP_UPCALL_FAILED("dropped: slow path failed on the upcall"),
    DROP_CONN_TABLE_FULL("dropped: connection table full"),
    DROP_NODEST_CONN("dropped: connection of a removed bucket");

    private final String description;

    PmdCounter(final String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
