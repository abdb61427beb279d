package io.flowgate.fastpath.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** {@code dummy:NAME[,tx_pcap=FILE]}: what it means, and every way to get it wrong named in the error. */
class PortSpecTest {
    @Test
    void aDummyPortHasANameAndMaybeATransmitCapture() throws Exception {
        final PortSpec plain = PortSpec.parse(1, "dummy:p1");
        assertEquals("dummy", plain.kind());
        assertEquals("p1", plain.value());
        assertNull(plain.path("tx_pcap", null));

        final PortSpec tx = PortSpec.parseNumbered("2=dummy:p2,tx_pcap=out/p2.pcap");
        assertEquals(2, tx.number());
        assertEquals("p2", tx.value());
        assertEquals(Path.of("/base/out/p2.pcap"), tx.path("tx_pcap", Path.of("/base")));
        final PortSpec resolved = tx.resolve(Path.of("/base"));
        assertEquals("dummy:p2,tx_pcap=/base/out/p2.pcap", resolved.text());
        assertEquals("p2", resolved.value());
        assertEquals(resolved, resolved.resolve(Path.of("/elsewhere")), "an absolute name stays");
        assertEquals(plain, plain.resolve(Path.of("/base")), "nothing to resolve");
    }

    @Test
    void badDummySpecsAreRefusedByName() {
        assertEquals("port 3: dummy port needs a name first, as in dummy:p1 or dummy:p2,tx_pcap=p2.pcap",
                refusal(3, "dummy:"));
        assertEquals("port 3: dummy port needs a name first, as in dummy:p1 or dummy:p2,tx_pcap=p2.pcap",
                refusal(3, "dummy:tx_pcap=a.pcap"));
        assertEquals("port 3: dummy port name \"p 1\" may hold only letters, digits and _ . : -",
                refusal(3, "dummy:p 1"));
        assertEquals("port 3: dummy port name \"7\" is a number; it would be taken for a port number",
                refusal(3, "dummy:7"));
        assertEquals("port 3: unknown dummy option \"rx_pcap\" (tx_pcap)", refusal(3, "dummy:p3,rx_pcap=a.pcap"));
        assertEquals("port 3: dummy option \"tx_pcap\" is not KEY=VALUE", refusal(3, "dummy:p3,tx_pcap"));
        assertEquals("port 3: tx_pcap needs a file name, as in tx_pcap=p2.pcap", refusal(3, "dummy:p3,tx_pcap="));
        assertEquals("port 3: dummy option \"tx_pcap\" given twice", refusal(3, "dummy:p3,tx_pcap=a,tx_pcap=b"));
        assertEquals("port 3: unknown port kind \"dumy\" (pcap, ring, dpdk, dummy)", refusal(3, "dumy:p3"));
        assertEquals("port 3: \"p3\" has no kind (pcap:, ring:, dpdk: or dummy:)", refusal(3, "p3"));
    }

    private static String refusal(final int number, final String spec) {
        return assertThrows(PortException.class, () -> PortSpec.parse(number, spec)).getMessage();
    }
}
