package io.flowgate.fastpath.smc;

import io.flowgate.fastpath.megaflow.DpFlow;

import java.util.Arrays;

/**
 * The signature match cache of one PMD: between the EMC and the megaflow classifier, a map from
 * a packet's full-key hash to the megaflow that key hit last, as OVS's SMC.
 *
 * <p>Why: with many flows over many masks (10^5 flows through an ACL that yields tens of masks)
 * the EMC's 8,192 exact keys thrash and the classifier probes subtable after subtable. This
 * cache makes that one probe. An entry is 4 bytes, as OVS's: a 16-bit signature (the hash's top
 * bits) and the flow's number in this cache's flow index, {@value #WAYS} to a bucket, so a
 * bucket is a quarter of a cache line. Unlike the EMC it keeps no key: a hit is checked against
 * the megaflow's own match ({@link DpFlow#matches}), so a signature collision or a stale entry
 * costs a miss, never a wrong answer. Flows are numbered when installed and their number freed
 * when removed, so a removed flow is not kept alive by entries that still name it (they miss,
 * and are overwritten); a PMD's flows past number 65,534 are not cached here (as OVS's).
 *
 * <p>Better than OVS's fixed 4 MB table: the table starts at {@value #MIN_BUCKETS} buckets
 * (64 KB) and doubles, up to OVS's 2^20 entries, while inserts keep evicting live entries (more
 * than one lookup in {@value #GROW_EVICTION_RATIO}), so 10,000 flows get a table that stays in
 * the core's own cache instead of 10,000 scattered lines of a 4 MB one. Doubling forgets every
 * entry (a cache refills on its misses); it happens a few times in a PMD's life at most.
 *
 * <p>Owned by the PMD thread; allocates nothing per packet (the flow index grows on install).
 */
public final class Smc {
    public static final int WAYS = 4;
    static final int MIN_BUCKETS = 1 << 12;
    static final int MAX_BUCKETS = 1 << 18;
    /** The table doubles when more than one lookup in this many evicted a live entry. */
    static final int GROW_EVICTION_RATIO = 256;
    /** Lookups between two looks at the eviction count. */
    private static final int WINDOW = 1 << 16;
    private static final int SIGNATURE_SHIFT = 48;
    private static final int NUMBER_MASK = 0xFFFF;
    /** The most flows numbered here: their number + 1 fills the entry's low 16 bits. */
    static final int MAX_NUMBERS = NUMBER_MASK;

    /** Entry = signature << 16 | (flow number + 1); 0 is an empty entry. */
    private int[] entries = new int[MIN_BUCKETS * WAYS];
    private int bucketMask = MIN_BUCKETS - 1;
    /** Per packet of a batch, the ways of its bucket that carry its signature (a bit each). */
    private final int[] candidates = new int[Integer.SIZE];
    /** Flow number to flow; null for a free number. */
    private DpFlow[] index = new DpFlow[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int numbered;
    private boolean enabled;
    private int lookups;
    private int evictions;

    public Smc(final boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Switches the cache on or off (smc-enable; PMD thread). Off forgets every entry. */
    public void enabled(final boolean on) {
        if (!on) {
            Arrays.fill(entries, 0);
        }
        this.enabled = on;
    }

    /** Buckets in the table now (statistics, tests). */
    public int buckets() {
        return bucketMask + 1;
    }

    /** The hash's bucket and 16-bit signature, as this cache reads them (tests). */
    static long hashOf(final int bucket, final int signature) {
        return ((long) signature << SIGNATURE_SHIFT) | bucket;
    }

    private static int signature(final long hash) {
        return (int) (hash >>> SIGNATURE_SHIFT) << 16;
    }

    /**
     * Looks up a batch: for each packet {@code i} whose bit is set in {@code pending}, the live
     * megaflow its key ({@code keys[keyAt[i]]}, hash {@code hashes[i]}) hit last goes to
     * {@code out[i]}. Two passes: the first only reads each packet's bucket and notes which ways
     * carry its signature, so the batch's cache misses on the table overlap (the loads do not
     * depend on one another) instead of costing one memory latency per packet; the second checks
     * the candidates against their megaflows.
     *
     * @return the packets found (a bit each)
     */
    public int lookup(final long[] keys, final int[] keyAt, final long[] hashes, final int pending,
                      final DpFlow[] out) {
        final int[] ways = candidates;
        final int[] e = entries;
        final int mask = bucketMask;
        int bits = pending;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            ways[i] = signatureWays(e, ((int) hashes[i] & mask) * WAYS, signature(hashes[i]));
        }
        int found = 0;
        bits = pending;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            if (ways[i] != 0) {
                final DpFlow f = firstMatch(e, ((int) hashes[i] & mask) * WAYS, ways[i], keys, keyAt[i]);
                if (f != null) {
                    out[i] = f;
                    found |= 1 << i;
                }
            }
        }
        lookups += Integer.bitCount(pending);
        if (lookups >= WINDOW) {
            if (evictions > lookups / GROW_EVICTION_RATIO && bucketMask + 1 < MAX_BUCKETS) {
                grow();
            }
            lookups = 0;
            evictions = 0;
        }
        return found;
    }

