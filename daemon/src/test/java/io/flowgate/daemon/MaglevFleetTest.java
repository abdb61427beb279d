package io.flowgate.daemon;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.pcap.PcapWriter;
import io.flowgate.fastpath.testing.PacketBuilder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fleet that agrees without sharing state: two {@code flowgate run} processes given the same
 * Maglev group (10 backends, weights 1 to 3), each receiving the same 100,000 new connections,
 * send every one to the same backend; and the backends' shares follow their weights.
 */
class MaglevFleetTest {
    private static final int TUPLES = 100_000;
    private static final int BACKENDS = 10;

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void twoNodesAgreeOnEveryConnectionsBackend() throws Exception {
        final Path flows = Files.writeString(dir.resolve("fleet.flows"),
                "priority=10,tcp,in_port=1,tp_dst=443,actions=group:7\n");
        final StringBuilder group = new StringBuilder("group_id=7,type=select,selection_method=maglev");
        int weights = 0;
        for (int b = 1; b <= BACKENDS; b++) {
            group.append(",bucket=bucket_id:").append(b).append(",weight:").append(weight(b))
                    .append(",actions=output:").append(b + 1);
            weights += weight(b);
        }
        final Path groups = Files.writeString(dir.resolve("fleet.groups"), group + "\n");
        final SplittableRandom r = new SplittableRandom(42);
        final List<byte[]> syns = new ArrayList<>(TUPLES);
        for (int i = 0; i < TUPLES; i++) {
            final int src = r.nextInt();
            syns.add(PacketBuilder.eth().ipv4("10." + (src >>> 16 & 0xFF) + "." + (src >>> 8 & 0xFF) + "." + (src & 0xFF),
                    "203.0.113." + (1 + r.nextInt(4))).tcp(1024 + r.nextInt(60_000), 443, 0x02).build());
        }
        final Path in = dir.resolve("syn.pcap");
        try (PcapWriter w = PcapWriter.create(in); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(2048);
            for (byte[] f : syns) {
                MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
                w.write(0, buf, 0, f.length, f.length);
            }
        }
        final Map<String, Integer> a = node("a", flows, groups, in);
        final Map<String, Integer> b = node("b", flows, groups, in);
        int both = 0;
        int agree = 0;
        final int[] share = new int[BACKENDS + 2];
        for (Map.Entry<String, Integer> e : a.entrySet()) {
            final Integer other = b.get(e.getKey());
            if (other != null) {
                both++;
                agree += e.getValue().equals(other) ? 1 : 0;
            }
            share[e.getValue()]++;
        }
        System.out.printf("maglev fleet: %d of %d 5-tuples forwarded by both nodes on the same backend%n", agree, both);
        // Every SYN is accounted for: forwarded, or dropped when a loaded machine's handler
        // queue was full (counted, as OVS counts lost upcalls).
        assertEquals(TUPLES, a.size() + dropped.get("a"), "node a: forwarded + dropped\n" + summaries);
        assertEquals(TUPLES, b.size() + dropped.get("b"), "node b: forwarded + dropped\n" + summaries);
        assertTrue(both >= TUPLES / 5, "enough 5-tuples through both nodes to compare: " + both + "\n" + summaries);
        assertEquals(both, agree, "both nodes chose the same backend for every 5-tuple");
        for (int bk = 1; bk <= BACKENDS; bk++) {
            final double expected = (double) weight(bk) / weights;
            final double got = (double) share[bk + 1] / a.size();
            System.out.printf("  backend %d weight %d: %.4f of connections (weight share %.4f)%n", bk, weight(bk), got,
                    expected);
            assertTrue(Math.abs(got - expected) < 0.02, "backend " + bk + ": " + got + " vs " + expected);
        }
    }

    private static int weight(final int bucket) {
        return 1 + bucket % 3;
    }

    private final StringBuilder summaries = new StringBuilder();
    /** Each node's dropped packets, from its summary. */
    private final Map<String, Long> dropped = new HashMap<>();

    private static final java.util.regex.Pattern LOST = java.util.regex.Pattern.compile("lookups: .* lost:(\\d+)");

    /**
     * Waits until the backends' ports have sent every SYN that was not lost (or two minutes): the inputs being read
     * does not mean that the misses among them have all come back from the handlers.
     */
    private static void awaitSent(final Path rundir) throws Exception {
        final Path socket = UnixctlClient.resolve("flowgate", rundir);
        final java.util.regex.Pattern tx = java.util.regex.Pattern.compile("TX packets:(\\d+)");
        final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            final String show = UnixctlClient.call(socket, "dpctl/show", List.of("-s"), 30_000).result();
            final java.util.regex.Matcher m = tx.matcher(show);
            long sent = 0;
            while (m.find()) {
                sent += Long.parseLong(m.group(1));
            }
            final java.util.regex.Matcher lost = LOST.matcher(show);
            if (sent + (lost.find() ? Long.parseLong(lost.group(1)) : 0) >= TUPLES) {
                return;
            }
            Thread.sleep(50);
        }
    }

    /** Runs one node over the capture; returns each 5-tuple's output port. */
    private Map<String, Integer> node(final String name, final Path flows, final Path groups, final Path in)
            throws Exception {
        final List<String> args = new ArrayList<>(List.of("run", "--rundir", dir.resolve(name).toString(),
                "--flows", flows.toString(), "--groups", groups.toString(), "--pmd-idle", "backoff",
                "--port", "1=pcap:in=" + in + ",pps=25000")); // paced: every SYN is a miss
        for (int b = 1; b <= BACKENDS; b++) {
            args.add("--port");
            args.add((b + 1) + "=pcap:out=" + dir.resolve(name + "-" + (b + 1) + ".pcap"));
        }
        try (Daemon d = Daemon.start(args.toArray(new String[0]))) {
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 120, TimeUnit.SECONDS);
            awaitSent(dir.resolve(name));
            d.signal("TERM"); // outputs are closed in order
            assertEquals(0, d.awaitExit(60, TimeUnit.SECONDS), d.err());
            summaries.append("node ").append(name).append(":\n").append(d.stdout()).append(d.err()).append('\n');
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^dropped: (\\d+)").matcher(d.stdout());
            dropped.put(name, m.find() ? Long.parseLong(m.group(1)) : 0L);
        }
        final Map<String, Integer> portOf = new HashMap<>();
        for (int port = 2; port <= BACKENDS + 1; port++) {
            try (PacketReader r = PacketReader.open(dir.resolve(name + "-" + port + ".pcap"));
                 Arena arena = Arena.ofConfined()) {
                final MemorySegment buf = arena.allocate(65536);
                while (r.next()) {
                    r.copyTo(buf, 0);
                    final ByteBuffer p = ByteBuffer.wrap(buf.asSlice(0, r.capturedLength()).toArray(ValueLayout.JAVA_BYTE));
                    final String tuple = p.getInt(26) + ":" + p.getInt(30) + ":" + (p.getShort(34) & 0xFFFF);
                    portOf.put(tuple, port);
                }
            }
        }
        return portOf;
    }
}
