package io.flowgate.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/** {@code struct rte_eth_stats}, in jextract's shape (the totals; the per-queue arrays are padding). */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:MethodName"})
public final class rte_eth_stats {
    private static final int QUEUE_COUNTERS = 16;
    private static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("ipackets"),
            ValueLayout.JAVA_LONG.withName("opackets"),
            ValueLayout.JAVA_LONG.withName("ibytes"),
            ValueLayout.JAVA_LONG.withName("obytes"),
            ValueLayout.JAVA_LONG.withName("imissed"),
            ValueLayout.JAVA_LONG.withName("ierrors"),
            ValueLayout.JAVA_LONG.withName("oerrors"),
            ValueLayout.JAVA_LONG.withName("rx_nombuf"),
            MemoryLayout.sequenceLayout(5L * QUEUE_COUNTERS, ValueLayout.JAVA_LONG).withName("q_counters"))
            .withName("rte_eth_stats");

    private rte_eth_stats() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    public static long offset(final String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    public static long get(final MemorySegment stats, final String field) {
        return stats.get(ValueLayout.JAVA_LONG, offset(field));
    }
}
