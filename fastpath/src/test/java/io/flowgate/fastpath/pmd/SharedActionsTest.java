package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;

import org.junit.jupiter.api.Test;

class SharedActionsTest {
    private final SharedActions shared = new SharedActions();

    private static DpActions toPort(final int port) {
        return DpActions.builder().output(port).build();
    }

    @Test
    void equalActionsBuiltApartShareTheFirstInstance() {
        final DpActions first = toPort(2);
        assertSame(first, shared.of(first));
        assertSame(first, shared.of(toPort(2)));
        assertSame(first, shared.of(toPort(2)));
        assertEquals(1, shared.size());
    }

    @Test
    void differentActionsStayApart() {
        final DpActions to2 = shared.of(toPort(2));
        final DpActions to3 = shared.of(toPort(3));
        final DpActions drop = shared.of(DpActions.DROP);
        assertNotSame(to2, to3);
        assertEquals(toPort(3), to3);
        assertSame(DpActions.DROP, drop);
        assertSame(to2, shared.of(toPort(2)));
        assertEquals(3, shared.size());
    }

    @Test
    void whenFullItStartsAgainAndStillAnswersWithEqualActions() {
        final int distinct = 3 * SharedActions.CAPACITY;
        for (int round = 0; round < 2; round++) {
            for (int p = 1; p <= distinct; p++) {
                final DpActions a = toPort(p);
                final DpActions s = shared.of(a);
                assertEquals(a, s, "port " + p);
                assertTrue(shared.size() <= SharedActions.CAPACITY / 2, "bounded");
                assertSame(s, shared.of(toPort(p)), "shared at once, port " + p);
            }
        }
    }
}
