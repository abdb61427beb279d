package io.flowgate.slowpath.ukey;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.List;

/** Ukeys for tests: megaflow {@code k} matches in_port k exactly, on PMD 0. */
final class Ukeys {
    static final FlowMask IN_PORT_ONLY;

    static {
        final long[] m = new long[FlowKey.WORDS];
        FlowField.IN_PORT.or(m, -1L);
        IN_PORT_ONLY = FlowMask.of(m);
    }

    private Ukeys() {
    }

    static long[] key(final int k) {
        final long[] key = new long[FlowKey.WORDS];
        FlowField.IN_PORT.set(key, k + 1);
        return key;
    }

    static DpFlow flow(final int k) {
        return new DpFlow(key(k), IN_PORT_ONLY, DpActions.DROP, 0, 0);
    }

    static XlateResult xlate(final int k) {
        return new XlateResult(key(k), IN_PORT_ONLY.words(), DpActions.DROP, List.of(), List.of(), 0, null, null);
    }

    /** A new CREATED ukey for megaflow k, locked by the calling thread. */
    static Ukey ukey(final int k, final UkeyMap map) {
        return new Ukey(flow(k), key(k), xlate(k), map.counters());
    }

    static UkeyId id(final int k) {
        final DpFlow f = flow(k);
        return new UkeyId(f.ufidHi(), f.ufidLo(), 0);
    }
}
