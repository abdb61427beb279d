package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.cli.FlowgateCommand;
import io.flowgate.daemon.testing.Pcaps;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowgate run} as an operator runs it: a separate process that forwards, stays up after
 * its pcap inputs end, and on SIGTERM or SIGINT writes out everything and exits 0.
 */
class RunCommandTest {
    private static final Path ACL = TestResources.path("oracle/replay/scenarios/acl");

    @TempDir
    Path tmp;

    /** Every port of the scenario transmitted what OVS transmitted (order aside). */
    private void assertOutputsMatchOvs() throws IOException {
        for (int port = 1; port <= 9; port++) {
            assertEquals(Pcaps.sortedPackets(ACL.resolve("expected-" + port + ".pcap")),
                    Pcaps.sortedPackets(tmp.resolve("out-" + port + ".pcap")), "port " + port + " sent what OVS sent");
        }
    }

    /** The ACL scenario's nine ports, as --port options or config lines. */
    private List<String> portSpecs() {
        final List<String> specs = new ArrayList<>();
        for (int port = 1; port <= 9; port++) {
            final Path in = ACL.resolve("in-" + port + ".pcap");
            specs.add(port + "=pcap:" + (Files.exists(in) ? "in=" + in + "," : "") + "out=" + tmp.resolve("out-" + port + ".pcap"));
        }
        return specs;
    }

    private Daemon startAcl(final String... extra) throws IOException {
        final List<String> args = new ArrayList<>(List.of("run", "--rundir", tmp.resolve("run").toString(),
                "--flows", ACL.resolve("flows.txt").toString()));
        for (String p : portSpecs()) {
            args.add("--port");
            args.add(p);
        }
        args.addAll(List.of(extra));
        return Daemon.start(args.toArray(new String[0]));
    }

    @Test
    void staysUpAfterItsInputsAndOnSigtermWritesEverythingOutAndExitsZero() throws Exception {
        try (Daemon d = startAcl()) {
            d.awaitErr(l -> l.contains("pcap inputs replayed (60 packets received)"), 60, TimeUnit.SECONDS);
            assertEquals(d.pid() + "\n", Files.readString(tmp.resolve("run/flowgate.pid")));
            // Still serving after the input ended: the control socket answers, with every packet in.
            final String show = io.flowgate.daemon.control.UnixctlClient.call(
                    io.flowgate.daemon.control.UnixctlClient.resolve("flowgate", tmp.resolve("run")), "dpctl/show",
                    java.util.List.of("-s"), 30_000).result();
            assertEquals(60, show.lines().filter(l -> l.strip().startsWith("RX packets:"))
                    .mapToLong(l -> Long.parseLong(l.strip().split("[: ]+")[2])).sum(), show);
            assertTrue(d.process().isAlive(), "still running after the input ended");
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
            assertTrue(d.err().contains("SIGTERM: stopping"), d.err());
            assertTrue(d.stdout().contains("60 packets in"), d.stdout());
            assertFalse(Files.exists(tmp.resolve("run/flowgate.pid")), "the pid file is removed");
            assertOutputsMatchOvs();
        }
    }

