package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.testing.Daemon;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running daemon reports a truncated capture when it reads the broken record, once, while it
 * goes on running; before, the operator learnt of it only from the shutdown message.
 */
class LongRunsSpeakTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aTruncatedInputIsReportedWhenItIsRead() throws Exception {
        final Path in = Files.copy(ROOT.resolve("examples/router/traffic.pcap"), dir.resolve("cut.pcap"));
        try (FileChannel ch = FileChannel.open(in, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 7); // into the last packet record
        }
        final Path flows = Files.writeString(dir.resolve("all.flows"), "priority=1,actions=output:2\n");
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=pcap:in=" + in, "--port", "2=pcap:out=" + dir.resolve("out.pcap"))) {
            final String line = d.awaitErr(l -> l.startsWith("flowgate: port 1:"), 60, TimeUnit.SECONDS);
            assertTrue(line.contains("truncated packet record"), line);
            assertTrue(d.process().isAlive(), "reported while running");
            d.signal("TERM");
            assertEquals(1, d.awaitExit(60, TimeUnit.SECONDS), "a broken input ends the run with status 1");
            assertEquals(1, d.err().lines().filter(l -> l.startsWith("flowgate: port 1:")).count(),
                    "reported once: " + d.err());
        }
    }
}
