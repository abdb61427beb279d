package io.flowgate.daemon;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.pcap.PcapWriter;
import io.flowgate.fastpath.testing.PacketBuilder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection table survives kill -9: a {@code flowgate run} with {@code --state-dir} opens
 * 1,000 TCP connections through a round-robin select group, is killed with SIGKILL, and a new
 * process on the same state directory gets each connection's next packet, in another order than
 * the connections were opened: every one goes to the backend it had.
 */
class ConnectionRestartTest {
    private static final int CONNECTIONS = 1000;
    private static final Pattern LISTED = Pattern.compile("TCP 10\\.1\\.(\\d+)\\.(\\d+):(\\d+) -> .* ESTABLISHED group 1 bucket (\\d+)");

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void establishedConnectionsKeepTheirBackendAcrossKillDashNine() throws Exception {
        final Path flows = Files.writeString(dir.resolve("lb.flows"),
                "priority=10,tcp,in_port=1,nw_dst=192.168.0.1,tp_dst=80,actions=group:1\n");
        final Path groups = Files.writeString(dir.resolve("lb.groups"), "group_id=1,type=select,selection_method=rr,"
                + "bucket=bucket_id:1,actions=output:2,bucket=bucket_id:2,actions=output:3,"
                + "bucket=bucket_id:3,actions=output:4\n");
        final Path state = dir.resolve("state");
        final List<byte[]> open = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            open.add(packet(i, 0x02)); // SYN
        }
        for (int i = 0; i < CONNECTIONS; i++) {
            open.add(packet(i, 0x10)); // ACK: established
        }
        final Path openPcap = write(dir.resolve("open.pcap"), open);

        // Run 1: open every connection, learn where each went, then SIGKILL.
        final Map<Integer, Integer> bucketOf = new HashMap<>();
        try (Daemon d = start(dir.resolve("run1"), state, flows, groups, openPcap, "a")) {
            final Path ctl = controlSocket(d);
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 60, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (bucketOf.size() < CONNECTIONS && System.nanoTime() < deadline) {
                bucketOf.clear();
                final Matcher m = LISTED.matcher(UnixctlClient.call(ctl, "lb/connections", List.of(), 10_000).result());
                while (m.find()) {
                    bucketOf.put(Integer.parseInt(m.group(3)) - 1024, Integer.parseInt(m.group(4)));
                }
                if (bucketOf.size() < CONNECTIONS) {
                    Thread.sleep(100);
                }
            }
            assertEquals(CONNECTIONS, bucketOf.size(), "every connection established before the kill");
            d.process().destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(d.process().waitFor(30, TimeUnit.SECONDS));
        }

        // Run 2, same state directory: the next packet of every connection, newest connection first.
        final List<byte[]> next = new ArrayList<>();
        for (int i = CONNECTIONS - 1; i >= 0; i--) {
            next.add(packet(i, 0x18)); // PSH+ACK
        }
        final Path nextPcap = write(dir.resolve("next.pcap"), next);
        try (Daemon d = start(dir.resolve("run2"), state, flows, groups, nextPcap, "b")) {
            final Path ctl = controlSocket(d);
            d.awaitErr(l -> l.contains("pcap inputs replayed"), 60, TimeUnit.SECONDS);
            final String show = UnixctlClient.call(ctl, "lb/show", List.of(), 10_000).result();
            assertTrue(show.contains("restored " + CONNECTIONS + ","), show);
            final UnixctlClient.Reply check = UnixctlClient.call(ctl, "lb/check", List.of(), 10_000);
            assertEquals(null, check.error(), "counts = entries after the restart");
            UnixctlClient.call(ctl, "exit", List.of(), 10_000);
            assertTrue(d.process().waitFor(60, TimeUnit.SECONDS));
        }
        int moved = 0;
        int seen = 0;
        for (int bucket = 1; bucket <= 3; bucket++) {
            for (int conn : connectionsIn(dir.resolve("b" + (bucket + 1) + ".pcap"))) {
                seen++;
                if (bucketOf.get(conn) != bucket) {
                    moved++;
                }
            }
        }
        assertEquals(CONNECTIONS, seen, "every next packet forwarded");
        assertEquals(0, moved, "connections that changed backend across the restart");
    }

    private Daemon start(final Path rundir, final Path state, final Path flows, final Path groups, final Path in,
                         final String outPrefix) throws IOException {
        return Daemon.start("run", "--rundir", rundir.toString(), "--state-dir", state.toString(),
                "--flows", flows.toString(), "--groups", groups.toString(), "--pmd-idle", "backoff",
                "--port", "1=pcap:in=" + in, "--port", "2=pcap:out=" + dir.resolve(outPrefix + "2.pcap"),
                "--port", "3=pcap:out=" + dir.resolve(outPrefix + "3.pcap"),
                "--port", "4=pcap:out=" + dir.resolve(outPrefix + "4.pcap"));
    }

    private static Path controlSocket(final Daemon d) throws InterruptedException {
        final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        return Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
    }

    /** Connection {@code i}: 10.1.x.y:(1024+i) to 192.168.0.1:80. */
    private static byte[] packet(final int i, final int flags) {
        return PacketBuilder.eth().ipv4("10.1." + (i >> 8) + "." + (i & 0xFF), "192.168.0.1").tcp(1024 + i, 80, flags)
                .payload(8).build();
    }

    private static Path write(final Path file, final List<byte[]> frames) throws IOException {
        try (PcapWriter w = PcapWriter.create(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(2048);
            for (byte[] f : frames) {
                MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
                w.write(0, buf, 0, f.length, f.length);
            }
        }
        return file;
    }

    /** The connection numbers (source port − 1024) of the TCP packets in a capture. */
    private static List<Integer> connectionsIn(final Path pcap) throws IOException {
        final List<Integer> out = new ArrayList<>();
        try (PacketReader r = PacketReader.open(pcap); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(65536);
            while (r.next()) {
                r.copyTo(buf, 0);
                final ByteBuffer b = ByteBuffer.wrap(buf.asSlice(0, r.capturedLength()).toArray(ValueLayout.JAVA_BYTE));
                out.add((b.getShort(14 + 20) & 0xFFFF) - 1024); // Ethernet, a 20-byte IPv4 header, source port
            }
        }
        return out;
    }
}
