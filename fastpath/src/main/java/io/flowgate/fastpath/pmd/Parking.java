package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.RxQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.collections.Long2LongHashMap;

/**
 * Packets held back behind an upcall in flight, so that a flow's packets leave in the order they
 * came although its first one takes a detour through a handler, and so that a flow goes up once.
 *
 * <p>Why: while a flow's first packet is with the slow path, the flow's next packets would either
 * go up too (one upcall per packet, and a later one can be answered before an earlier one's
 * packet-out runs), or, once the handler's install arrives, hit the new megaflow and leave before
 * the first packet's packet-out. Instead, the PMD counts its upcalls in flight per packet hash
 * (the 64-bit hash of the whole key: in practice, per exact flow key) in a small open-addressing
 * table ({@link #upcalled}, {@link #answered}); a packet whose hash has one in flight, or has
 * packets parked, is parked here, whether or not it would hit ({@link #busy}).
 *
 * <p>A megaflow covers many exact keys, and which ones only the handler knows. So a miss of
 * another key is held too while an upcall in flight may set up its megaflow ({@link #sharing}):
 * one of the same input port (in_port is always matched) whose key agrees with it on the bits
 * every megaflow of that port has matched so far (the classifier's common mask; no megaflow yet:
 * any key of the port). When the answer has run it goes through the datapath again and hits, or
 * goes up next. Misses that differ on those bits go up side by side, so new flows of different
 * megaflows are set up in parallel by the handlers. This is OVS's "one upcall per flow", which
 * OVS gets by making the upcall inside the PMD; here the PMD goes on forwarding hits meanwhile.
 *
 * <p>Parked packets go through the datapath again, in arrival order, before anything new is
 * received ({@link #unpark}), once neither their key nor their port has an upcall in flight.
 *
 * <p>Received DPDK packets stay in their mbufs while parked (zero copy); packets of copying ports
 * are copied into one of {@value #CAPACITY} slots of {@value #FRAME_ROOM} bytes. When parking is
 * full, or a frame is too big for a slot, the packet is handled as if nothing were in flight:
 * forwarded if it hits, sent up if it misses (counted: its order is then no longer guaranteed),
 * so a storm of new flows never turns hits into upcalls. PMD thread only; allocates nothing
 * after construction.
 *
 * <p>One file above 400 lines: the in-flight table, the parked queue and the slots change
 * together at every park, answer and unpark, and their invariants are checked in one place.
 */
final class Parking implements AutoCloseable {
    static final int CAPACITY = 1024;
    static final int FRAME_ROOM = 2048;
    private static final int SLOT = ((PacketBatch.HEADROOM + FRAME_ROOM + 63) & ~63) + 64;
    /** Hashes tracked at most (upcalls beyond are not tracked: their packets are not held back). */
    private static final int TRACKED = 1 << 15;

    // Upcalls in flight and packets parked per hash: linear probing, 0 is an empty slot (hashes
    // are odd). A hash has an entry while either count is above 0.
    private final long[] inFlightHash = new long[TRACKED];
    private final int[] inFlight = new int[TRACKED];
    private final int[] parkedOf = new int[TRACKED];
    /** Per hash, the last {@link #unpark} scan in which a packet of it stayed parked. */
    private final long[] stayedIn = new long[TRACKED];
    private long scan;
    private int tracked;
    private int upcalls;
    /** Per hash in flight, the share key ({@link #shareKey}) its upcall counts under. */
    private final long[] shareOf = new long[TRACKED];
    /** Upcalls in flight per share key (a key without any has no entry). */
    private final Long2LongHashMap sharedUpcalls = new Long2LongHashMap(0);

    // The parked packets, oldest first.
    private final long[] hash = new long[CAPACITY];
    private final long[] address = new long[CAPACITY];
    private final long[] bufferStart = new long[CAPACITY];
    private final long[] mbuf = new long[CAPACITY];
    private final long[] timestamp = new long[CAPACITY];
    private final int[] length = new int[CAPACITY];
    private final int[] inPort = new int[CAPACITY];
    private final int[] rss = new int[CAPACITY];
    private final boolean[] hasRss = new boolean[CAPACITY];
    private final int[] slot = new int[CAPACITY];
    private final RxQueue[] queue = new RxQueue[CAPACITY];
    /** The share key a held miss waits on ({@link #sharing}); 0 for a packet waiting on its own hash. */
    private final long[] waitShare = new long[CAPACITY];
    private final boolean[] held = new boolean[CAPACITY];
    private int count;
    /** A bucket with parked packets had its last upcall answered: {@link #unpark} has work. */
    private boolean ready;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment slots = arena.allocate((long) SLOT * CAPACITY, 64);
    private final int[] freeSlots = new int[CAPACITY];
    private int free;
    /** Slots lent to the batch being unparked, given back when it is done. */
    private final int[] lent = new int[PacketBatch.MAX_BURST];
    private int lentCount;
    /** Where the packets parked again while an unparked batch runs begin (-1: no batch running). */
    private int restaged = -1;

    Parking() {
        for (int i = 0; i < CAPACITY; i++) {
            freeSlots[free++] = CAPACITY - 1 - i;
        }
    }

