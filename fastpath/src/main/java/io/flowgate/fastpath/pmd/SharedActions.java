package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DpActions;

import java.util.Arrays;

import org.agrona.collections.Hashing;

/**
 * The PMD's one instance of each distinct set of datapath actions, so that {@link FlowBatches}
 * tells flows with equal actions apart by reference. The slow path builds every megaflow's actions
 * on their own (and the revalidator replaces them), so an ACL's forwarding flows each hold an
 * equal copy; comparing their words once per flow and batch was a call into the JIT's mismatch
 * stub every time. Asked once per flow and change of its actions (FlowBatches keeps the answer
 * on the flow), so it is off the per-packet path.
 *
 * <p>Bounded: when it is full it starts again, which costs nothing but a second instance of some
 * actions (two runs of equal actions in a batch, where one would do) until the flows holding the
 * old one are gone. PMD thread only; allocates nothing.
 */
final class SharedActions {
    /** Distinct actions held at most; a power of two. */
    static final int CAPACITY = 1024;
    /** Probes before the table counts as full: kept short because it is never emptied otherwise. */
    private static final int MAX_PROBES = 8;

    private final DpActions[] table = new DpActions[CAPACITY];
    private int size;

    /** The shared instance of actions equal to {@code actions} (it becomes one if there is none). */
    DpActions of(final DpActions actions) {
        final int m = CAPACITY - 1;
        final int home = Hashing.hash(actions, m);
        for (int p = 0, i = home; p < MAX_PROBES; p++, i = (i + 1) & m) {
            final DpActions t = table[i];
            if (t == null) {
                if (size >= CAPACITY / 2) {
                    break;
                }
                table[i] = actions;
                size++;
                return actions;
            }
            if (t == actions || t.equals(actions)) {
                return t;
            }
        }
        // Full (half the slots, or a long probe): start again.
        Arrays.fill(table, null);
        table[home] = actions;
        size = 1;
        return actions;
    }

    /** Distinct actions held (tests). */
    int size() {
        return size;
    }
}
