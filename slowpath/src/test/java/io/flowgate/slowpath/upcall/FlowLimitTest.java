package io.flowgate.slowpath.upcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The dynamic flow limit moves after each round as OVS's does. */
class FlowLimitTest {
    @Test
    void startsAtTenThousandOrTheCeiling() {
        assertEquals(10_000, new FlowLimit().limit());
        assertEquals(5_000, new FlowLimit(5_000).limit());
        assertThrows(IllegalArgumentException.class, () -> new FlowLimit(0));
    }

    @Test
    void slowRoundsShrinkItFastRoundsWithDemandGrowItByAThousand() {
        final FlowLimit l = new FlowLimit();
        assertEquals(5_000, l.adjust(2_500, 50_000), "over 2 s: divided by the whole seconds taken (2)");
        assertEquals(3_750, l.adjust(1_500, 50_000), "over 1.3 s: three quarters");
        assertEquals(4_750, l.adjust(500, 3_000), "under 1 s, and 3,000 flows dumped in 0.5 s is demand for 6,000");
        assertEquals(4_750, l.adjust(500, 1_000), "no demand: unchanged");
        assertEquals(4_750, l.adjust(1_100, 100_000), "between 1 s and 1.3 s: unchanged");
    }

    @Test
    void staysBetweenAThousandAndTheCeiling() {
        final FlowLimit l = new FlowLimit(10_500);
        assertEquals(1_000, l.adjust(20_000, 1_000_000), "never below 1,000");
        for (int i = 0; i < 20; i++) {
            l.adjust(10, 1_000_000);
        }
        assertEquals(10_500, l.limit(), "never above flow-limit");
    }
}
