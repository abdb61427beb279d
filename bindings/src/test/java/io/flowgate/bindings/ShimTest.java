package io.flowgate.bindings;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShimTest {
    @Test
    void shimIsLoadedThroughFfmAndReportsItsAbiVersion() {
        assertEquals(flowgate_shim_h.FG_SHIM_ABI_VERSION, flowgate_shim_h.fg_shim_abi_version());
        assertDoesNotThrow(Shim::requireCompatibleAbi);
    }

    @Test
    void shimReportsTheDpdkItWasLinkedAgainst() {
        final String version = Shim.dpdkVersion();
        assertTrue(version.startsWith("DPDK 22.11"), () -> "unexpected DPDK version string: " + version);
    }
}
