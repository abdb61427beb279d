package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.bindings.UnixDatagram;
import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator reads in the log of {@code flowgate run}, as in ovs-vswitchd.log: the start
 * (version, settings, rules), each port as it is added, the PMD threads and their queues, rule
 * changes with their counts (OVS's "N flow_mods (A adds)"), the flow limit being reached, and the
 * stop (threads, ports, "exiting"); with OVS's command-line {@code -v} specs choosing the levels
 * and formats and the syslog destination writing to a socket the test listens on.
 */
class LoggingTest {
    private static final String FLOW = "in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),"
            + "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)";

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void theLogTellsTheDaemonsLifeAsOvsWould() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "in_port=1,actions=output:2\nin_port=2,actions=output:1\n");
        final Path more = Files.writeString(dir.resolve("more.flows"), "priority=5,ip,actions=drop\nin_port=1,actions=output:2\n");
        final Path log = dir.resolve("flowgate.log");
        final Path socket = dir.resolve("syslog.sock");
        final List<String> syslog = new ArrayList<>();
        try (UnixDatagram listener = UnixDatagram.bind(socket.toString())) {
            final Thread reader = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    final String d = listener.receive();
                    synchronized (syslog) {
                        syslog.add(d);
                    }
                }
            });
            try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                    "--port", "1=dummy:p1", "--port", "2=dummy:p2", "--flow-limit", "1", "--log-file", log.toString(),
                    "--syslog-method=unix:" + socket, "-vconsole:off", "-vdatapath:syslog:info",
                    "-vPATTERN:syslog:%c:%p:%m", "--verbose=revalidator:file:dbg")) {
                final String line = d.awaitErr(l -> l.contains("control socket"), 90, TimeUnit.SECONDS);
                final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
                call(ctl, "ofctl/add-flow", "priority=7,udp,actions=drop");
                call(ctl, "ofctl/add-flows", more.toString());
                call(ctl, "ofctl/replace-flows", flows.toString());
                call(ctl, "ofctl/del-flows", "in_port=1");
                // Two packets needing two megaflows (the rules look at in_port only): the second is over the limit.
                call(ctl, "netdev-dummy/receive", "p1", FLOW);
                call(ctl, "netdev-dummy/receive", "p2", FLOW.replace("in_port(1)", "in_port(2)"));
                awaitFileLine(log, "|handler|WARN|upcall: datapath reached the dynamic limit of 1 flows.");
                call(ctl, "exit");
                assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS));
                assertFalse(d.err().contains("|INFO|"), "-vconsole:off: no log line on standard error: " + d.err());
            }
            reader.interrupt();
        }
        final String text = Files.readString(log);
        final String[] expected = {
            "|vlog|INFO|opened log file " + log,
            "|daemon|INFO|flowgate " + Version.get() + " starting: 2 port(s), 1 PMD(s), 1 handler(s), 1 revalidator(s),"
                    + " flow-limit 1, max-idle 10000 ms, pmd-idle backoff, rundir " + dir.resolve("run"),
            "|daemon|INFO|flows file " + flows + ": 2 rule(s)",
            "|datapath|INFO|added interface p1 on port 1 (dummy:p1): dummy, 1 rx queue(s)",
            "|datapath|INFO|added interface p2 on port 2 (dummy:p2): dummy, 1 rx queue(s)",
            "|datapath|INFO|PMD thread on numa_id: 0, core id:  0 created.",
            "|datapath|INFO|There are 1 pmd threads on numa node 0",
            "|datapath|INFO|Starting 2 threads: 1 handler(s), 1 revalidator(s)",
            "|reconfig|INFO|Performing pmd to rx queue assignment using cycles algorithm.",
            "|reconfig|INFO|Core  0 on numa node 0 assigned port 'p1' rx queue 0",
            "|ofproto|INFO|ofctl/add-flow: 1 flow_mods (1 adds); 3 rule(s) now",
            "|ofproto|INFO|ofctl/add-flows: 2 flow_mods (1 adds, 1 modifications); 4 rule(s) now",
            "|ofproto|INFO|ofctl/replace-flows: 2 flow_mods (2 deletes); 2 rule(s) now",
            "|ofproto|INFO|ofctl/del-flows: 1 flow_mods (1 deletes); 1 rule(s) now",
            "|handler|WARN|upcall: datapath reached the dynamic limit of 1 flows.",
            "|daemon|INFO|exit command: stopping",
            "|datapath|INFO|stopped 1 revalidator thread(s)",
            "|datapath|INFO|PMD thread on numa_id: 0, core id:  0 destroyed.",
            "|datapath|INFO|stopped 1 handler thread(s)",
            "|datapath|INFO|deleted interface p1 on port 1",
            "|datapath|INFO|deleted interface p2 on port 2",
            "|daemon|INFO|exiting",
        };
        int at = 0;
        for (String e : expected) {
            final int found = text.indexOf(e, at);
            assertTrue(found >= 0, "\"" + e + "\" after what came before it in:\n" + text);
            at = found + e.length();
        }
        assertTrue(Pattern.compile("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\|\\d{5}\\|\\w+\\|(INFO|WARN|ERR|DBG)\\|")
                .matcher(text).lookingAt(), "OVS's file line format");
        synchronized (syslog) {
            assertTrue(syslog.contains("<29>datapath:INFO:added interface p1 on port 1 (dummy:p1): dummy, 1 rx queue(s)"),
                    "-vdatapath:syslog:info with -vPATTERN:syslog:%c:%p:%m: " + syslog);
            assertTrue(syslog.stream().allMatch(s -> s.startsWith("<29>datapath:")), "only datapath's: " + syslog);
        }
    }

    @Test
    @Timeout(120)
    void aBadVerboseSpecStopsTheStartWithOvsWords() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "actions=drop\n");
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--port", "1=dummy:p1", "-vconsole:loud")) {
            assertEquals(1, d.awaitExit(90, TimeUnit.SECONDS));
            assertTrue(d.err().contains("flowgate: processing \"console:loud\": no destination, level, or module"
                    + " \"loud\""), d.err());
        }
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run2").toString(), "--flows", flows.toString(),
                "--port", "1=dummy:p1", "--syslog-method=tcp:127.0.0.1:514")) {
            assertEquals(1, d.awaitExit(90, TimeUnit.SECONDS));
            assertTrue(d.err().contains("flowgate: unsupported syslog method 'tcp:127.0.0.1:514'"), d.err());
        }
    }

    private static void call(final Path ctl, final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertNull(r.error(), method + ": " + r.error());
    }

    private static void awaitFileLine(final Path log, final String text) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no \"" + text + "\" in:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }
}
