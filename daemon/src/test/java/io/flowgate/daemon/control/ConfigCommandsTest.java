package io.flowgate.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config/show, config/set and port/set through the control socket: a request with a bad value is
 * refused whole, naming the value, and changes nothing; good values take effect.
 */
class ConfigCommandsTest {
    @TempDir
    Path tmp;

    private Bridge dp;
    private ControlSocket control;

    @BeforeEach
    void start() throws Exception {
        dp = new Bridge(BridgeConfig.of(List.of(PortSpec.parse(1, "ring:in"), PortSpec.parse(2, "ring:out")), null,
                false).with(c -> c.handlers = 2), new RulePipeline(TrieField.DEFAULT));
        dp.start();
        control = new ControlSocket(Files.createDirectories(tmp.resolve("run")), dp, () -> { }, null);
        control.start();
    }

    @AfterEach
    void stop() {
        control.close();
        dp.close();
    }

    private UnixctlClient.Reply call(final String method, final String... args) throws Exception {
        return UnixctlClient.call(control.path(), method, List.of(args), 30_000);
    }

    private String ok(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = call(method, args);
        assertNull(r.error(), method + ": " + r.error());
        return r.result();
    }

    private String refused(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = call(method, args);
        assertNull(r.result(), method + " should be refused");
        return r.error();
    }

    @Test
    void configShowListsEveryRunTimeSetting() throws Exception {
        final String show = ok("config/show");
        for (String line : List.of("emc-insert-inv-prob=100", "smc-enable=true", "flow-limit=200000", "max-idle=10000",
                "n-handler-threads=2", "n-revalidator-threads=1", "pmd-rxq-assign=cycles", "pmd-rxq-isolate=true",
                "port.1.n_rxq=1", "port.2.n_rxq=1")) {
            assertTrue(show.contains(line + "\n"), line + " in\n" + show);
        }
    }

    @Test
    void aBadValueIsRefusedByNameAndNothingChanges() throws Exception {
        final String before = ok("config/show");
        assertEquals("config/set: n-handler-threads=0: must be between 1 and 64; nothing changed\n",
                refused("config/set", "max-idle=2000", "n-handler-threads=0"));
        assertEquals("config/set: pmd-cpu-mask=zzz: \"zzz\" is not a hexadecimal CPU mask (bad digit 'z');"
                + " nothing changed\n", refused("config/set", "pmd-cpu-mask=zzz"));
        assertEquals("config/set: unknown setting \"n-handlers\" (known: n-handler-threads, n-revalidator-threads,"
                + " pmd-cpu-mask, emc-insert-inv-prob, smc-enable, max-idle, flow-limit, pmd-rxq-assign, pmd-rxq-isolate,"
                + " lb-timeouts, expire-nodest-conn, estimator-cpus, estimator-nice, run-estimation); nothing changed\n",
                refused("config/set", "n-handlers=2"));
        assertEquals("config/set: lb-timeouts=bogus=1: unknown connection state \"bogus\" (tcp, tcpfin, udp, or one of"
                + " [none, established, syn_sent, syn_recv, fin_wait, time_wait, close, close_wait, last_ack, listen,"
                + " synack, udp]); nothing changed\n", refused("config/set", "lb-timeouts=bogus=1"));
        assertEquals("config/set: \"max-idle\": expected KEY=VALUE; nothing changed\n", refused("config/set", "max-idle"));
        assertEquals("config/set: pmd-rxq-assign=fast: must be one of cycles, roundrobin, group; nothing changed\n",
                refused("config/set", "pmd-rxq-assign=fast"));
        assertEquals(before, ok("config/show"), "nothing changed");

        assertEquals("no such port \"9\"\n", refused("port/set", "9", "n_rxq=2"));
        assertEquals("port/set in: n_rxq=x: not a whole number; nothing changed\n",
                refused("port/set", "1", "n_rxq=x"));
        assertEquals("port/set in: pmd-rxq-affinity=0-1: \"0-1\" is not QUEUE:CORE; nothing changed\n",
                refused("port/set", "1", "pmd-rxq-affinity=0-1"));
        assertEquals("port/set in: port in: a ring port has one receive queue (n_rxq is for dpdk ports)\n",
                refused("port/set", "1", "n_rxq=2"));
        assertEquals("port/set in: pmd-rxq-affinity: port in has no rx queue 3 (it has 1)\n",
                refused("port/set", "1", "pmd-rxq-affinity=3:0"));
        assertEquals(before, ok("config/show"), "nothing changed");
    }

    @Test
    void goodValuesTakeEffect() throws Exception {
        ok("config/set", "n-handler-threads=3", "n-revalidator-threads=2", "max-idle=2500", "flow-limit=5000",
                "emc-insert-inv-prob=0", "smc-enable=false");
        assertEquals(3, dp.handlers().size());
        assertEquals(2, dp.revalidators().active());
        assertEquals(2500, dp.revalidators().settings().maxIdleMillis());
        assertEquals(5000, dp.flowLimit().ceiling());
        final String show = ok("config/show");
        assertTrue(show.contains("n-handler-threads=3\n") && show.contains("emc-insert-inv-prob=0\n")
                && show.contains("smc-enable=false\n"), show);
        for (io.flowgate.fastpath.pmd.Pmd p : dp.pmds()) {
            final boolean[] on = {true};
            final java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
            p.offer(new io.flowgate.fastpath.pmd.PmdCommand.Run(() -> {
                on[0] = p.smc().enabled();
                ran.countDown();
            }));
            assertTrue(ran.await(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(false, on[0], "each PMD switched its SMC off");
        }
        ok("port/set", "in", "pmd-rxq-affinity=0:0");
        assertTrue(ok("config/show").contains("port.1.pmd-rxq-affinity=0:0\n"));
        final String rxq = ok("dpif-netdev/pmd-rxq-show");
        assertTrue(rxq.contains("isolated : true\n  port: in"), rxq);
        assertEquals("pmd rxq rebalance requested.\n", ok("dpif-netdev/pmd-rxq-rebalance"));
        assertEquals("please specify an existing datapath\n", refused("dpif-netdev/pmd-rxq-rebalance", "nosuchdp"));
    }
}
