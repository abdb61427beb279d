package io.flowgate.slowpath.lb;

import java.util.Arrays;
import java.util.Objects;

/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4) over the buckets of a select group.
 *
 * <p>Several Flowgate nodes behind ECMP that are given the same group must send a connection to the
 * same backend whichever of them receives it, without talking to each other. So the table is a pure
 * function of the buckets' ids and weights and of its size: every hash below is fixed-seeded
 * arithmetic (no {@code hashCode()}, nothing random, nothing that depends on the JVM), and the result
 * does not depend on the order in which the buckets are given, because they are sorted by id first.
 *
 * <p>Each backend has a preference list, a permutation of the table's {@code M} slots:
 * {@code (offset + j * skip) mod M} with {@code offset = h1(id) mod M} and
 * {@code skip = h2(id) mod (M - 1) + 1}; since {@code M} is prime, every skip visits every slot.
 * Backends then take turns claiming their most preferred free slot until the table is full. Equal
 * weights give each backend {@code floor(M/N)} or {@code ceil(M/N)} slots; removing one of N backends
 * moves its own connections and, unlike a ring, also a few others (the paper's trade-off of
 * disruption for balance), which is why {@code M} should be much larger than the backend count (the
 * paper suggests at least 100 times).
 *
 * <p>Weights: over any run of passes a backend of weight {@code w} gets {@code w} turns for every
 * {@code q} passes, {@code q} being the mean weight, so its share of the table is proportional to
 * {@code w}. Turns are handed out pass by pass with an integer credit rather than as {@code w}
 * consecutive turns per round: OpenFlow weights go up to 65,535, and a round of weights 65,535 and
 * 65,534 would otherwise fill the whole table for the first backend.
 *
 * <p>Immutable; lookups are thread-safe and allocate nothing.
 */
public final class MaglevTable {
    /** The paper's default: prime, and large enough for a few hundred backends. */
    public static final int DEFAULT_SIZE = 65_537;

    /** So that a slot plus a skip never overflows an {@code int} while populating. */
    public static final int MAX_SIZE = 1 << 30;

    // Fixed forever: changing any of these seeds or the mixer remaps connections across the fleet,
    // and nodes running different versions would then disagree.
    private static final long OFFSET_SEED = 0x6d61676c65762d6fL;
    private static final long SKIP_SEED = 0x2d736b69702d6d67L;
    private static final long TUPLE_SEED = 0x666c6f7767617465L;

    private static final int[] EMPTY = new int[0];

    private final int size;
    /** Slot to backend index (position in the arrays given), or {@link #EMPTY} if there is none. */
    private final int[] table;

    /** A table of {@link #DEFAULT_SIZE} slots; see {@link #MaglevTable(int[], int[], int)}. */
    public MaglevTable(final int[] ids, final int[] weights) {
        this(ids, weights, DEFAULT_SIZE);
    }

    /**
     * A table of {@code size} slots over the backends {@code ids[i]} of weight {@code weights[i]}.
     *
     * @param ids     the backends' stable names, the same on every node (bucket ids); distinct
     * @param weights non-negative; a weight of 0 leaves the backend out of the table
     * @param size    prime, greater than {@code ids.length}, at most {@link #MAX_SIZE}
     * @throws IllegalArgumentException if the arrays differ in length, an id repeats, a weight is
     *                                  negative, or {@code size} is not a fitting prime
     */
    public MaglevTable(final int[] ids, final int[] weights, final int size) {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(weights, "weights");
        if (ids.length != weights.length) {
            throw new IllegalArgumentException("ids and weights differ in length: " + ids.length + " != " + weights.length);
        }
        checkSize(size, ids.length);
        checkDistinct(ids); // weight-0 ones included: a repeated id is a caller's bug either way
        this.size = size;
        this.table = populate(ids, weights, size);
    }

    /** The number of slots, {@code M}. */
    public int size() {
        return size;
    }

    /**
     * The backend of a connection: its index in the arrays given to the constructor, or -1 if no
     * backend has a positive weight.
     *
     * @param hash a well-mixed 64-bit hash of the connection, normally {@link #hash}
     */
    public int lookup(final long hash) {
        final int[] t = table;
        if (t.length == 0) {
            return -1;
        }
        // hash * M / 2^64, unsigned: a slot from the high bits, uniform and without a division.
        return t[(int) Math.unsignedMultiplyHigh(hash, size)];
    }

