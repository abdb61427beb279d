package io.flowgate.daemon.reconfig;

import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.pcap.PcapWriter;
import io.flowgate.fastpath.testing.PacketBuilder;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The soak's traffic and its check. One pass of an input port's capture holds {@code newFlows}
 * flows of two packets each (the second a few packets after the first, so it often arrives while
 * the first is with the slow path) and a set of established flows that keep coming back. Every
 * packet carries its flow's id, its number within the pass and the flow's packets per pass, so
 * the outputs can be checked flow by flow: each flow's packets must come out numbered 0, 1, …,
 * count−1, 0, 1, … — nothing lost, repeated or reordered, over any number of passes.
 */
final class SoakTraffic {
    static final int MAGIC = 0x5EED_F10E;

    private SoakTraffic() {
    }

    /** Writes one pass of port {@code port}'s traffic; returns its packets. */
    static int write(final Path file, final int port, final int newFlows, final int established) throws IOException {
        final int[] established0 = new int[established];
        int packets = 0;
        // Count the established flows' packets first, so each packet can say how many there are.
        final int[] count = new int[established];
        for (int i = 0; i < newFlows; i++) {
            if (i % 2 == 0) {
                count[(i / 2) % established]++;
            }
        }
        try (PcapWriter w = PcapWriter.create(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(256);
            for (int i = 0; i < newFlows + 4; i++) {
                if (i < newFlows) {
                    packets += put(w, buf, frame(port, true, i, 0, 2));
                }
                if (i >= 4) {
                    packets += put(w, buf, frame(port, true, i - 4, 1, 2));
                }
                if (i < newFlows && i % 2 == 0) {
                    final int e = (i / 2) % established;
                    packets += put(w, buf, frame(port, false, e, established0[e]++, count[e]));
                }
            }
        }
        return packets;
    }

    private static int put(final PcapWriter w, final MemorySegment buf, final byte[] f) throws IOException {
        MemorySegment.copy(f, 0, buf, ValueLayout.JAVA_BYTE, 0, f.length);
        w.write(0, buf, 0, f.length, f.length);
        return 1;
    }

    /** A packet of flow {@code id} (new or established) of port {@code port}: number {@code seq} of {@code count}. */
    static byte[] frame(final int port, final boolean fresh, final int id, final int seq, final int count) {
        final int flow = port << 24 | (fresh ? 0 : 1 << 23) | id;
        final byte[] payload = ByteBuffer.allocate(16).putInt(MAGIC).putInt(flow).putInt(seq).putInt(count).array();
        final String src = (fresh ? "10." : "11.") + port + "." + (id >>> 8 & 0xFF) + "." + (id & 0xFF);
        return PacketBuilder.eth().ipv4(src, "172.16.0.1").udp(1024 + (id & 0x3FFF), 5000 + port).payload(payload)
                .build();
    }

    /** What the check found in the outputs. */
    record Check(long packets, int flows, long outOfOrder, String firstProblem) {
    }

    /** Checks every flow in these captures: numbered 0..count-1 again and again, nothing missing. */
    static Check check(final Path... outputs) throws IOException {
        final Map<Integer, Integer> next = new HashMap<>();
        long packets = 0;
        long bad = 0;
        String first = null;
        for (Path out : outputs) {
            try (PacketReader r = PacketReader.open(out); Arena arena = Arena.ofConfined()) {
                final MemorySegment buf = arena.allocate(65536);
                while (r.next()) {
                    r.copyTo(buf, 0);
                    final int len = r.capturedLength();
                    final ByteBuffer p = ByteBuffer.wrap(buf.asSlice(len - 16, 16).toArray(ValueLayout.JAVA_BYTE))
                            .order(ByteOrder.BIG_ENDIAN);
                    if (p.getInt() != MAGIC) {
                        bad++;
                        first = first == null ? "a packet that is not the soak's in " + out : first;
                        continue;
                    }
                    final int flow = p.getInt();
                    final int seq = p.getInt();
                    final int count = p.getInt();
                    final int expected = next.getOrDefault(flow, 0);
                    if (seq != expected) {
                        bad++;
                        if (first == null) {
                            first = String.format("flow %08x: packet %d of %d came where %d was due (%s, packet %d)",
                                    flow, seq, count, expected, out.getFileName(), packets);
                        }
                    }
                    next.put(flow, (seq + 1) % count);
                    packets++;
                }
            }
        }
        return new Check(packets, next.size(), bad, first);
    }
}
