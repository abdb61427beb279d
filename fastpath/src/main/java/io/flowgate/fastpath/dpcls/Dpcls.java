package io.flowgate.fastpath.dpcls;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;

import java.util.Arrays;

/**
 * The megaflow classifier of one PMD for one input port: tuple space search over one
 * {@link DpclsSubtable} per mask, subtables searched most-hit first and re-ranked about once a
 * second.
 *
 * <p>Why one classifier per input port, as OVS does: every megaflow matches in_port exactly, so a
 * flow of port 1 can never match a packet of port 2. Splitting by port means a batch (which comes
 * from one port) searches only the masks its own port's traffic produced, and subtable ranking
 * follows each port's traffic mix instead of the sum of all ports'. The price, one small map
 * lookup per batch, is paid once for up to 32 packets.
 *
 * <p>Owned by the PMD thread: only it inserts, removes and looks up.
 */
public final class Dpcls {
    private static final int W = FlowKey.WORDS;

    private DpclsSubtable[] subtables = new DpclsSubtable[0];
    /** The bits every subtable's mask has (all 0 while there is none). */
    private final long[] common = new long[W];
    private int flowCount;
    /** Subtables visited per hit, summed (for "subtable lookups per hit"). */
    private long subtableLookups;

    public int flowCount() {
        return flowCount;
    }

    public int subtableCount() {
        return subtables.length;
    }

    /**
     * Looks up the keys whose bit is set in {@code pending} (key i at {@code keys[keyAt[i]]});
     * found flows go to {@code out[i]}.
     *
     * @return the bits of the keys that were found
     */
    public int lookup(final long[] keys, final int[] keyAt, final int pending, final DpFlow[] out) {
        int remaining = pending;
        int found = 0;
        final DpclsSubtable[] st = subtables;
        for (int s = 0; s < st.length && remaining != 0; s++) {
            final DpclsSubtable sub = st[s];
            int bits = remaining;
            while (bits != 0) {
                final int i = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                final DpFlow f = sub.lookup(keys, keyAt[i]);
                if (f != null) {
                    out[i] = f;
                    remaining &= ~(1 << i);
                    found |= 1 << i;
                    sub.hits++;
                    subtableLookups += s + 1;
                }
            }
        }
        return found;
    }

    /** The installed flow with exactly this mask and match (dead or alive), or null. */
    public DpFlow find(final FlowMask mask, final long[] match) {
        for (DpclsSubtable s : subtables) {
            if (s.mask.equals(mask)) {
                return s.find(match, mask.hash(match, 0));
            }
        }
        return null;
    }

    public void insert(final DpFlow flow) {
        DpclsSubtable target = null;
        for (DpclsSubtable s : subtables) {
            if (s.mask.equals(flow.mask())) {
                target = s;
                break;
            }
        }
        if (target == null) {
            target = new DpclsSubtable(flow.mask());
            subtables = Arrays.copyOf(subtables, subtables.length + 1);
            subtables[subtables.length - 1] = target;
            recomputeCommon();
        }
        target.insert(flow);
        flowCount++;
    }

    public boolean remove(final DpFlow flow) {
        for (int i = 0; i < subtables.length; i++) {
            final DpclsSubtable s = subtables[i];
            if (s.mask.equals(flow.mask())) {
                if (!s.remove(flow)) {
                    return false;
                }
                flowCount--;
                if (s.size() == 0) {
                    final DpclsSubtable[] next = new DpclsSubtable[subtables.length - 1];
                    System.arraycopy(subtables, 0, next, 0, i);
                    System.arraycopy(subtables, i + 1, next, i, subtables.length - i - 1);
                    subtables = next;
                    recomputeCommon();
                }
                return true;
            }
        }
        return false;
    }

    private void recomputeCommon() {
        Arrays.fill(common, subtables.length == 0 ? 0 : -1L);
        for (DpclsSubtable s : subtables) {
            for (int j = 0; j < W; j++) {
                common[j] &= s.mask.word(j);
            }
        }
    }

    /**
     * A hash of the key row at {@code keys[o]} over the bits every installed megaflow matches:
     * two keys with different ones are very likely in different megaflows (if the next megaflow's
     * mask has those bits too, as all so far had). With no megaflow yet, every key gets the same.
     * Misses only, to tell which may wait for an upcall in flight (see Parking).
     */
    public long commonHash(final long[] keys, final int o) {
        final long[] c = common;
        long h = 0;
        for (int j = 0; j < W; j++) {
            h = FlowHash.step(h, keys[o + j] & c[j]);
        }
        return FlowHash.finish(h);
    }

    /**
     * Orders subtables by hits since the last ranking, most hit first, and resets the counts. In
     * place (insertion sort over a handful of subtables), so the PMD allocates nothing.
     */
    public void rank() {
        final DpclsSubtable[] s = subtables;
        for (int i = 1; i < s.length; i++) {
            final DpclsSubtable x = s[i];
            int j = i - 1;
            while (j >= 0 && s[j].hits < x.hits) {
                s[j + 1] = s[j];
                j--;
            }
            s[j + 1] = x;
        }
        for (DpclsSubtable t : s) {
            t.hits = 0;
        }
    }

    /** Total subtables visited for all hits so far (the PMD counts the hits: their ratio is lookups per hit). */
    public long subtableLookups() {
        return subtableLookups;
    }

    public void forEach(final java.util.function.Consumer<DpFlow> action) {
        for (DpclsSubtable s : subtables) {
            s.forEach(action);
        }
    }

    /** The masks in use, in search order. */
    public FlowMask[] masks() {
        final FlowMask[] m = new FlowMask[subtables.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = subtables[i].mask;
        }
        return m;
    }
}
