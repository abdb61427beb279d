package io.flowgate.daemon.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.testing.FlowgateProcess;
import io.flowgate.fastpath.pcap.PcapWriter;
import io.flowgate.fastpath.testing.PacketBuilder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million-packet capture replays in a separate JVM with a small fixed heap, shows progress
 * while it runs, and its resident memory stays flat: what it holds does not grow with the number
 * of packets.
 */
class LongReplayTest {
    private static final int PACKETS = 1_000_000;
    private static final int TUPLES = 100_000;
    private static final Pattern PROGRESS = Pattern.compile("replay: ([0-9,]+) packets, [0-9]+% of input, [0-9]+ kpps");

    @TempDir
    Path tmp;

    /** 100,000 distinct UDP 5-tuples, repeated in random order: 64-byte frames, 1 µs apart. */
    private static void writeCapture(final Path file) throws IOException {
        final SplittableRandom r = new SplittableRandom(1_000_000);
        final byte[][] frames = new byte[TUPLES][];
        for (int i = 0; i < TUPLES; i++) {
            final byte[] f = PacketBuilder.eth("02:00:00:00:00:0b", "02:00:00:00:00:0a")
                    .ipv4("10." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256),
                            "172." + (16 + r.nextInt(16)) + "." + r.nextInt(256) + "." + r.nextInt(256))
                    .udp(1 + r.nextInt(65535), 1 + r.nextInt(65535)).payload(18).build();
            frames[i] = java.util.Arrays.copyOf(f, 60);
        }
        try (PcapWriter w = PcapWriter.create(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(64);
            for (int i = 0; i < PACKETS; i++) {
                final byte[] f = frames[r.nextInt(TUPLES)];
                MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
                w.write(1_700_000_000_000_000_000L + i * 1_000L, buf, 0, f.length, f.length);
            }
        }
    }

    @Test
    void aMillionPacketsReplayWithFlatMemoryAndProgress() throws Exception {
        final Path pcap = tmp.resolve("million.pcap");
        writeCapture(pcap);
        final Path flows = tmp.resolve("acl.flows");
        Files.writeString(flows, """
                priority=700,udp,nw_src=10.0.0.0/8,tp_dst=53,actions=output:2
                priority=600,udp,tp_dst=0x1000/0xf000,actions=output:2
                priority=400,udp,nw_dst=172.16.0.0/12,tp_src=1024/0xfc00,actions=output:2
                priority=300,udp,tp_src=0x8000/0x8000,actions=drop
                priority=100,ip,actions=output:2
                """);
        final Path out = tmp.resolve("out.pcap");
        final Process p = FlowgateProcess.builder(List.of("-Xms64m", "-Xmx64m", "-XX:+AlwaysPreTouch"),
                "replay", "--json", "--progress-interval", "50", "--flows", flows.toString(), "--in", "1=" + pcap,
                "--out", "2=" + out).start();
        // Each progress line is paired with the process's resident memory at that moment.
        final List<String> progress = new ArrayList<>();
        final List<long[]> rssAt = new ArrayList<>();
        final StringBuilder err = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                err.append(line).append('\n');
                final Matcher m = PROGRESS.matcher(line);
                if (m.matches()) {
                    progress.add(line);
                    final long rss = FlowgateProcess.rssBytes(p.pid());
                    if (rss > 0) {
                        rssAt.add(new long[] {Long.parseLong(m.group(1).replace(",", "")), rss});
                    }
                }
            }
        }
        final String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err.toString());
        assertEquals(PACKETS, number(json, "packets_in"), json);
        assertEquals(PACKETS, number(json, "packets_out") + number(json, "total"), json);
        assertTrue(progress.size() >= 2, "progress is shown while the replay runs: " + err);
        assertTrue(progress.getLast().startsWith("replay: 1,000,000 packets, 100% of input"), progress.getLast());

        // Flat: from a quarter of the packets on (JIT and heap have settled), resident memory
        // grows by less than 16 MB while the remaining packets go through.
        final long[] quarter = rssAt.stream().filter(s -> s[0] >= PACKETS / 4).findFirst().orElseThrow(
                () -> new AssertionError("no progress between a quarter and the end: " + progress));
        final long[] end = rssAt.getLast();
        System.out.printf("1M-packet replay: RSS %d MB at %,d packets, %d MB at %,d packets (%d samples); %s%n",
                quarter[1] >> 20, quarter[0], end[1] >> 20, end[0], rssAt.size(), json);
        assertTrue(quarter[0] < end[0], "progress samples: " + progress);
        assertTrue(end[1] - quarter[1] < 16L << 20, "RSS grew from " + (quarter[1] >> 20) + " MB at " + quarter[0]
                + " packets to " + (end[1] >> 20) + " MB at " + end[0]);
    }

    private static long number(final String json, final String field) {
        final Matcher m = Pattern.compile("\"" + field + "\":([0-9]+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return Long.parseLong(m.group(1));
    }
}