    /**
     * The hash of a connection's 5-tuple (field layout as in {@link ConnectionKey}: IPv4 addresses in
     * the low words, high words 0). Only the declared widths count: 16 bits of {@code dlType} and the
     * ports, 8 of {@code proto}. Not symmetric: the two directions of a connection hash differently.
     *
     * <p>Never change this function, its seed or its field order: every node of a fleet must compute
     * the same value for the same connection, across versions, or connections move on upgrade.
     */
    public static long hash(final int dlType, final int proto, final long srcHi, final long srcLo, final long dstHi,
                            final long dstLo, final int srcPort, final int dstPort) {
        final long small = (long) (dlType & 0xFFFF) << 48 | (long) (proto & 0xFF) << 32
                | (long) (srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF);
        // Mix after each word: mix64 is a bijection, so tuples that differ in one word never collide.
        long h = mix64(TUPLE_SEED ^ small);
        h = mix64(h ^ srcHi);
        h = mix64(h ^ srcLo);
        h = mix64(h ^ dstHi);
        return mix64(h ^ dstLo);
    }

    /** A copy of the slots (backend indices), for tests and diagnostics. */
    int[] slots() {
        return table.length == 0 ? EMPTY : table.clone();
    }

    private static void checkSize(final int size, final int backends) {
        if (size <= backends) {
            throw new IllegalArgumentException("table size " + size + " must be greater than the number of backends ("
                    + backends + ")");
        }
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException("table size " + size + " exceeds the maximum " + MAX_SIZE);
        }
        if (!isPrime(size)) {
            throw new IllegalArgumentException("table size " + size
                    + " must be prime, or some skips would not visit every slot");
        }
    }

    /** Trial division: exact, and at most ~16,000 steps for {@link #MAX_SIZE}. */
    static boolean isPrime(final int n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    private static int[] populate(final int[] ids, final int[] weights, final int m) {
        // Backends by id, so that the array order given (which nodes may not share) does not matter;
        // ties between backends wanting the same slot are settled by id.
        final long[] byId = new long[ids.length];
        int n = 0;
        long totalWeight = 0;
        for (int i = 0; i < ids.length; i++) {
            if (weights[i] < 0) {
                throw new IllegalArgumentException("negative weight " + weights[i] + " for backend " + ids[i]);
            }
            if (weights[i] > 0) {
                byId[n++] = (long) ids[i] << 32 | i; // sorts by id, then carries the index
                totalWeight += weights[i];
            }
        }
        Arrays.sort(byId, 0, n);
        if (n == 0) {
            return EMPTY;
        }

        final int[] index = new int[n];
        final long[] weight = new long[n];
        final int[] next = new int[n]; // the next slot of each backend's permutation to try
        final int[] skip = new int[n];
        for (int k = 0; k < n; k++) {
            final int i = (int) byId[k];
            final long id = ids[i] & 0xFFFF_FFFFL;
            index[k] = i;
            weight[k] = weights[i];
            next[k] = (int) Long.remainderUnsigned(mix64(OFFSET_SEED ^ id), m);
            skip[k] = (int) Long.remainderUnsigned(mix64(SKIP_SEED ^ id), m - 1) + 1;
        }

        // A turn costs `quantum` credit; each pass adds a backend's weight to its credit. The quantum
        // is the mean weight, rounded up, so a pass hands out about n turns whatever the weights, and
        // the heaviest backend (weight >= quantum) takes at least one: every pass makes progress.
        final long quantum = (totalWeight + n - 1) / n;
        // Starting at half a turn rounds each backend's count of turns to the nearest rather than
        // down: the table may fill in fewer passes than a light backend needs for its first turn.
        final long[] credit = new long[n];
        Arrays.fill(credit, quantum / 2);
        final int[] table = new int[m];
        Arrays.fill(table, -1);
        int filled = 0;
        while (true) {
            for (int k = 0; k < n; k++) {
                credit[k] += weight[k];
                while (credit[k] >= quantum) {
                    credit[k] -= quantum;
                    // The backend's most preferred free slot; one exists, the table not being full,
                    // and the permutation visits every slot.
                    final int s = skip[k];
                    int c = next[k];
                    while (table[c] >= 0) {
                        c += s;
                        if (c >= m) {
                            c -= m;
                        }
                    }
                    table[c] = index[k];
                    if (++filled == m) {
                        return table;
                    }
                    c += s;
                    next[k] = c >= m ? c - m : c;
                }
            }
        }
    }

    private static void checkDistinct(final int[] ids) {
        final int[] sorted = ids.clone();
        Arrays.sort(sorted);
        for (int k = 1; k < sorted.length; k++) {
            if (sorted[k] == sorted[k - 1]) {
                throw new IllegalArgumentException("duplicate backend id " + sorted[k]);
            }
        }
    }

    /** SplitMix64's finaliser (Stafford's Mix13): a bijection with full avalanche. Never change it. */
    private static long mix64(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
