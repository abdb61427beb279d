package io.flowgate.bench;

import io.flowgate.fastpath.pcap.PcapWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Writes the end-to-end benchmark's captures and rules into a directory (64-byte UDP frames):
 * <ul>
 * <li>{@code w1.pcap}: one flow;</li>
 * <li>{@code w2.pcap}: 10,000 distinct 5-tuples, each once (W2 and W3);</li>
 * <li>{@code w4.pcap}: 100,000 distinct 5-tuples, each once (W4: more flows than any EMC holds);</li>
 * <li>{@code w5.pcap}: 100,000 packets, 99 of every 100 from W2's 5-tuples in turn and every
 *     100th of a 5-tuple seen nowhere else in the capture (W5: 1 % of packets open a flow);</li>
 * <li>{@code route.flows} (one /8 rule) and {@code acl.flows} (the seven-rule ACL of the megaflow
 *     comparison).</li>
 * </ul>
 * Used by {@code ci/bench-e2e}.
 */
public final class E2eTraffic {
    private E2eTraffic() {
    }

    public static void main(final String[] args) throws Exception {
        final Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        write(dir.resolve("w1.pcap"), List.of(Traffic.udp("10.0.0.1", "172.16.0.1", 40000, 8080)));
        final List<byte[]> w2 = Traffic.distinctUdp(10_000, 10_000);
        write(dir.resolve("w2.pcap"), w2);
        // Another seed, so W4's and W5's new 5-tuples are unlikely to be W2's (W5 checks).
        final List<byte[]> many = Traffic.distinctUdp(100_000, 100_001);
        write(dir.resolve("w4.pcap"), many);
        final Set<String> known = new HashSet<>();
        for (byte[] f : w2) {
            known.add(HexFormat.of().formatHex(f));
        }
        final List<byte[]> w5 = new ArrayList<>(100_000);
        int fresh = 0;
        for (int i = 0; w5.size() < 100_000; i++) {
            if (w5.size() % 100 == 99) {
                byte[] f;
                do {
                    f = many.get(fresh++);
                } while (known.contains(HexFormat.of().formatHex(f)));
                w5.add(f);
            } else {
                w5.add(w2.get(i % w2.size()));
            }
        }
        write(dir.resolve("w5.pcap"), w5);
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
