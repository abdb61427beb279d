package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's commands print what OVS 3.1 prints for the same traffic. {@code
 * oracle/appctl/make.sh} recorded real OVS (a netdev bridge, dummy-pmd ports p1 and p2, one PMD)
 * after the packets of packets.txt went through flows.txt one at a time; here Flowgate gets the
 * same rules and packets on dummy ports p1 and p2, each packet handled before the next as OVS
 * handles it, and the outputs are compared line by line.
 *
 * <p>What differs, and why (each difference is named where it is allowed below):
 * <ul>
 *   <li>Time: cycle counts, durations, rates and {@code used:} ages are the machine's, not OVS's.
 *   <li>OVS's {@code main thread:} block in pmd-stats-show: OVS polls non-PMD ports there;
 *       Flowgate polls every port from PMDs and has no such thread.
 *   <li>How hits split between EMC and megaflow cache: OVS inserts into its EMC with probability
 *       1/100 by default, Flowgate differently; the sum of hits is the same.
 *   <li>dpctl/show: OVS's datapath and bridge ports ({@code ovs-netdev}, {@code br0}, type tap)
 *       do not exist in Flowgate; OVS numbers datapath ports by its own order (ports are matched
 *       by name); Flowgate's dummy port is type {@code dummy} (OVS's {@code dummy-pmd}, which
 *       prints its queue configuration), and it counts its drops where OVS's dummy says "?";
 *       Flowgate adds an {@code RX rate} line (its rate estimator).
 *   <li>dump-flows -m: OVS also prints metadata fields Flowgate's datapath does not have, all
 *       wildcarded ({@code skb_priority}, {@code skb_mark}, {@code ct_*}, {@code dp_hash}), its
 *       {@code dp-extra-info}, and its own UFIDs; {@code dp:} names the datapath.
 * </ul>
 */
class AppctlOutputAgreementTest {
    private static final Path ORACLE = TestResources.path("oracle/appctl");
    private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");
    private static final Pattern PADDED_NUMBER = Pattern.compile(" *\\d+(\\.\\d+)?");

    @TempDir
    static Path tmp;
    private static Daemon daemon;
    private static Path socket;

    @BeforeAll
    static void sendThePacketsThroughFlowgate() throws Exception {
        final Path rundir = tmp.resolve("run");
        daemon = Daemon.start("run", "--rundir", rundir.toString(), "--flows", ORACLE.resolve("flows.txt").toString(),
                "--port", "1=dummy:p1", "--port", "2=dummy:p2", "--pmd-idle", "backoff");
        daemon.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        socket = UnixctlClient.resolve("flowgate", rundir);
        int sent = 0;
        for (String packet : Files.readAllLines(ORACLE.resolve("packets.txt"))) {
            appctl("netdev-dummy/receive", "p1", packet);
            settle(++sent);
        }
        appctl("revalidator/wait");
    }

    /**
     * Waits until {@code packets} were looked up, every miss's flow is installed and every missed
     * packet has come back from the handler and been sent (as OVS, which upcalls inline, is done
     * with a packet before it takes the next: else two packets may leave in one output batch).
     */
    private static void settle(final int packets) throws Exception {
        final Pattern lookups = Pattern.compile("lookups: hit:(\\d+) missed:(\\d+) lost:0\\n  flows: (\\d+)");
        final Pattern executed = Pattern.compile("(?m)^dpif_execute .* total: (\\d+)$");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String show = "";
        while (System.nanoTime() < deadline) {
            show = appctl("dpctl/show");
            final Matcher m = lookups.matcher(show);
            if (m.find() && Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) == packets
                    && m.group(2).equals(m.group(3))) {
                final Matcher e = executed.matcher(appctl("coverage/show"));
                if ((e.find() ? e.group(1) : "0").equals(m.group(2))) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("packet " + packets + " not handled: " + show);
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.signal("TERM");
            assertEquals(0, daemon.awaitExit(30, TimeUnit.SECONDS), daemon.err());
            daemon.close();
        }
    }

    private static String appctl(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(socket, method, List.of(args), 30_000);
        assertEquals(null, r.error(), method);
        return r.result();
    }

    private static List<String> ovs(final String file) throws IOException {
        return Files.readAllLines(ORACLE.resolve(file));
    }

