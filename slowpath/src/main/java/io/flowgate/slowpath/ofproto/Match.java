package io.flowgate.slowpath.ofproto;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.syntax.FlowFormat;

import java.util.Arrays;

/**
 * A rule's match: a value and a mask over the {@link FlowKey} layout, with {@code value & mask ==
 * value}. Immutable.
 */
public final class Match {
    private static final Match ANY = new Match(new long[FlowKey.WORDS], new long[FlowKey.WORDS]);

    private final long[] value;
    private final long[] mask;
    private final int hash;

    private Match(final long[] value, final long[] mask) {
        this.value = value;
        this.mask = mask;
        this.hash = 31 * Arrays.hashCode(value) + Arrays.hashCode(mask);
    }

    /** A match from copies of {@code value} and {@code mask}; value bits outside the mask are cleared. */
    public static Match of(final long[] value, final long[] mask) {
        final long[] v = new long[FlowKey.WORDS];
        final long[] m = mask.clone();
        for (int i = 0; i < FlowKey.WORDS; i++) {
            v[i] = value[i] & m[i];
        }
        return new Match(v, m);
    }

    /** The match that every packet satisfies. */
    public static Match any() {
        return ANY;
    }

    /** The match value; do not modify. */
    public long[] value() {
        return value;
    }

    /** The match mask; do not modify. */
    public long[] mask() {
        return mask;
    }

    /** True if the packet key matches. */
    public boolean matches(final long[] key) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((key[i] & mask[i]) != value[i]) {
                return false;
            }
        }
        return true;
    }

    public boolean isCatchAll() {
        for (long m : mask) {
            if (m != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * True if every packet this match accepts is also accepted by {@code other} restricted to the
     * fields {@code other} constrains ("loose" match, as ovs-ofctl's non-strict del-flows uses).
     */
    public boolean isWithin(final Match other) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((other.mask[i] & ~mask[i]) != 0 || (value[i] & other.mask[i]) != other.value[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Match m && hash == m.hash && Arrays.equals(value, m.value) && Arrays.equals(mask, m.mask);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** In OVS's flow syntax, e.g. {@code tcp,nw_dst=10.0.0.0/8,tp_dst=80}. */
    @Override
    public String toString() {
        return FlowFormat.match(value, mask, false);
    }
}
