package io.flowgate.fastpath.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Up to {@value #MAX_BURST} packets received together from one port, described by parallel
 * primitive arrays: where each packet's first byte is, its length, its capture time, and the DPDK
 * mbuf that holds it (0 when the packet sits in one of this batch's own buffers).
 *
 * <p>A batch either owns {@value #MAX_BURST} off-heap slots (pcap and ring ports copy packets into
 * them) or borrows mbufs (DPDK ports hand over the NIC's buffers, nothing is copied). Each slot
 * keeps {@value #HEADROOM} bytes of headroom in front of the packet, as an mbuf does, so pushing a
 * VLAN tag moves the start back instead of copying the frame.
 *
 * <p>Owned by one thread at a time (the PMD that polls the port). Allocates nothing after
 * construction.
 */
public final class PacketBatch implements AutoCloseable {
    public static final int MAX_BURST = 32;
    public static final int HEADROOM = 128;
    /** Default room for one frame in an owned slot: the largest snap length capture tools use. */
    public static final int DEFAULT_DATA_ROOM = 262_144;

    private final Arena arena;
    private final MemorySegment slots;
    private final int slotSize;
    private final int dataRoom;

    private final long[] address = new long[MAX_BURST];
    private final int[] length = new int[MAX_BURST];
    private final long[] timestamp = new long[MAX_BURST];
    private long polledAt;
    private int mbufsHeld;
    /** Bit i: packet i was reframed (MAX_BURST is 32). */
    private int reframed;
    /** Bit i: packet i carries the NIC's RSS hash in {@link #rss}. */
    private int rssValid;
    private final int[] rss = new int[MAX_BURST];
    private final long[] mbuf = new long[MAX_BURST];
    /** Lowest address each packet may grow to (start of its headroom). */
    private final long[] bufferStart = new long[MAX_BURST];
    private final int[] l3 = new int[MAX_BURST];
    private final int[] l4 = new int[MAX_BURST];
    private int count;
    private int inPort;

    /** A batch with its own slots of {@code dataRoom} bytes each (plus headroom). */
    public static PacketBatch owning(final int dataRoom) {
        return new PacketBatch(dataRoom);
    }

    public static PacketBatch owning() {
        return new PacketBatch(DEFAULT_DATA_ROOM);
    }

    /** A batch that only points at buffers owned by someone else (DPDK mbufs). */
    public static PacketBatch borrowing() {
        return new PacketBatch(0);
    }

    private PacketBatch(final int dataRoom) {
        this.dataRoom = dataRoom;
        if (dataRoom > 0) {
            // Slot stride is deliberately not a power of two, so that the slots' headers do not
            // all fall into the same cache sets.
            this.slotSize = ((HEADROOM + dataRoom + 63) & ~63) + 64;
            this.arena = Arena.ofShared();
            this.slots = arena.allocate((long) slotSize * MAX_BURST, 64);
        } else {
            this.slotSize = 0;
            this.arena = null;
            this.slots = null;
        }
    }

    /** Bytes a packet may occupy in an owned slot. */
    public int dataRoom() {
        return dataRoom;
    }

    /** Address of slot {@code i}'s packet start (after the headroom). Owning batches only. */
    public long slotAddress(final int i) {
        return slots.address() + (long) slotSize * i + HEADROOM;
    }

    /** Lowest address slot {@code i}'s packet may start at (the headroom's start). */
    public long slotStart(final int i) {
        return slots.address() + (long) slotSize * i;
    }

    /** The slot memory as a segment, for copying into slot {@code i} with bounds checks. */
    public MemorySegment slotSegment(final int i) {
        return slots.asSlice((long) slotSize * i, slotSize);
    }

    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The port every packet of this batch arrived on. */
    public int inPort() {
        return inPort;
    }

    public void inPort(final int port) {
        this.inPort = port;
    }

    /** When the PMD started polling for this batch (epoch nanoseconds), for ports that do not time packets themselves. */
    public long polledAt() {
        return polledAt;
    }

    public void polledAt(final long epochNanos) {
        this.polledAt = epochNanos;
    }

    public long address(final int i) {
        return address[i];
    }

    public int length(final int i) {
        return length[i];
    }

    public long timestamp(final int i) {
        return timestamp[i];
    }

    /** Lowest address packet {@code i} may start at (a VLAN push needs 4 bytes of headroom). */
    public long bufferStart(final int i) {
        return bufferStart[i];
    }

    public long mbuf(final int i) {
        return mbuf[i];
    }

    /** Hands packet {@code i}'s mbuf over (to a transmit queue): the batch no longer owns it. */
    public long takeMbuf(final int i) {
        final long m = mbuf[i];
        if (m != 0) {
            mbuf[i] = 0;
            mbufsHeld--;
        }
        return m;
    }

    /**
     * Moves every mbuf the batch still holds into the native array at {@code list} (room for
     * {@link #MAX_BURST}), in packet order, and returns how many there were; the batch holds none
     * after. No branch per packet: an ACL's drops fall among its forwarded packets at random, and
     * a branch on each packet's mbuf mispredicted about every other packet.
     */
    public int drainMbufs(final long list) {
        final long[] mb = mbuf;
        final int n = count;
        int k = 0;
        for (int i = 0; i < n; i++) {
            final long m = mb[i];
            mb[i] = 0;
            Memory.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, list + 8L * k, m); // overwritten unless m != 0
            k += (int) ((m | -m) >>> 63);
        }
        mbufsHeld = 0;
        return k;
    }

    /** How many packets still hold an mbuf nobody has taken (0: nothing to give back). */
    public int mbufsHeld() {
        return mbufsHeld;
    }

    public int l3Offset(final int i) {
        return l3[i];
    }

    public int l4Offset(final int i) {
        return l4[i];
    }

    public void headerOffsets(final int i, final int l3Offset, final int l4Offset) {
        l3[i] = l3Offset;
        l4[i] = l4Offset;
    }

    /** Moves packet {@code i}'s start (after a push or pop at the front) and sets its length. */
    public void reframe(final int i, final long newAddress, final int newLength) {
        address[i] = newAddress;
        length[i] = newLength;
        reframed |= 1 << i;
    }

    /** Records the RSS hash the NIC computed for packet {@code i} (receive side). */
    public void rssHash(final int i, final int hash) {
        rss[i] = hash;
        rssValid |= 1 << i;
    }

    /** True if any packet of the batch carries the NIC's RSS hash. */
    public boolean anyRssHash() {
        return rssValid != 0;
    }

    /** True if packet {@code i} carries the NIC's RSS hash. */
    public boolean hasRssHash(final int i) {
        return (rssValid & (1 << i)) != 0;
    }

    /** The NIC's RSS hash of packet {@code i} (valid when {@link #hasRssHash}). */
    public int rssHash(final int i) {
        return rss[i];
    }

    /** True if packet {@code i}'s start or length changed since it was received. */
    public boolean reframed(final int i) {
        return (reframed & (1 << i)) != 0;
    }

    /** Appends a packet that has been copied into slot {@link #count()}. Owning batches only. */
    public void addOwned(final int len, final long timestampNanos) {
        final int i = count++;
        address[i] = slotAddress(i);
        bufferStart[i] = slotStart(i);
        length[i] = len;
        timestamp[i] = timestampNanos;
        mbuf[i] = 0;
    }

    /** Appends a packet held by someone else's buffer (an mbuf). */
    public void addBorrowed(final long packetAddress, final int len, final long mbufAddress, final long timestampNanos,
                            final long headroomStart) {
        setBorrowed(count++, packetAddress, len, mbufAddress, timestampNanos, headroomStart);
        if (mbufAddress != 0) {
            mbufsHeld++;
        }
    }

    /**
     * Puts a packet held by mbuf {@code mbufAddress} in slot {@code i}, past {@link #count()},
     * without counting it: a receive loop fills a burst's slots, then {@link #borrowed} counts
     * them at once (no update of the batch's counts per packet).
     */
    public void setBorrowed(final int i, final long packetAddress, final int len, final long mbufAddress,
                            final long timestampNanos, final long headroomStart) {
        address[i] = packetAddress;
        bufferStart[i] = headroomStart;
        length[i] = len;
        timestamp[i] = timestampNanos;
        mbuf[i] = mbufAddress;
    }

    /** Counts the {@code n} packets {@link #setBorrowed} put past {@link #count()}, each in an mbuf. */
    public void borrowed(final int n) {
        count += n;
        mbufsHeld += n;
    }

    /** Forgets all packets (owned slots are reused, mbufs must have been handed on already). */
    public void clear() {
        count = 0;
        mbufsHeld = 0;
        reframed = 0;
        rssValid = 0;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