    /** A line with its numbers (and the spaces that pad them to a width) replaced by N: the shape OVS prints. */
    private static String shape(final String line) {
        return PADDED_NUMBER.matcher(line).replaceAll(" N");
    }

    /** The number after {@code label} in a block of lines. */
    private static double value(final List<String> lines, final String label) {
        for (String l : lines) {
            final String t = l.strip();
            if (t.startsWith(label)) {
                final Matcher m = NUMBER.matcher(t.substring(label.length()));
                assertTrue(m.find(), l);
                return Double.parseDouble(m.group());
            }
        }
        throw new AssertionError("no line \"" + label + "\" in " + lines);
    }

    @Test
    void pmdStatsShowPrintsOvsLinesWithTheSameCounts() throws Exception {
        final List<String> theirs = ovs("ovs-pmd-stats-show.txt");
        // OVS's first block is the PMD's; its "main thread:" block has no Flowgate counterpart.
        final List<String> pmd = theirs.subList(0, theirs.indexOf("main thread:"));
        final List<String> ours = appctl("dpif-netdev/pmd-stats-show").lines().toList();
        assertEquals(pmd.stream().map(AppctlOutputAgreementTest::shape).toList(),
                ours.stream().map(AppctlOutputAgreementTest::shape).toList(), "the same lines in the same order");
        for (String label : List.of("packets received:", "packet recirculations:", "avg. datapath passes per packet:",
                "phwol hits:", "mfex opt hits:", "simple match hits:", "smc hits:",
                "avg. subtable lookups per megaflow hit:", "miss with success upcall:", "miss with failed upcall:",
                "avg. packets per output batch:")) {
            assertEquals(value(pmd, label), value(ours, label), label);
        }
        assertEquals(value(pmd, "emc hits:") + value(pmd, "megaflow hits:"),
                value(ours, "emc hits:") + value(ours, "megaflow hits:"), "hits in the EMC and the megaflow cache");
        final double idle = value(ours, "idle cycles:");
        final double busy = value(ours, "processing cycles:");
        assertEquals((idle + busy) / 7, value(ours, "avg cycles per packet:"), 1, "cycles per packet over all time");
        assertEquals(busy / 7, value(ours, "avg processing cycles per packet:"), 1);
    }

    @Test
    void pmdPerfShowPrintsOvsLinesWithTheSameCounts() throws Exception {
        final List<String> theirs = ovs("ovs-pmd-perf-show.txt");
        final List<String> ours = appctl("dpif-netdev/pmd-perf-show").lines().toList();
        assertEquals(theirs.stream().map(AppctlOutputAgreementTest::shape).toList(),
                ours.stream().map(AppctlOutputAgreementTest::shape).toList());
        for (String label : List.of("Rx packets:", "Datapath passes:", "- PHWOL hits:", "- MFEX Opt hits:",
                "- Simple Match hits:", "- SMC hits:", "- Upcalls:", "- Lost upcalls:", "Tx packets:", "Tx batches:")) {
            assertEquals(value(theirs, label), value(ours, label), label);
        }
        assertEquals(value(theirs, "- EMC hits:") + value(theirs, "- Megaflow hits:"),
                value(ours, "- EMC hits:") + value(ours, "- Megaflow hits:"));
        final double iterations = value(ours, "Iterations:");
        assertEquals(iterations, value(ours, "- idle iterations:") + value(ours, "- busy iterations:"));
    }

    @Test
    void pmdRxqShowPrintsWhatOvsPrints() throws Exception {
        final String ours = appctl("dpif-netdev/pmd-rxq-show");
        // Before the first 5-second interval both say NOT AVAIL; after it, a percentage.
        assertEquals(String.join("\n", ovs("ovs-pmd-rxq-show.txt")) + "\n",
                ours.replaceAll("pmd usage: +\\d+ %", "pmd usage: NOT AVAIL").replaceAll("overhead: +\\d+ %",
                        "overhead: NOT AVAIL"));
    }

