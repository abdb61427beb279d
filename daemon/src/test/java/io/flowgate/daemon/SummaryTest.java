package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summary's rate is over the time the PMDs were busy, not over the run's life (a daemon that
 * ran a minute for a second of traffic reported a thousandth of its rate).
 */
class SummaryTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();
    private static final Pattern FIRST = Pattern.compile(
            "(\\d+) packets in ([0-9.]+) s \\((\\d+) kpps while busy: ([0-9.]+) s of PMD time\\)");

    @TempDir
    Path dir;

    @Test
    void theRateIsOverBusyTime() {
        final CliTest.Run r = CliTest.run("replay", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--in", "1=" + ROOT.resolve("examples/router/traffic.pcap"), "--out", "2=" + dir.resolve("o.pcap"));
        assertEquals(0, r.status(), r.err());
        final Matcher m = FIRST.matcher(r.out());
        assertTrue(m.find(), r.out());
        final long packets = Long.parseLong(m.group(1));
        final double lifetime = Double.parseDouble(m.group(2));
        final long kpps = Long.parseLong(m.group(3));
        final double busy = Double.parseDouble(m.group(4));
        assertTrue(busy > 0 && busy <= lifetime + 0.01, "busy " + busy + " s of " + lifetime + " s");
        // (busy is printed to the hundredth: the rate from the printed figures is that close)
        final double fromPrinted = packets / busy / 1000;
        assertTrue(Math.abs(fromPrinted - kpps) <= kpps * 0.005 / busy + 1, fromPrinted + " vs " + r.out());
    }
}