    @Test
    void sigintStopsItTheSameWay() throws Exception {
        try (Daemon d = startAcl("--pmds", "2", "--handlers", "2")) {
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 60, TimeUnit.SECONDS);
            d.signal("INT");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
            assertTrue(d.err().contains("SIGINT: stopping"), d.err());
            assertOutputsMatchOvs();
        }
    }

    @Test
    void aSecondDaemonWithTheSameRunDirectoryRefusesToStart() throws Exception {
        try (Daemon first = startAcl()) {
            first.awaitErr(l -> l.contains("running as pid"), 60, TimeUnit.SECONDS);
            try (Daemon second = startAcl()) {
                assertEquals(1, second.awaitExit(60, TimeUnit.SECONDS));
                assertTrue(second.err().contains("already running with run directory " + tmp.resolve("run")
                        + " (pid " + first.pid() + ")"), second.err());
            }
            first.signal("TERM");
            assertEquals(0, first.awaitExit(30, TimeUnit.SECONDS), first.err());
        }
    }

    @Test
    void aConfigFileGivesTheSettingsWithNamesRelativeToItselfAndTheCommandLineWins() throws Exception {
        final Path conf = tmp.resolve("conf");
        Files.createDirectories(conf);
        Files.copy(ACL.resolve("flows.txt"), conf.resolve("acl.flows"));
        Files.copy(ACL.resolve("in-1.pcap"), conf.resolve("in-1.pcap"));
        Files.copy(ACL.resolve("in-2.pcap"), conf.resolve("in-2.pcap"));
        final StringBuilder text = new StringBuilder("""
                # the ACL scenario, file names relative to this file
                flows = acl.flows
                rundir = run
                pmds = 1
                port.1 = pcap:in=in-1.pcap,out=../out-1.pcap
                port.2 = pcap:in=in-2.pcap,out=../out-2.pcap
                port.4 = pcap:out=never-written.pcap
                """);
        for (int port = 3; port <= 9; port++) {
            if (port != 4) {
                text.append("port.").append(port).append(" = pcap:out=../out-").append(port).append(".pcap\n");
            }
        }
        Files.writeString(conf.resolve("flowgate.conf"), text);
        try (Daemon d = Daemon.start("run", "--config", conf.resolve("flowgate.conf").toString(),
                "--port", "4=pcap:out=" + tmp.resolve("out-4.pcap"))) {
            d.awaitErr(l -> l.contains("pcap inputs replayed (60 packets received)"), 60, TimeUnit.SECONDS);
            assertTrue(Files.exists(conf.resolve("run/flowgate.pid")));
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
        }
        assertFalse(Files.exists(conf.resolve("never-written.pcap")));
        assertOutputsMatchOvs();
    }

    private static String[] runInProcess(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cl = FlowgateCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int status = cl.execute(args);
        return new String[] {Integer.toString(status), out.toString(), err.toString()};
    }

    @Test
    void badSettingsAreRefusedWithAMessageNamingTheProblem() throws Exception {
        final Path conf = tmp.resolve("bad.conf");
        final String flows = ACL.resolve("flows.txt").toString();
        final String[][] cases = {
            {"flows = " + flows + "\nport.1 = ring:a\nbogus = 1\n", "bad.conf:3: unknown setting \"bogus\""},
            {"flows = " + flows + "\nport.1 = tap:x\n", "bad.conf:2: port 1: unknown port kind \"tap\""},
            {"flows = " + flows + "\nport.1 = ring:a\npmds = 0\n", "bad.conf:3: pmds must be between 1 and 64, not 0"},
            {"flows = " + flows + "\nport.1 = ring:a\npmds = two\n", "bad.conf:3: pmds must be a whole number, not \"two\""},
            {"port.1 = ring:a\n", "no rules: give --flows FILE or flows = FILE in"},
            {"flows = " + flows + "\n", "no ports: give --port N=SPEC or port.N = SPEC in"},
            {"flows = " + flows + "\nflows = x\n", "bad.conf:2: \"flows\" is already set on line 1"},
            {"flows " + flows + "\n", "bad.conf:1: expected KEY = VALUE"},
            {"flows = " + flows + "\nport.1 = ring:a\npmd-idle = sometimes\n",
                "bad.conf:3: pmd-idle must be spin or backoff, not \"sometimes\""},
            {"flows = /nonexistent/acl.flows\nport.1 = ring:a\n", "/nonexistent/acl.flows: no such file"},
            {"flows = " + flows + "\nport.1 = ring:a\npmd-cpus = 3-1\n", "bad.conf:3: pmd-cpus: CPU range \"3-1\" is not valid"},
            {"flows = " + flows + "\nport.1 = ring:a\npmd-cpu-mask = 0xg\n",
                "bad.conf:3: pmd-cpu-mask: \"0xg\" is not a hexadecimal CPU mask (bad digit 'g')"},
            {"flows = " + flows + "\nport.1 = ring:a\nhandlers = 2\nn-handler-threads = 3\n",
                "bad.conf:4: n-handler-threads is the same setting as handlers, already set on line 3"},
            {"flows = " + flows + "\nport.1 = ring:a\nport.1.n_rxq = 2\n",
                "port 1: n_rxq 2: a ring port has one receive queue (several are for dpdk ports)"},
            {"flows = " + flows + "\nport.1 = ring:a\nport.1.pmd-rxq-affinity = 0\n",
                "bad.conf:3: port 1: pmd-rxq-affinity=0: \"0\" is not QUEUE:CORE"},
            {"flows = " + flows + "\nport.1 = ring:a\nport.2.n_rxq = 1\n", "bad.conf:3: port.2.n_rxq: there is no port 2"},
            {"flows = " + flows + "\nport.1 = ring:a\npmd-rxq-assign = fastest\n",
                "bad.conf:3: pmd-rxq-assign must be one of cycles, roundrobin, group, not \"fastest\""},
            {"flows = " + flows + "\nport.1 = ring:a\nprefixes = nw_dst,tp_dst\n",
                "bad.conf:3: prefixes: unknown field \"tp_dst\" (nw_dst, nw_src, ipv6_dst, ipv6_src)"},
            // A PMD pinned where it cannot run forwards nothing: refused at start (it used to log a
            // stack trace, say "running" and forward nothing).
            {"flows = " + flows + "\nport.1 = ring:a\npmd-cpus = 1000\n",
                "bad.conf:3: pmd-cpus: CPU 1000 not available to this process (usable: "},
            {"flows = " + flows + "\nport.1 = ring:a\npmd-cpu-mask = 0x1000000\n",
                "bad.conf:3: pmd-cpu-mask: CPU 24 not available to this process (usable: "},
            {"flows = " + flows + "\nport.1 = ring:a\nestimator-cpus = 999\n",
                "bad.conf:3: estimator-cpus: CPU 999 not available to this process (usable: "},
        };
        for (String[] c : cases) {
            Files.writeString(conf, c[0]);
            final String[] r = runInProcess("run", "--rundir", tmp.resolve("run").toString(), "--config", conf.toString());
            assertEquals("1", r[0], c[0]);
            assertTrue(r[2].contains(c[1]), "expected \"" + c[1] + "\" in: " + r[2]);
        }
        final String[] r = runInProcess("run", "--rundir", tmp.resolve("run").toString(), "--flows", flows,
                "--port", "x=ring:a");
        assertTrue(r[2].contains("\"x\" is not a port number"), r[2]);
        final String[] q = runInProcess("run", "--rundir", tmp.resolve("run").toString(), "--flows", flows,
                "--port", "1=ring:a", "--port-set", "1-n_rxq=2");
        assertTrue(q[2].contains("--port-set \"1-n_rxq=2\": expected N:KEY=VALUE, as in 1:n_rxq=2"), q[2]);
        // A value on the command line is named by its option, as in the file by its line.
        final String[] nice = runInProcess("run", "--rundir", tmp.resolve("run").toString(), "--flows", flows,
                "--port", "1=ring:a", "--estimator-nice", "30");
        assertEquals("1", nice[0], nice[2]);
        assertEquals("flowgate: --estimator-nice: estimator-nice must be between -20 and 19, not 30\n", nice[2]);
    }

    @Test
    void theRunTimeSettingsHaveTheSameNamesInTheConfigFileAndOnTheCommandLine() throws Exception {
        final Path conf = tmp.resolve("names.conf");
        Files.writeString(conf, "flows = " + ACL.resolve("flows.txt") + "\nport.1 = ring:a\nport.2 = ring:b\n"
                + "n-handler-threads = 3\nemc-insert-inv-prob = 0\npmd-rxq-assign = roundrobin\n"
                + "port.1.pmd-rxq-affinity = 0:0\n");
        final Path rundir = tmp.resolve("names-run");
        try (Daemon d = Daemon.start("run", "--config", conf.toString(), "--rundir", rundir.toString(),
                "--n-revalidator-threads", "2", "--max-idle", "2500", "--port-set", "2:pmd-rxq-affinity=0:0")) {
            d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final var reply = io.flowgate.daemon.control.UnixctlClient.call(
                    io.flowgate.daemon.control.UnixctlClient.resolve("flowgate", rundir), "config/show",
                    java.util.List.of(), 30_000);
            final String show = reply.result();
            for (String line : java.util.List.of("n-handler-threads=3", "n-revalidator-threads=2", "max-idle=2500",
                    "emc-insert-inv-prob=0", "pmd-rxq-assign=roundrobin", "port.1.pmd-rxq-affinity=0:0",
                    "port.2.pmd-rxq-affinity=0:0")) {
                assertTrue(show.contains(line + "\n"), line + " in\n" + show);
            }
            d.signal("TERM");
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS), d.err());
        }
    }
}
