package io.flowgate.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LayoutsTest {
    @Test
    void everyJavaLayoutMatchesTheShimsDpdk() {
        Layouts.verify(Layouts.JAVA);
        assertEquals(128, Layouts.native_("rte_mbuf"));
        assertEquals(-1, Layouts.native_("rte_mbuf.no_such_field"));
    }

    @Test
    void aWrongOffsetIsRefusedNamingTheField() {
        final Map<String, Long> wrong = new HashMap<>(Layouts.JAVA);
        wrong.put("rte_mbuf.data_off", 18L);
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> Layouts.verify(wrong));
        assertTrue(e.getMessage().startsWith("DPDK layout mismatch: rte_mbuf.data_off is 16 in DPDK"), e.getMessage());
        assertTrue(e.getMessage().contains("but 18 in the Java bindings"), e.getMessage());
    }
}
