package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.pcap.PcapWriter;
import io.flowgate.fastpath.testing.PacketBuilder;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rates on a running {@code flowgate run}: traffic paced at X packets a second through a select
 * group reads as X (within 2 %) on the port and on the group once the estimate has converged
 * (IPVS's weight of 1/4 per 2 s needs 14 periods, 28 s, to come within 2 %), and when the
 * traffic stops each new reading is 3/4 of the one before, as the formula says (the exact integer
 * sequence is EstimatorFormulaTest's).
 */
class RateEstimationTest {
    private static final int PPS = 2000;
    private static final int SECONDS = 32;
    private static final int FRAME_BYTES = 60; // 14 + 20 + 20 + 6 of payload

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void pacedTrafficReadsAsItsRateAndDecaysByTheFormula() throws Exception {
        final Path flows = Files.writeString(dir.resolve("lb.flows"),
                "priority=10,tcp,in_port=1,tp_dst=80,actions=group:1\n");
        final Path groups = Files.writeString(dir.resolve("lb.groups"), "group_id=1,type=select,selection_method=rr,"
                + "bucket=bucket_id:1,actions=output:2,bucket=bucket_id:2,actions=output:3\n");
        final Path in = dir.resolve("paced.pcap");
        try (PcapWriter w = PcapWriter.create(in); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(2048);
            for (int i = 0; i < PPS * SECONDS; i++) {
                final int c = i % 100; // 100 connections: a SYN each, then data
                final byte[] f = PacketBuilder.eth().ipv4("10.0.0." + (1 + c), "192.168.0.1")
                        .tcp(2000 + c, 80, i < 100 ? 0x02 : 0x18).payload(6).build();
                assertEquals(FRAME_BYTES, f.length);
                MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
                w.write(0, buf, 0, f.length, f.length);
            }
        }
        try (Daemon d = Daemon.start("run", "--rundir", dir.resolve("run").toString(), "--flows", flows.toString(),
                "--groups", groups.toString(), "--pmd-idle", "backoff",
                "--port", "1=pcap:in=" + in + ",pps=" + PPS, "--port", "2=dummy:b2", "--port", "3=dummy:b3")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 120, TimeUnit.SECONDS);
            // The last packets just went in: the estimate saw 15 or 16 periods of traffic.
            final long rate = rxRate(ctl);
            final long[] group = groupRates(ctl);
            System.out.printf("after %d s at %d pps: port reads %d pkt/s, group InPPS %d, InBPS %d%n", SECONDS, PPS,
                    rate, group[1], group[3]);
            assertTrue(Math.abs(rate - PPS) <= PPS * 0.02, "port rate " + rate + " within 2 % of " + PPS);
            assertTrue(Math.abs(group[1] - PPS) <= PPS * 0.02, "group InPPS " + group[1] + " within 2 % of " + PPS);
            assertTrue(Math.abs(group[3] - PPS * FRAME_BYTES) <= PPS * FRAME_BYTES * 0.02, "group InBPS " + group[3]);
            // Traffic has stopped: the readings fall by a quarter per period.
            final List<Long> seen = new ArrayList<>(List.of(rate));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.size() < 9 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                final long r = rxRate(ctl);
                if (r != seen.getLast()) {
                    seen.add(r);
                }
            }
            System.out.println("decay: " + seen);
            assertEquals(9, seen.size(), "a new reading every period: " + seen);
            for (int i = 2; i < seen.size(); i++) {
                // Rounded readings of avg' = avg - avg/4: within a unit or two of 3/4 of the last one
                // (the first step may still include the last packets' period).
                final double expected = seen.get(i - 1) * 0.75;
                assertTrue(Math.abs(seen.get(i) - expected) <= 1.5, "reading " + i + " of " + seen);
            }
        }
    }

    private static long rxRate(final Path ctl) throws Exception {
        final String show = call(ctl, "dpctl/show", "-s");
        final Matcher m = Pattern.compile("port 1: .*?RX rate: (\\d+) pkt/s", Pattern.DOTALL).matcher(show);
        assertTrue(m.find(), show);
        return Long.parseLong(m.group(1));
    }

    /** CPS, InPPS, OutPPS, InBPS, OutBPS of group 1 in lb/show --rates. */
    private static long[] groupRates(final Path ctl) throws Exception {
        final String show = call(ctl, "lb/show", "--rates");
        final Matcher m = Pattern.compile("group 1 \\(rr\\)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)").matcher(show);
        assertTrue(m.find(), show);
        final long[] v = new long[5];
        for (int i = 0; i < 5; i++) {
            v[i] = Long.parseLong(m.group(i + 1));
        }
        return v;
    }

    private static String call(final Path ctl, final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertEquals(null, r.error(), method);
        return r.result();
    }
}
