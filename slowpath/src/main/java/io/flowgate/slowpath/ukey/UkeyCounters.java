package io.flowgate.slowpath.ukey;

import java.util.concurrent.atomic.LongAdder;

/**
 * Events in the ukeys' lives, counted for upcall/show and for the tests' invariants: ukeys
 * created, finished (moved to DELETED, exactly once each) and transitions that went backwards
 * (bugs: they throw, and are counted here).
 */
public final class UkeyCounters {
    final LongAdder created = new LongAdder();
    final LongAdder finished = new LongAdder();
    final LongAdder backward = new LongAdder();

    public long created() {
        return created.sum();
    }

    public long finished() {
        return finished.sum();
    }

    public long backwardTransitions() {
        return backward.sum();
    }
}
