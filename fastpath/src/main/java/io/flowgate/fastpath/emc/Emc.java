package io.flowgate.fastpath.emc;

import static io.flowgate.fastpath.flow.FlowKey.*;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;

/**
 * The exact-match cache of one PMD: {@value #ENTRIES} entries, each holding a whole flow key and
 * the megaflow it belongs to. A key has two candidate slots (two slices of its hash); lookups
 * compare the full key. Entries are inserted with probability 1 in {@code insertInverse} (OVS's
 * emc-insert-inv-prob, default 100; 0 disables the EMC), so that a burst of new flows does not
 * thrash it. Owned by the PMD thread; no other thread touches it.
 */
public final class Emc {
    public static final int ENTRIES = 8192;
    public static final int DEFAULT_INSERT_INVERSE = 100;
    private static final int MASK = ENTRIES - 1;
    private static final int SECOND_SHIFT = 13;
    private static final int W = FlowKey.WORDS;

    private final long[] keys = new long[ENTRIES * W];
    private final long[] hashes = new long[ENTRIES];
    private final DpFlow[] flows = new DpFlow[ENTRIES];
    private long insertThreshold;
    private boolean enabled;
    private long random;

    /** @param insertInverse insert 1 in this many misses; 0 disables the cache, 1 always inserts */
    public Emc(final int insertInverse, final long seed) {
        insertInverse(insertInverse);
        this.random = seed | 1;
    }

    /**
     * Changes the insertion probability (emc-insert-inv-prob; PMD thread). Switching the cache off
     * empties it, so no entry outlives the setting.
     */
    public void insertInverse(final int insertInverse) {
        if (insertInverse < 0) {
            throw new IllegalArgumentException("emc insertion inverse probability must be >= 0, not " + insertInverse);
        }
        this.enabled = insertInverse > 0;
        this.insertThreshold = insertInverse <= 1 ? -1L : Long.divideUnsigned(-1L, insertInverse);
        if (!enabled) {
            clear();
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** The live megaflow cached for this exact key, or null. */
    public DpFlow lookup(final long[] k, final int o, final long hash) {
        if (!enabled) {
            return null;
        }
        DpFlow f = probe((int) hash & MASK, k, o, hash);
        if (f == null) {
            f = probe((int) (hash >>> SECOND_SHIFT) & MASK, k, o, hash);
        }
        return f;
    }

    private DpFlow probe(final int slot, final long[] k, final int o, final long hash) {
        if (!sameKey(slot, k, o, hash)) {
            return null;
        }
        final DpFlow f = flows[slot];
        if (f.deadForLookup()) {
            flows[slot] = null;
            return null;
        }
        return f;
    }

    /** Caches the key after a megaflow hit, with the configured probability. */
    public void maybeInsert(final long[] k, final int o, final long hash, final DpFlow flow) {
        if (!enabled) {
            return;
        }
        if (insertThreshold != -1L) {
            long x = random;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            random = x;
            if (Long.compareUnsigned(x, insertThreshold) > 0) {
                return;
            }
        }
        insert(k, o, hash, flow);
    }

    /** Puts the key in one of its two slots: its own, a free or dead one, else the lower-hashed. */
    void insert(final long[] k, final int o, final long hash, final DpFlow flow) {
        final int a = (int) hash & MASK;
        final int b = (int) (hash >>> SECOND_SHIFT) & MASK;
        int slot;
        if (sameKey(a, k, o, hash)) {
            slot = a;
        } else if (sameKey(b, k, o, hash)) {
            slot = b;
        } else if (flows[a] == null || flows[a].deadForLookup()) {
            slot = a;
        } else if (flows[b] == null || flows[b].deadForLookup()) {
            slot = b;
        } else {
            slot = Long.compareUnsigned(hashes[a], hashes[b]) <= 0 ? a : b;
        }
        System.arraycopy(k, o, keys, slot * W, W);
        hashes[slot] = hash;
        flows[slot] = flow;
    }

    private boolean sameKey(final int slot, final long[] k, final int o, final long hash) {
        if (flows[slot] == null || hashes[slot] != hash) {
            return false;
        }
        return sameWords(keys, slot * W, k, o);
    }

    /**
     * Whole-key equality, cheapest first: the eight words any key may use, without a branch per
     * word; the other seven only when the key is not IPv4, since the parser leaves them zero in
     * every IPv4 key ({@link FlowKey#zeroInIpv4}) and word 1 holds dl_type.
     */
    private static boolean sameWords(final long[] e, final int b, final long[] k, final int o) {
        final long diff = (e[b] ^ k[o]) | (e[b + W_ETH_DST] ^ k[o + W_ETH_DST])
                | (e[b + W_ETH_SRC] ^ k[o + W_ETH_SRC]) | (e[b + W_VLAN] ^ k[o + W_VLAN])
                | (e[b + W_NW_ADDR] ^ k[o + W_NW_ADDR]) | (e[b + W_NW] ^ k[o + W_NW])
                | (e[b + W_ARP_SHA] ^ k[o + W_ARP_SHA]) | (e[b + W_L4] ^ k[o + W_L4]);
        if (diff != 0) {
            return false;
        }
        if ((int) (k[o + W_ETH_DST] >>> DL_TYPE_SHIFT) == ETH_TYPE_IP) {
            return true;
        }
        return ((e[b + W_IPV6_SRC] ^ k[o + W_IPV6_SRC]) | (e[b + W_IPV6_SRC + 1] ^ k[o + W_IPV6_SRC + 1])
                | (e[b + W_IPV6_DST] ^ k[o + W_IPV6_DST]) | (e[b + W_IPV6_DST + 1] ^ k[o + W_IPV6_DST + 1])
                | (e[b + W_ARP_THA] ^ k[o + W_ARP_THA]) | (e[b + W_ND_TARGET] ^ k[o + W_ND_TARGET])
                | (e[b + W_ND_TARGET + 1] ^ k[o + W_ND_TARGET + 1])) == 0;
    }

    /** Forgets every entry (e.g. after moving flows away from this PMD). */
    public void clear() {
        java.util.Arrays.fill(flows, null);
    }

    /** Entries that hold a live flow (for statistics). */
    public int liveEntries() {
        int n = 0;
        for (DpFlow f : flows) {
            if (f != null && !f.isDead()) {
                n++;
            }
        }
        return n;
    }
}