    /**
     * The ways of the bucket at {@code base} that carry signature {@code sig}, a bit each;
     * branch-free, so that a batch of these reads runs ahead (an empty entry never matches: its
     * flow number is 0).
     */
    private static int signatureWays(final int[] e, final int base, final int sig) {
        int m = 0;
        for (int w = 0; w < WAYS; w++) {
            final int x = e[base + w];
            m |= (((x ^ sig) >>> 16) == 0 && (x & NUMBER_MASK) != 0 ? 1 : 0) << w;
        }
        return m;
    }

    /** Of the candidate {@code ways}, the first whose flow is live and matches the key; or null. */
    private DpFlow firstMatch(final int[] e, final int base, final int ways, final long[] keys, final int o) {
        int m = ways;
        do {
            final int w = Integer.numberOfTrailingZeros(m);
            m &= m - 1;
            final DpFlow f = index[(e[base + w] & NUMBER_MASK) - 1];
            if (f != null && !f.deadForLookup() && f.matches(keys, o)) {
                return f;
            }
        } while (m != 0);
        return null;
    }

    /** Twice the buckets, all empty (inserts kept evicting live entries). */
    private void grow() {
        final int buckets = (bucketMask + 1) * 2;
        entries = new int[buckets * WAYS];
        bucketMask = buckets - 1;
    }

    /**
     * Remembers that the key with this hash hit {@code flow} (after a classifier hit): into the
     * entry with its signature, else an empty one, else one the hash picks.
     */
    public void insert(final long hash, final DpFlow flow) {
        final int number = flow.smcNumber();
        if (number < 0 || number >= MAX_NUMBERS) {
            return; // not installed on this PMD (never numbered), or past what an entry holds
        }
        final int sig = signature(hash);
        final int entry = sig | (number + 1);
        final int[] e = entries;
        final int base = ((int) hash & bucketMask) * WAYS;
        int empty = -1;
        for (int w = base; w < base + WAYS; w++) {
            final int x = e[w];
            if (x != 0 && ((x ^ sig) >>> 16) == 0) {
                e[w] = entry;
                return;
            }
            if (empty < 0 && (x == 0 || index[(x & NUMBER_MASK) - 1] == null)) {
                empty = w;
            }
        }
        if (empty < 0) {
            evictions++;
            // Bits the bucket number and the signature leave out pick the victim.
            empty = base + ((int) (hash >>> 32) & (WAYS - 1));
        }
        e[empty] = entry;
    }

    /** Gives an installed flow its number (PMD thread, at install). */
    public void numberFlow(final DpFlow flow) {
        final int n;
        if (freeCount > 0) {
            n = free[--freeCount];
        } else {
            if (numbered == index.length) {
                index = Arrays.copyOf(index, index.length * 2);
                free = Arrays.copyOf(free, free.length * 2);
            }
            n = numbered++;
        }
        index[n] = flow;
        flow.smcNumber(n);
    }

    /** Frees a removed flow's number: entries naming it miss from now on (PMD thread, at removal). */
    public void forgetFlow(final DpFlow flow) {
        final int n = flow.smcNumber();
        if (n < 0 || index[n] != flow) {
            return;
        }
        index[n] = null;
        free[freeCount++] = n;
        flow.smcNumber(-1);
    }

    /** Entries in use (for statistics; not on the packet path). */
    public int usedEntries() {
        int n = 0;
        for (int x : entries) {
            if (x != 0 && index[(x & NUMBER_MASK) - 1] != null) {
                n++;
            }
        }
        return n;
    }
}
