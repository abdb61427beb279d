package io.flowgate.slowpath.ofproto;

/**
 * Packet and byte counters of a group and of each of its buckets (OpenFlow's group statistics),
 * credited as rules are: the missed packet at upcall, then each revalidator push of the megaflows
 * whose translation went through the group. A group that sends to every bucket credits each one
 * with the whole traffic, as OVS does. Several revalidators push at once and a reply reads group
 * and buckets together, hence one lock (never taken on the per-packet path).
 *
 * <p>A modified group starts again from zero but keeps its creation time, as in OVS (a GROUP_MOD
 * makes a new group in the next version; flows translated before it credit the old one until they
 * are revalidated).
 */
public final class GroupStats {
    private final long createdMillis;
    private final long[] bucketPackets;
    private final long[] bucketBytes;
    private long packets;
    private long bytes;

    public GroupStats(final int buckets, final long createdMillis) {
        this.createdMillis = createdMillis;
        this.bucketPackets = new long[buckets];
        this.bucketBytes = new long[buckets];
    }

    /** Wall-clock milliseconds at which the group was added (a modification keeps it). */
    public long createdMillis() {
        return createdMillis;
    }

    /**
     * Credits the group and its bucket at {@code bucket}, a position in the group's list; only the
     * group if the bucket is no longer in it (a connection kept on a removed bucket, -1).
     */
    public synchronized void credit(final int bucket, final long packetDelta, final long byteDelta) {
        packets += packetDelta;
        bytes += byteDelta;
        if (bucket >= 0 && bucket < bucketPackets.length) {
            bucketPackets[bucket] += packetDelta;
            bucketBytes[bucket] += byteDelta;
        }
    }

    /** Credits the group and every bucket of it (an {@code all} group sends each packet to each). */
    public synchronized void creditEveryBucket(final long packetDelta, final long byteDelta) {
        packets += packetDelta;
        bytes += byteDelta;
        for (int i = 0; i < bucketPackets.length; i++) {
            bucketPackets[i] += packetDelta;
            bucketBytes[i] += byteDelta;
        }
    }

    /** The counters as one consistent reading. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(packets, bytes, bucketPackets.clone(), bucketBytes.clone());
    }

    /** One reading: the group's counters and its buckets', in the group's bucket order. */
    public record Snapshot(long packets, long bytes, long[] bucketPackets, long[] bucketBytes) {
    }
}
