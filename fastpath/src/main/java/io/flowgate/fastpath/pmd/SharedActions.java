package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DpActions;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.collections.Hashing;

/**
 * The PMD's one instance of each distinct set of datapath actions, each in a numbered slot, so
 * that {@link FlowBatches} tells flows with equal actions apart by their slot and keeps per slot
 * the batch's run of those actions. The slow path builds every megaflow's actions on their own
 * (and the revalidator replaces them), so an ACL's forwarding flows each hold an equal copy;
 * comparing their words once per flow and batch was a call into the JIT's mismatch stub every
 * time. Asked once per flow and change of its actions (FlowBatches keeps the answer on the flow),
 * so it is off the per-packet path.
 *
 * <p>Bounded: once half full (or crowded) it starts again, but only between batches
 * ({@link #startBatch}), so a slot keeps its actions for a whole batch; each start is a new
 * {@link #epoch}, and a slot remembered in an earlier one is asked for again. A batch adds at most
 * one per packet, so the table never fills. PMD thread only; allocates nothing.
 */
final class SharedActions {
    /** Slots; a power of two. */
    static final int CAPACITY = 1024;
    /** Probes past which the table counts as crowded (starts again at the next batch). */
    private static final int MAX_PROBES = 8;
    /**
     * Epochs are numbered across all instances, so a slot a flow remembers from one PMD's table
     * is never taken for one of another's, should a flow ever be executed by another PMD.
     */
    private static final AtomicInteger EPOCHS = new AtomicInteger();

    private final DpActions[] table = new DpActions[CAPACITY];
    private int size;
    private boolean crowded;
    private int epoch = EPOCHS.incrementAndGet();

    /** Starts again if half full or crowded; call before a batch, never in one. */
    void startBatch() {
        if (size >= CAPACITY / 2 || crowded) {
            Arrays.fill(table, null);
            size = 0;
            crowded = false;
            epoch = EPOCHS.incrementAndGet();
        }
    }

    /** Names the table since its last start, unlike any other table's: a slot number holds within one. */
    int epoch() {
        return epoch;
    }

    /** The slot of the shared instance of actions equal to {@code actions} (it becomes one if there is none). */
    int slotOf(final DpActions actions) {
        final int m = CAPACITY - 1;
        int i = Hashing.hash(actions, m);
        for (int p = 0; ; p++, i = (i + 1) & m) {
            final DpActions t = table[i];
            if (t == null) {
                table[i] = actions;
                size++;
                crowded |= p > MAX_PROBES;
                return i;
            }
            if (t == actions || t.equals(actions)) {
                return i;
            }
        }
    }

    /** The shared instance in {@code slot}. */
    DpActions at(final int slot) {
        return table[slot];
    }

    /** Distinct actions held (tests). */
    int size() {
        return size;
    }
}
