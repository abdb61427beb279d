package io.flowgate.bench;

import io.flowgate.fastpath.pcap.PcapWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the end-to-end benchmark's captures and rules into a directory: W1 one UDP flow, W2 and
 * W3 10,000 distinct UDP 5-tuples (64-byte frames); route.flows (one /8 rule) and acl.flows (the
 * seven-rule ACL of the megaflow comparison). Used by {@code ci/bench-e2e}.
 */
public final class E2eTraffic {
    private E2eTraffic() {
    }

    public static void main(final String[] args) throws Exception {
        final Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        write(dir.resolve("w1.pcap"), List.of(Traffic.udp("10.0.0.1", "172.16.0.1", 40000, 8080)));
        write(dir.resolve("w2.pcap"), Traffic.distinctUdp(10_000, 10_000));
        Files.writeString(dir.resolve("route.flows"), "priority=1,ip,nw_dst=172.0.0.0/8,actions=output:2\n");
        Files.writeString(dir.resolve("acl.flows"), PipelineBenchmark.ACL);
    }

    private static void write(final Path file, final List<byte[]> frames) throws Exception {
        try (PcapWriter w = PcapWriter.create(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(2048);
            long t = 1_700_000_000_000_000_000L;
            for (byte[] f : frames) {
                MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
                w.write(t += 1_000, buf, 0, f.length, f.length);
            }
        }
    }
}
