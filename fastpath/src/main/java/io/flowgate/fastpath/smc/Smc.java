package io.flowgate.fastpath.smc;

import io.flowgate.fastpath.megaflow.DpFlow;

import java.util.Arrays;

/**
 * The signature match cache of one PMD: between the EMC and the megaflow classifier, a map from
 * a packet's full-key hash to the megaflow that key hit last, as OVS's SMC.
 *
 * <p>Why: with many flows over many masks (10^5 flows through an ACL that yields tens of masks)
 * the EMC's 8,192 exact keys thrash and the classifier probes subtable after subtable. This
 * cache makes that one probe: {@value #BUCKETS} buckets of {@value #WAYS} entries (2^20 entries,
 * 8 MB), each entry 8 bytes, a 32-bit signature (the hash's high half) and the flow's number in
 * this cache's flow index, so a bucket is half a cache line and one packet costs one line here.
 * Unlike the EMC it keeps no key: a hit is checked against the megaflow's own match
 * ({@link DpFlow#matches}), so a signature collision or a stale entry costs a miss, never a wrong
 * answer. Flows are numbered when installed and their number freed when removed, so a removed
 * flow is not kept alive by entries that still name it (they miss, and are overwritten).
 *
 * <p>Owned by the PMD thread; allocates nothing per packet (the flow index grows on install).
 */
public final class Smc {
    public static final int BUCKETS = 1 << 18;
    public static final int WAYS = 4;
    private static final int BUCKET_MASK = BUCKETS - 1;
    private static final long INDEX_MASK = 0xFFFF_FFFFL;

    /** Entry = signature << 32 | (flow number + 1); 0 is an empty entry. */
    private final long[] entries = new long[BUCKETS * WAYS];
    /** Per packet of a batch, the ways of its bucket that carry its signature (a bit each). */
    private final int[] candidates = new int[Integer.SIZE];
    /** Flow number to flow; null for a free number. */
    private DpFlow[] index = new DpFlow[1024];
    private int[] free = new int[1024];
    private int freeCount;
    private int numbered;
    private boolean enabled;

    public Smc(final boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Switches the cache on or off (smc-enable; PMD thread). Off forgets every entry. */
    public void enabled(final boolean on) {
        if (!on) {
            Arrays.fill(entries, 0L);
        }
        this.enabled = on;
    }

    /**
     * Looks up a batch: for each packet {@code i} whose bit is set in {@code pending}, the live
     * megaflow its key ({@code keys[i * words]}, hash {@code hashes[i]}) hit last goes to
     * {@code out[i]}. Two passes: the first only reads each packet's bucket and notes which ways
     * carry its signature, so the batch's cache misses on the table overlap (the loads do not
     * depend on one another) instead of costing one memory latency per packet; the second checks
     * the candidates against their megaflows.
     *
     * @return the packets found (a bit each)
     */
    public int lookup(final long[] keys, final int words, final long[] hashes, final int pending,
                      final DpFlow[] out) {
        final int[] ways = candidates;
        int bits = pending;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            ways[i] = signatureWays(hashes[i]);
        }
        int found = 0;
        bits = pending;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            if (ways[i] != 0) {
                final DpFlow f = firstMatch(hashes[i], ways[i], keys, i * words);
                if (f != null) {
                    out[i] = f;
                    found |= 1 << i;
                }
            }
        }
        return found;
    }

    /**
     * The ways of the hash's bucket that carry its signature, a bit each; branch-free, so that
     * a batch of these reads runs ahead (an empty entry never matches: its flow number is 0).
     */
    private int signatureWays(final long hash) {
        final long sig = hash & ~INDEX_MASK;
        final long[] e = entries;
        final int base = ((int) hash & BUCKET_MASK) * WAYS;
        int m = 0;
        for (int w = 0; w < WAYS; w++) {
            final long x = e[base + w];
            m |= (((x & ~INDEX_MASK) ^ sig) == 0 && (x & INDEX_MASK) != 0 ? 1 : 0) << w;
        }
        return m;
    }

    /** Of the candidate {@code ways}, the first whose flow is live and matches the key; or null. */
    private DpFlow firstMatch(final long hash, final int ways, final long[] keys, final int o) {
        final int base = ((int) hash & BUCKET_MASK) * WAYS;
        int m = ways;
        do {
            final int w = Integer.numberOfTrailingZeros(m);
            m &= m - 1;
            final DpFlow f = index[(int) (entries[base + w] & INDEX_MASK) - 1];
            if (f != null && !f.isDead() && f.matches(keys, o)) {
                return f;
            }
        } while (m != 0);
        return null;
    }

    /**
     * Remembers that the key with this hash hit {@code flow} (after a classifier hit): into the
     * entry with its signature, else an empty one, else one the hash picks.
     */
    public void insert(final long hash, final DpFlow flow) {
        final int number = flow.smcNumber();
        if (number < 0) {
            return; // not installed on this PMD (never numbered)
        }
        final long sig = hash & ~INDEX_MASK;
        final long entry = sig | (number + 1L);
        final long[] e = entries;
        final int base = ((int) hash & BUCKET_MASK) * WAYS;
        int empty = -1;
        for (int w = base; w < base + WAYS; w++) {
            final long x = e[w];
            if ((x & ~INDEX_MASK) == sig && x != 0) {
                e[w] = entry;
                return;
            }
            if (x == 0 && empty < 0) {
                empty = w;
            }
        }
        // Bits the bucket number and the signature leave out pick the victim.
        e[empty >= 0 ? empty : base + ((int) (hash >>> 18) & (WAYS - 1))] = entry;
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
        for (long x : entries) {
            if (x != 0 && index[(int) (x & INDEX_MASK) - 1] != null) {
                n++;
            }
        }
        return n;
    }
}
