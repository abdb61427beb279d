package io.flowgate.slowpath.ofproto;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The lookup and matched counters of every OpenFlow table, as OVS keeps them (its oftable's
 * n_matched and n_missed): each time a packet's translation looks a table up, the table counts one
 * lookup, and one match if a rule matched. The counts arrive with the traffic's statistics (the
 * missed packet at upcall, the megaflow's hits from revalidators), never on the per-packet path.
 * Shared by every version of a pipeline, so they survive rule changes, as OVS's do.
 */
public final class TableStats {
    private final AtomicLongArray lookups = new AtomicLongArray(PipelineVersion.MAX_TABLES);
    private final AtomicLongArray matches = new AtomicLongArray(PipelineVersion.MAX_TABLES);

    /** Packets looked up in {@code table}. */
    public long lookups(final int table) {
        return lookups.get(table);
    }

    /** Packets that matched a rule of {@code table}. */
    public long matches(final int table) {
        return matches.get(table);
    }

    /**
     * Counts {@code packets} for each lookup of a translation.
     *
     * @param tableLookups what {@link #lookup} made of each lookup, in order
     */
    public void credit(final int[] tableLookups, final long packets) {
        if (packets == 0) {
            return;
        }
        for (int l : tableLookups) {
            lookups.addAndGet(l >>> 1, packets);
            if ((l & 1) != 0) {
                matches.addAndGet(l >>> 1, packets);
            }
        }
    }

    /** One lookup of {@code table}, as {@link #credit} reads it. */
    public static int lookup(final int table, final boolean matched) {
        return table << 1 | (matched ? 1 : 0);
    }
}
