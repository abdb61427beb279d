package io.flowgate.bench;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.testing.PacketBuilder;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Frames for the fast-path benchmarks, held off-heap the way a NIC's buffers are: one frame per
 * 2 KB slot behind {@value PacketBatch#HEADROOM} bytes of headroom.
 */
final class Traffic implements AutoCloseable {
    static final int SLOT = 2048;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment frames;
    private final int[] lengths;

    Traffic(final List<byte[]> packets) {
        frames = arena.allocate((long) SLOT * packets.size(), 64);
        lengths = new int[packets.size()];
        for (int i = 0; i < lengths.length; i++) {
            final byte[] p = packets.get(i);
            MemorySegment.copy(p, 0, frames, ValueLayout.JAVA_BYTE, (long) SLOT * i + PacketBatch.HEADROOM, p.length);
            lengths[i] = p.length;
        }
    }

    int size() {
        return lengths.length;
    }

    long address(final int i) {
        return frames.address() + (long) SLOT * i + PacketBatch.HEADROOM;
    }

    long bufferStart(final int i) {
        return frames.address() + (long) SLOT * i;
    }

    int length(final int i) {
        return lengths[i];
    }

    /** The flow key of frame {@code i} as received on {@code inPort}. */
    long[] key(final int i, final int inPort) {
        final long[] k = new long[FlowKey.WORDS];
        new FlowExtractor(new ParseCounters()).extract(Memory.ALL, address(i), length(i), inPort, k, 0);
        return k;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** A 60-byte UDP/IPv4 frame (64 bytes on the wire with the FCS). */
    static byte[] udp(final String src, final String dst, final int sport, final int dport) {
        final byte[] f = PacketBuilder.eth("02:00:00:00:00:0b", "02:00:00:00:00:0a").ipv4(src, dst)
                .udp(sport, dport).payload(18).build();
        return java.util.Arrays.copyOf(f, Math.max(60, f.length));
    }

    /**
     * Each frame as a train of {@code length} packets of its flow, as a bulk transfer sends them:
     * the IP identification counts up (checksum updated), every other header byte repeats.
     */
    static List<byte[]> trains(final List<byte[]> frames, final int length) {
        final List<byte[]> out = new ArrayList<>(frames.size() * length);
        for (byte[] f : frames) {
            for (int j = 0; j < length; j++) {
                final byte[] p = f.clone();
                p[18] = (byte) (j >>> 8);
                p[19] = (byte) j;
                p[24] = 0;
                p[25] = 0;
                final int sum = PacketBuilder.checksum(p, 14, 20, 0);
                p[24] = (byte) (sum >>> 8);
                p[25] = (byte) sum;
                out.add(p);
            }
        }
        return out;
    }

    /**
     * {@code n} distinct UDP 5-tuples, sources in 10/8 and destinations in 172.16/12, random ports:
     * the same distribution as the OVS megaflow-count comparison in the replay oracle.
     */
    static List<byte[]> distinctUdp(final int n, final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        final Set<List<Integer>> seen = new HashSet<>();
        final List<byte[]> out = new ArrayList<>(n);
        while (out.size() < n) {
            final int s = r.nextInt(1 << 24);
            final int d = r.nextInt(1 << 20);
            final int sp = 1 + r.nextInt(65535);
            final int dp = 1 + r.nextInt(65535);
            if (!seen.add(List.of(s, d, sp, dp))) {
                continue;
            }
            out.add(udp("10." + (s >>> 16) + "." + ((s >>> 8) & 255) + "." + (s & 255),
                    "172." + (16 + (d >>> 16)) + "." + ((d >>> 8) & 255) + "." + (d & 255), sp, dp));
        }
        return out;
    }
}
