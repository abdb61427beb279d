package io.flowgate.fastpath.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Port specs and port names: what they mean, and every way to get them wrong named in the error. */
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
        assertEquals("port 3: port name \"p 1\" may hold only letters, digits and _ . : -",
                refusal(3, "dummy:p 1"));
        assertEquals("port 3: port name \"7\" is a number; it would be taken for a port number",
                refusal(3, "dummy:7"));
        assertEquals("port 3: unknown dummy option \"rx_pcap\" (tx_pcap)", refusal(3, "dummy:p3,rx_pcap=a.pcap"));
        assertEquals("port 3: dummy option \"tx_pcap\" is not KEY=VALUE", refusal(3, "dummy:p3,tx_pcap"));
        assertEquals("port 3: tx_pcap needs a file name, as in tx_pcap=p2.pcap", refusal(3, "dummy:p3,tx_pcap="));
        assertEquals("port 3: dummy option \"tx_pcap\" given twice", refusal(3, "dummy:p3,tx_pcap=a,tx_pcap=b"));
        assertEquals("port 3: unknown port kind \"dumy\" (pcap, ring, dpdk, dummy)", refusal(3, "dumy:p3"));
        assertEquals("port 3: \"p3\" has no kind (pcap:, ring:, dpdk: or dummy:)", refusal(3, "p3"));
    }

    @Test
    void aPortIsNamedByNameEqualsOrByNameEqualsNumberEqualsSpec() throws Exception {
        assertNull(PortSpec.parse(1, "pcap:in=a.pcap").name(), "pcapN by default");
        assertEquals("uplink", PortSpec.parse(1, "pcap:in=a.pcap,name=uplink").name());
        final PortSpec dpdk = PortSpec.parse(2, "dpdk:net_af_packet0,iface=veth0,name=wan0,qpairs=2");
        assertEquals("wan0", dpdk.name());
        assertEquals("net_af_packet0,iface=veth0,qpairs=2", dpdk.value(), "DPDK never sees name=");
        final PortSpec numbered = PortSpec.parseNumbered("lan0=3=dpdk:0000:41:00.0");
        assertEquals(3, numbered.number());
        assertEquals("lan0", numbered.name());
        assertEquals("0000:41:00.0", numbered.value());
        assertEquals("p1", PortSpec.parseNumbered("p1=1=dummy:p1").name(), "a dummy's name, said twice");
        assertEquals("p1", PortSpec.parseNumbered("1=dummy:p1").name());
        assertEquals("r", PortSpec.parseNumbered("4=ring:r").name());
    }

    @Test
    void badNamesAreRefusedByName() {
        assertEquals("port 3: named twice, \"a\" and name=b", numberedRefusal("a=3=pcap:in=x.pcap,name=b"));
        assertEquals("port 3: a dummy port is named by its spec (dummy:p3), not \"q3\"",
                numberedRefusal("q3=3=dummy:p3"));
        assertEquals("port 3: port name \"a b\" may hold only letters, digits and _ . : -",
                refusal(3, "dpdk:net_null0,name=a b"));
        assertEquals("port 3: port name \"12\" is a number; it would be taken for a port number",
                refusal(3, "pcap:in=a.pcap,name=12"));
        assertEquals("port 3: name given twice", refusal(3, "dpdk:net_null0,name=a,name=b"));
        assertEquals("port \"x=y=pcap:in=a\": \"x\" is not a port number", numberedRefusal("x=y=pcap:in=a"));
    }

    private static String numberedRefusal(final String text) {
        return assertThrows(PortException.class, () -> PortSpec.parseNumbered(text)).getMessage();
    }

    private static String refusal(final int number, final String spec) {
        return assertThrows(PortException.class, () -> PortSpec.parse(number, spec)).getMessage();
    }
}