    /** The slot of {@code hash} in the in-flight table, or of the empty slot where it would go. */
    private int slotOf(final long hash) {
        final int mask = TRACKED - 1;
        int i = (int) (hash ^ (hash >>> 29)) & mask;
        while (inFlightHash[i] != 0 && inFlightHash[i] != hash) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private int inFlight(final long hash) {
        final int i = slotOf(hash);
        return inFlightHash[i] == hash ? inFlight[i] : 0;
    }

    /** The slot of {@code hash}, added if need be; -1 if the table is too full to add it. */
    private int claim(final long hash) {
        final int i = slotOf(hash);
        if (inFlightHash[i] == 0) {
            if (tracked >= TRACKED / 2) {
                return -1;
            }
            inFlightHash[i] = hash;
            tracked++;
        }
        return i;
    }

    /** True if an upcall with this hash is in flight or packets with it are parked: the packet must wait behind them. */
    boolean busy(final long hash) {
        return (upcalls != 0 || count != 0) && inFlightHash[slotOf(hash)] == hash;
    }

    /** True if an upcall with this hash is in flight (packets parked with it do not count). */
    boolean upcalling(final long hash) {
        return upcalls != 0 && inFlight(hash) != 0;
    }

    /**
     * What a miss shares with the upcalls whose megaflow may be its own: its input port and the
     * hash of its key over the port's common mask.
     */
    static long shareKey(final int port, final long commonHash) {
        return commonHash + port * 0x9E37_79B9_7F4A_7C15L;
    }

    /** True if an upcall in flight may set up the megaflow of a miss with this share key. */
    boolean sharing(final long share) {
        return upcalls != 0 && sharedUpcalls.get(share) != 0;
    }

    /** An upcall with this hash, sharing {@code share}, went to a handler. */
    void upcalled(final long hash, final long share) {
        final int i = claim(hash);
        if (i < 0) {
            return; // too many at once: this one is not tracked (nothing waits behind it)
        }
        if (inFlight[i]++ == 0) {
            shareOf[i] = share; // later ones of the same hash count where the first did
        }
        upcalls++;
        sharedUpcalls.put(shareOf[i], sharedUpcalls.get(shareOf[i]) + 1);
    }

    /** The answer to an upcall with this hash has run. */
    void answered(final long hash) {
        final int i = slotOf(hash);
        if (inFlightHash[i] != hash || inFlight[i] == 0) {
            return; // not tracked
        }
        upcalls--;
        final long left = sharedUpcalls.get(shareOf[i]) - 1;
        if (left <= 0) {
            sharedUpcalls.remove(shareOf[i]);
        } else {
            sharedUpcalls.put(shareOf[i], left);
        }
        if (--inFlight[i] == 0 && parkedOf[i] == 0) {
            removeSlot(i);
        }
        if (count > 0) {
            ready = true;
        }
    }

    /** Empties slot {@code i}, shifting later entries of its probe run back (no tombstones). */
    private void removeSlot(final int i) {
        final int mask = TRACKED - 1;
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            final long h = inFlightHash[j];
            if (h == 0) {
                break;
            }
            final int home = (int) (h ^ (h >>> 29)) & mask;
            // Move j into the hole if its home is not in (hole, j] (cyclically).
            final boolean stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (!stays) {
                inFlightHash[hole] = h;
                inFlight[hole] = inFlight[j];
                parkedOf[hole] = parkedOf[j];
                shareOf[hole] = shareOf[j];
                stayedIn[hole] = stayedIn[j];
                hole = j;
            }
        }
        inFlightHash[hole] = 0;
        inFlight[hole] = 0;
        parkedOf[hole] = 0;
        stayedIn[hole] = 0;
        tracked--;
    }

    /** Upcalls in flight. */
    int upcalls() {
        return upcalls;
    }

    /** Packets parked. */
    int parked() {
        return count;
    }

    /**
     * True if a whole burst of copied packets could be parked now, and a batch of them parked
     * again when it is sent through once more (its slots are still lent then).
     */
    boolean roomForBurst() {
        return count <= CAPACITY - PacketBatch.MAX_BURST && free >= 2 * PacketBatch.MAX_BURST;
    }

    boolean ready() {
        return ready;
    }

