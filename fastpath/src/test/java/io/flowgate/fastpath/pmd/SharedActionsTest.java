package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.packet.PacketBatch;

import org.junit.jupiter.api.Test;

class SharedActionsTest {
    private final SharedActions shared = new SharedActions();

    /** The shared instance of actions equal to {@code actions}. */
    private DpActions of(final DpActions actions) {
        return shared.at(shared.slotOf(actions));
    }

    private static DpActions toPort(final int port) {
        return DpActions.builder().output(port).build();
    }

    @Test
    void equalActionsBuiltApartShareTheFirstInstanceAndItsSlot() {
        final DpActions first = toPort(2);
        final int slot = shared.slotOf(first);
        assertEquals(slot, shared.slotOf(toPort(2)));
        assertSame(first, shared.at(slot));
        assertSame(first, of(toPort(2)));
        assertEquals(1, shared.size());
    }

    @Test
    void differentActionsStayApart() {
        final DpActions to2 = of(toPort(2));
        final DpActions to3 = of(toPort(3));
        final DpActions drop = of(DpActions.DROP);
        assertNotSame(to2, to3);
        assertEquals(toPort(3), to3);
        assertSame(DpActions.DROP, drop);
        assertSame(to2, of(toPort(2)));
        assertNotEquals(shared.slotOf(to2), shared.slotOf(to3));
        assertEquals(3, shared.size());
    }

    @Test
    void itStartsAgainOnlyBetweenBatchesAndEachStartIsANewEpoch() {
        final int distinct = 3 * SharedActions.CAPACITY;
        int epoch = shared.epoch();
        int starts = 0;
        for (int p = 1; p <= distinct; p += PacketBatch.MAX_BURST) {
            shared.startBatch();
            if (shared.epoch() != epoch) {
                starts++;
                epoch = shared.epoch();
            }
            // A batch of new actions: each keeps its slot, with its actions, to the batch's end.
            final int[] slots = new int[PacketBatch.MAX_BURST];
            for (int k = 0; k < PacketBatch.MAX_BURST; k++) {
                slots[k] = shared.slotOf(toPort(p + k));
            }
            for (int k = 0; k < PacketBatch.MAX_BURST; k++) {
                assertEquals(toPort(p + k), shared.at(slots[k]), "port " + (p + k));
                assertEquals(slots[k], shared.slotOf(toPort(p + k)));
            }
            assertEquals(epoch, shared.epoch(), "no start within a batch");
            assertTrue(shared.size() <= SharedActions.CAPACITY / 2 + PacketBatch.MAX_BURST, "bounded");
        }
        assertTrue(starts >= 5, starts + " starts");
    }

    @Test
    void noTwoTablesShareAnEpoch() {
        final SharedActions other = new SharedActions();
        assertNotEquals(shared.epoch(), other.epoch());
    }
}
