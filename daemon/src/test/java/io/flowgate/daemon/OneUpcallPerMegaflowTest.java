package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.testing.Daemon;
import io.flowgate.daemon.testing.Pcaps;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowgate run} over the README's example (5,000 flows, 123 megaflows, read as fast as the
 * PMD takes them) sends one upcall per megaflow, as OVS does, where every packet of a new flow that
 * came before its megaflow was installed used to go up (2,956 upcalls for 123 megaflows). And no
 * flow's packets change order: each port sends every flow's packets in the order the ordered
 * replay sends them.
 */
class OneUpcallPerMegaflowTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();
    private static final int[] OUTPUTS = {2, 3, 4, 5, 6};

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aDaemonReadingTheExampleMakesOneUpcallPerMegaflowAndKeepsEachFlowInOrder() throws Exception {
        final List<String> args = new ArrayList<>(List.of("run", "--rundir", dir.resolve("run").toString(),
                "--pmd-idle", "backoff", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--port", "1=pcap:in=" + ROOT.resolve("examples/router/traffic.pcap")));
        for (int p : OUTPUTS) {
            args.addAll(List.of("--port", p + "=pcap:out=" + dir.resolve("run-" + p + ".pcap")));
        }
        final String summary;
        try (Daemon d = Daemon.start(args.toArray(new String[0]))) {
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 120, TimeUnit.SECONDS);
            d.signal("TERM");
            assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS), d.err());
            summary = d.stdout();
        }
        final long upcalls = figure(summary, "upcalls: (\\d+)");
        final long megaflows = figure(summary, "megaflows installed: (\\d+)");
        assertEquals(123, megaflows, summary);
        assertTrue(upcalls <= megaflows * 11 / 10, upcalls + " upcalls for " + megaflows + " megaflows:\n" + summary);

        final List<String> replay = new ArrayList<>(List.of("replay", "--flows",
                ROOT.resolve("examples/router/router.flows").toString(), "--in",
                "1=" + ROOT.resolve("examples/router/traffic.pcap")));
        for (int p : OUTPUTS) {
            replay.addAll(List.of("--out", p + "=" + dir.resolve("replay-" + p + ".pcap")));
        }
        final CliTest.Run r = CliTest.run(replay.toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        for (int p : OUTPUTS) {
            final Map<String, List<String>> ran = byFlow(Pcaps.packets(dir.resolve("run-" + p + ".pcap")));
            final Map<String, List<String>> replayed = byFlow(Pcaps.packets(dir.resolve("replay-" + p + ".pcap")));
            assertEquals(replayed.keySet(), ran.keySet(), "port " + p + " sends the same flows");
            for (Map.Entry<String, List<String>> flow : replayed.entrySet()) {
                assertEquals(flow.getValue(), ran.get(flow.getKey()), "port " + p + ", flow " + flow.getKey());
            }
        }
    }

    private static long figure(final String text, final String regex) {
        final Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Long.parseLong(m.group(1));
    }

    /** A port's packets (hex) by flow: Ethernet header and, for IPv4, protocol, addresses and ports. */
    private static Map<String, List<String>> byFlow(final List<String> packets) {
        final Map<String, List<String>> flows = new LinkedHashMap<>();
        for (String hex : packets) {
            final String key;
            if (hex.length() >= 76 && hex.startsWith("0800", 24)) {
                key = hex.substring(0, 28) + hex.substring(46, 48) + hex.substring(52, 76);
            } else {
                key = hex; // only the same frame is the same flow
            }
            flows.computeIfAbsent(key, k -> new ArrayList<>()).add(hex);
        }
        return flows;
    }
}