    /** dpctl/show's port blocks by port name, OVS's own ports left out. */
    private static Map<String, List<String>> ports(final List<String> show) {
        final Map<String, List<String>> ports = new HashMap<>();
        List<String> block = null;
        for (String l : show) {
            final Matcher m = Pattern.compile("  port \\d+: (\\S+) \\(").matcher(l);
            if (m.lookingAt()) {
                block = m.group(1).equals("ovs-netdev") || m.group(1).equals("br0") ? null : new ArrayList<>();
                if (block != null) {
                    ports.put(m.group(1), block);
                }
            } else if (block != null && !l.startsWith("    RX rate:")) {
                block.add(l.replaceAll("dropped:0", "dropped:?")); // OVS's dummy counts no drops
            }
        }
        return ports;
    }

    @Test
    void dpctlShowPrintsWhatOvsPrints() throws Exception {
        final List<String> theirs = ovs("ovs-dpctl-show-s.txt");
        final List<String> ours = appctl("dpctl/show", "-s").lines().toList();
        assertEquals(theirs.get(1), ours.get(1), "lookups");
        assertEquals(theirs.get(2), ours.get(2), "flows");
        assertEquals(ports(theirs), ports(ours));
        assertEquals(List.of("netdev@flowgate:", theirs.get(1), theirs.get(2), "  port 1: p1 (dummy)",
                "  port 2: p2 (dummy)"), appctl("dpctl/show").lines().toList());
    }

    /** Flow lines with ports by name, ages left out, as a set (datapaths dump in their own order). */
    private static TreeSet<String> flows(final List<String> dump, final Map<String, String> portNames) {
        final TreeSet<String> flows = new TreeSet<>();
        for (String l : dump) {
            if (l.startsWith("flow-dump from")) {
                continue;
            }
            String f = l.replaceAll("used:(\\d+\\.\\d+s|never)", "used:T").replaceAll("ufid:[0-9a-f-]+", "ufid:U")
                    .replaceAll("skb_priority\\(0/0\\),skb_mark\\(0/0\\),ct_state\\(0/0\\),ct_zone\\(0/0\\),"
                            + "ct_mark\\(0/0\\),ct_label\\(0/0\\),", "").replace("dp_hash(0/0),", "")
                    .replaceAll(", dp-extra-info:.*", "").replaceAll("dp:\\w+", "dp:D");
            for (Map.Entry<String, String> p : portNames.entrySet()) {
                f = f.replace("in_port(" + p.getKey() + ")", "in_port(" + p.getValue() + ")")
                        .replaceAll("actions:" + p.getKey() + "$", "actions:" + p.getValue());
            }
            flows.add(f);
        }
        return flows;
    }

    /** Bridge port numbers to names, from a dpctl/show. */
    private static Map<String, String> portNames(final List<String> show) {
        final Map<String, String> names = new HashMap<>();
        for (String l : show) {
            final Matcher m = Pattern.compile("  port (\\d+): (\\S+)").matcher(l);
            if (m.lookingAt()) {
                names.put(m.group(1), m.group(2));
            }
        }
        return names;
    }

    @Test
    void dumpFlowsAndItsFiltersShowWhatOvsShows() throws Exception {
        final Map<String, String> theirPorts = portNames(ovs("ovs-dpctl-show.txt"));
        final Map<String, String> ourPorts = portNames(appctl("dpctl/show").lines().toList());
        final Map<String, List<String>> commands = Map.of(
                "ovs-dump-flows.txt", List.of(),
                "ovs-dump-flows-m.txt", List.of("-m"),
                "ovs-dump-flows-filter-udp.txt", List.of("filter=udp"),
                "ovs-dump-flows-filter-tcp-dst.txt", List.of("filter=tcp,nw_dst=10.0.0.2"),
                "ovs-dump-flows-type-offloaded.txt", List.of("type=offloaded"));
        for (Map.Entry<String, List<String>> c : commands.entrySet()) {
            final List<String> ours = appctl("dpctl/dump-flows", c.getValue().toArray(new String[0])).lines().toList();
            assertEquals(flows(ovs(c.getKey()), theirPorts), flows(ours, ourPorts), c.getKey());
        }
        assertTrue(flows(ovs("ovs-dump-flows-filter-udp.txt"), theirPorts).stream().anyMatch(l -> !l.contains("proto")),
                "filter=udp passes a flow that does not look at the protocol");
    }
}