    /**
     * Parks packet {@code i} of {@code b} (taking its mbuf, or copying it into a slot): behind
     * the upcall of its own hash, or, {@code held}, behind the upcalls sharing {@code share}.
     *
     * @return false if there is no room: the caller sends the packet up instead
     */
    boolean park(final PacketBatch b, final int i, final long h, final RxQueue q, final boolean held,
                 final long share) {
        if (count == CAPACITY) {
            return false;
        }
        final int entry = claim(h);
        if (entry < 0 || (b.mbuf(i) == 0 && (b.length(i) > FRAME_ROOM || free == 0))) {
            if (entry >= 0 && inFlight[entry] == 0 && parkedOf[entry] == 0) {
                removeSlot(entry);
            }
            return false;
        }
        parkedOf[entry]++;
        final int n = count;
        final long m = b.mbuf(i);
        if (m != 0) {
            address[n] = b.address(i);
            bufferStart[n] = b.bufferStart(i);
            mbuf[n] = b.takeMbuf(i);
            slot[n] = -1;
        } else {
            final int s = freeSlots[--free];
            final long start = slots.address() + (long) SLOT * s;
            MemorySegment.copy(io.flowgate.fastpath.packet.Memory.ALL, b.address(i), slots,
                    (long) SLOT * s + PacketBatch.HEADROOM, b.length(i));
            address[n] = start + PacketBatch.HEADROOM;
            bufferStart[n] = start;
            mbuf[n] = 0;
            slot[n] = s;
        }
        hash[n] = h;
        length[n] = b.length(i);
        timestamp[n] = b.timestamp(i);
        inPort[n] = b.inPort();
        hasRss[n] = b.hasRssHash(i);
        rss[n] = b.rssHash(i);
        queue[n] = q;
        this.held[n] = held;
        waitShare[n] = share;
        count = n + 1;
        return true;
    }

    /**
     * Moves the oldest run of parked packets that may go now (no upcall in flight for their hash,
     * nor, for a held miss, for its share key; no older packet of their hash staying; one input
     * port and queue; at most a batch) into {@code b}, which the caller has cleared, keeping the
     * others in order.
     *
     * @return the run's receive queue, or null when nothing may go (then {@link #ready} is false)
     */
    RxQueue unpark(final PacketBatch b) {
        int w = 0;
        RxQueue runQueue = null;
        int runPort = 0;
        final long thisScan = ++scan;
        for (int r = 0; r < count; r++) {
            // A held miss waits on its share key, not on its hash: the packets of its flow parked
            // after it must stay with it, else one could leave, or go up, first.
            final int e = slotOf(hash[r]);
            final boolean go = inFlight[e] == 0 && stayedIn[e] != thisScan
                    && (!held[r] || sharedUpcalls.get(waitShare[r]) == 0)
                    && (runQueue == null || (queue[r] == runQueue && inPort[r] == runPort))
                    && b.count() < PacketBatch.MAX_BURST;
            if (go) {
                if (runQueue == null) {
                    runQueue = queue[r];
                    runPort = inPort[r];
                    b.inPort(runPort);
                }
                final int i = b.count();
                b.addBorrowed(address[r], length[r], mbuf[r], timestamp[r], bufferStart[r]);
                if (hasRss[r]) {
                    b.rssHash(i, rss[r]);
                }
                if (slot[r] >= 0) {
                    lent[lentCount++] = slot[r];
                }
                unparked(hash[r]);
                queue[r] = null;
                continue;
            }
            stayedIn[e] = thisScan;
            if (w != r) {
                swap(r, w); // keeps the waiting ones in order; what ends up past the count is gone
            }
            w++;
        }
        for (int r = w; r < count; r++) {
            queue[r] = null;
        }
        count = w;
        if (runQueue == null) {
            ready = false;
        } else {
            restaged = w; // what the batch parks again goes after these, then to the front
        }
        return runQueue;
    }

    private void unparked(final long h) {
        final int e = slotOf(h);
        if (inFlightHash[e] == h && --parkedOf[e] == 0 && inFlight[e] == 0) {
            removeSlot(e);
        }
    }

    /**
     * The batch made by {@link #unpark} is done: packets of it that were parked again (their flow
     * went up once more) move to the front, ahead of the younger packets still waiting, and its
     * copied packets' slots are free again.
     */
    void returnLent() {
        if (restaged >= 0 && restaged < count && restaged > 0) {
            rotate(restaged);
        }
        restaged = -1;
        for (int i = 0; i < lentCount; i++) {
            freeSlots[free++] = lent[i];
        }
        lentCount = 0;
    }

    /** Moves entries {@code [from, count)} in front of {@code [0, from)}, keeping both orders. */
    private void rotate(final int from) {
        reverse(0, from);
        reverse(from, count);
        reverse(0, count);
    }

    private void reverse(final int start, final int end) {
        for (int i = start, j = end - 1; i < j; i++, j--) {
            swap(i, j);
        }
    }

    private void swap(final int a, final int b) {
        swap(hash, a, b);
        swap(address, a, b);
        swap(bufferStart, a, b);
        swap(mbuf, a, b);
        swap(timestamp, a, b);
        swap(length, a, b);
        swap(inPort, a, b);
        swap(rss, a, b);
        swap(slot, a, b);
        swap(hasRss, a, b);
        swap(waitShare, a, b);
        swap(held, a, b);
        final RxQueue q = queue[a];
        queue[a] = queue[b];
        queue[b] = q;
    }

    private static void swap(final long[] x, final int a, final int b) {
        final long t = x[a];
        x[a] = x[b];
        x[b] = t;
    }

    private static void swap(final int[] x, final int a, final int b) {
        final int t = x[a];
        x[a] = x[b];
        x[b] = t;
    }

    private static void swap(final boolean[] x, final int a, final int b) {
        final boolean t = x[a];
        x[a] = x[b];
        x[b] = t;
    }

    @Override
    public void close() {
        arena.close();
    }
}
