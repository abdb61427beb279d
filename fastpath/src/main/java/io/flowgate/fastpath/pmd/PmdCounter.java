package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DropReason;

/**
 * The per-PMD counters. Each {@link DropReason} has one, which names it: the one mapping from a
 * drop to its counter (it lives here, not on {@code DropReason}, since this package already
 * depends on the action package and not the other way round).
 */
public enum PmdCounter {
    RX_PACKETS("packets received"),
    TX_PACKETS("packets sent"),
    TX_BATCHES("output batches sent (one per port per iteration that sent to it)"),
    EMC_HITS("emc hits"),
    EMC_SKIPPED("packets not looked up in the emc: probing it cost more than it saved"),
    SMC_HITS("smc hits"),
    MEGAFLOW_HITS("megaflow hits"),
    MISSES("miss with success upcall"),
    LOST_UPCALLS("miss with failed upcall"),
    PACKET_OUTS("packets sent by the slow path"),
    PACKET_INS("packets sent to the controller"),
    PACKET_IN_OVERFLOWS("packets not sent to the controller: its queue was full"),
    PARKED("packets parked behind an upcall of their flow"),
    HELD("misses held behind an upcall that may set up their megaflow"),
    PARKING_FULL("packets not parked behind their flow's upcall: parking was full"),
    FLOWS_INSTALLED("flows installed"),
    FLOWS_REMOVED("flows removed"),
    DUPLICATE_INSTALLS("installs of an existing flow ignored"),
    SUBTABLE_LOOKUPS("subtable lookups (for lookups per hit)"),
    TREE_HITS("megaflow hits found by walking the megaflow tree"),
    BUSY_ITERATIONS("busy iterations"),
    IDLE_ITERATIONS("idle iterations"),
    BUSY_NANOS("nanoseconds in busy iterations"),
    IDLE_NANOS("nanoseconds in idle iterations"),
    SLEEP_ITERATIONS("idle iterations after which the PMD slept (backed off) for a microsecond or more"),
    SLEEP_NANOS("nanoseconds asleep after idle iterations (not in IDLE_NANOS)"),
    DROP_ACTION(DropReason.ACTION, "dropped: drop action"),
    DROP_CONTROLLER(DropReason.CONTROLLER, "dropped: to controller (none)"),
    DROP_RX_INVALID(DropReason.RX_INVALID, "dropped: invalid on receive"),
    DROP_UPCALL_LOST(DropReason.UPCALL_LOST, "dropped: upcall lost"),
    DROP_INVALID_PORT(DropReason.INVALID_PORT, "dropped: nonexistent output port"),
    DROP_TX_FAILED(DropReason.TX_FAILED, "dropped: transmit failed"),
    DROP_UPCALL_FAILED(DropReason.UPCALL_FAILED, "dropped: slow path failed on the upcall"),
    DROP_CONN_TABLE_FULL(DropReason.CONN_TABLE_FULL, "dropped: connection table full"),
    DROP_NODEST_CONN(DropReason.NODEST_CONN, "dropped: connection of a removed bucket");

    private static final PmdCounter[] BY_DROP = new PmdCounter[DropReason.values().length];

    static {
        for (PmdCounter c : values()) {
            if (c.drop != null) {
                if (BY_DROP[c.drop.ordinal()] != null) {
                    throw new IllegalStateException(c.drop + " has two counters: " + BY_DROP[c.drop.ordinal()] + ", " + c);
                }
                BY_DROP[c.drop.ordinal()] = c;
            }
        }
        for (DropReason r : DropReason.values()) {
            if (BY_DROP[r.ordinal()] == null) {
                throw new IllegalStateException(r + " has no counter");
            }
        }
    }

    private final DropReason drop;
    private final String description;

    PmdCounter(final String description) {
        this(null, description);
    }

    PmdCounter(final DropReason drop, final String description) {
        this.drop = drop;
        this.description = description;
    }

    /** The counter that counts drops for {@code reason}. */
    public static PmdCounter of(final DropReason reason) {
        return BY_DROP[reason.ordinal()];
    }

    public String description() {
        return description;
    }
}
