package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.testing.Daemon;
import io.flowgate.daemon.testing.Pcaps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input is never destroyed, outputs included: a pcap port's output (run's out=, replay's --out)
 * is written beside its file and takes the file's name only when the port finishes, so a reader
 * never sees half a capture under that name and a run that does not get going leaves an earlier
 * capture as it was. Before, the file was truncated when the port opened: a daemon that failed to
 * start because of another port's mistake had already emptied it to a 24-byte header.
 */
@Timeout(180)
class OutputsReplacedAtEndTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();
    private static final byte[] OLD = "yesterday's capture, still wanted\n".getBytes();

    @TempDir
    Path dir;

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".out.pcap.tmp-")).toList();
        }
    }

    @Test
    void runKeepsTheOldOutputWhileItRunsAndReplacesItOnSigterm() throws Exception {
        final Path in = Files.copy(ROOT.resolve("examples/router/traffic.pcap"), dir.resolve("in.pcap"));
        final Path out = Files.write(dir.resolve("out.pcap"), OLD);
        final Path flows = Files.writeString(dir.resolve("all.flows"), "priority=5,actions=output:2\n");
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=pcap:in=" + in, "--port", "2=pcap:out=" + out)) {
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 120, TimeUnit.SECONDS);
            assertArrayEquals(OLD, Files.readAllBytes(out), "every packet forwarded, the name still holds the old file");
            assertEquals(1, temporaries().size(), "the new capture is written beside it");
            d.signal("TERM");
            assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS), d.err());
        }
        assertEquals(Pcaps.packets(in).size(), Pcaps.packets(out).size(), "replaced by the whole new capture");
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aRunThatCannotStartLeavesAnEarlierOutputAsItWas() throws Exception {
        final Path out = Files.write(dir.resolve("out.pcap"), OLD);
        final Path flows = Files.writeString(dir.resolve("all.flows"), "priority=5,actions=output:1\n");
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=pcap:out=" + out, "--port",
                "2=pcap:in=" + dir.resolve("missing.pcap"))) {
            assertEquals(1, d.awaitExit(60, TimeUnit.SECONDS), d.err());
            assertTrue(d.err().contains("missing.pcap"), d.err());
        }
        assertArrayEquals(OLD, Files.readAllBytes(out));
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aReplayThatCannotStartLeavesAnEarlierOutputAsItWas() throws Exception {
        final Path in = Files.copy(ROOT.resolve("examples/router/traffic.pcap"), dir.resolve("in.pcap"));
        final Path out = Files.write(dir.resolve("out.pcap"), OLD);
        final CliTest.Run r = CliTest.run("replay", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--in", "1=" + in, "--out", "2=" + out, "--in", "3=" + dir.resolve("missing.pcap"));
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("missing.pcap"), r.err());
        assertArrayEquals(OLD, Files.readAllBytes(out));
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aReplayReplacesItsOutputWhenItEnds() throws Exception {
        final Path in = Files.copy(ROOT.resolve("examples/router/traffic.pcap"), dir.resolve("in.pcap"));
        final Path out = Files.write(dir.resolve("out.pcap"), OLD);
        final Path flows = Files.writeString(dir.resolve("all.flows"), "priority=5,actions=output:2\n");
        final CliTest.Run r = CliTest.run("replay", "--flows", flows.toString(), "--no-progress", "--in", "1=" + in,
                "--out", "2=" + out);
        assertEquals(0, r.status(), r.err());
        assertEquals(Pcaps.packets(in).size(), Pcaps.packets(out).size());
        assertEquals(List.of(), temporaries());
    }
}
