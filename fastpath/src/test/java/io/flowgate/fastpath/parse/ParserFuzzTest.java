package io.flowgate.fastpath.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.testing.TestResources;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * One million random and mutated frames: the parser never throws, never reads outside the frame
 * (each frame sits in a segment of exactly its size, so an outside read would throw), returns
 * offsets inside the frame, and is deterministic.
 */
class ParserFuzzTest {
    private static final int FRAMES = Integer.getInteger("flowgate.fuzz.frames", 1_000_000);

    @Test
    void millionRandomAndMutatedFramesNeverThrowNorReadOutsideTheFrame() throws Exception {
        final List<byte[]> seeds = new ArrayList<>();
        try (PacketReader reader = PacketReader.open(TestResources.path("oracle/parse/packets.pcap"));
             Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(65536);
            while (reader.next()) {
                reader.copyTo(buf, 0);
                seeds.add(buf.asSlice(0, reader.capturedLength()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        final SplittableRandom random = new SplittableRandom(20261121L);
        final ParseCounters counters = new ParseCounters();
        final FlowExtractor one = new FlowExtractor(counters, 1);
        final FlowExtractor two = new FlowExtractor(counters, 2);
        final long[] key = new long[FlowKey.WORDS * 2];
        final long[] again = new long[FlowKey.WORDS];
        long parsed = 0;
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(4096);
            for (int n = 0; n < FRAMES; n++) {
                final byte[] frame = n % 4 == 0 ? randomFrame(random)
                        : FlowExtractorTestSupport.mutate(seeds.get(random.nextInt(seeds.size())), random, 0, Integer.MAX_VALUE);
                final MemorySegment exact = buf.asSlice(0, frame.length);
                MemorySegment.copy(frame, 0, exact, ValueLayout.JAVA_BYTE, 0, frame.length);
                final FlowExtractor parser = (n & 1) == 0 ? one : two;
                final long offsets = parser.extract(exact, 0, frame.length, n, key, FlowKey.WORDS);
                if (offsets == FlowExtractor.DROP) {
                    assertTrue(frame.length < 14);
                } else {
                    final int l3 = FlowExtractor.l3Offset(offsets);
                    final int l4 = FlowExtractor.l4Offset(offsets);
                    assertTrue(l3 == FlowExtractor.NO_OFFSET || l3 <= frame.length, "l3 offset inside the frame");
                    assertTrue(l4 == FlowExtractor.NO_OFFSET || l4 <= frame.length, "l4 offset inside the frame");
                }
                assertEquals(n, (int) key[FlowKey.WORDS + FlowKey.W_IN_PORT]);
                if (FlowKey.dlType(key, FlowKey.WORDS) == FlowKey.ETH_TYPE_IP) {
                    for (int w = 0; w < FlowKey.WORDS; w++) {
                        if (FlowKey.zeroInIpv4(w)) {
                            assertEquals(0, key[FlowKey.WORDS + w], "word " + w + " of an IPv4 key is zero (the EMC relies on it)");
                        }
                    }
                }
                if ((n & 0xFF) == 0) {
                    assertEquals(offsets, parser.extract(exact, 0, frame.length, n, again, 0));
                    for (int i = 0; i < FlowKey.WORDS; i++) {
                        assertEquals(key[FlowKey.WORDS + i], again[i], "parse is deterministic");
                    }
                }
                parsed++;
            }
        }
        assertEquals(FRAMES, parsed);
        assertTrue(counters.malformed() > 0, "the mutations produced malformed frames");
    }

    private static byte[] randomFrame(final SplittableRandom r) {
        final byte[] f = new byte[r.nextInt(0, 200)];
        for (int i = 0; i < f.length; i++) {
            f[i] = (byte) r.nextInt(256);
        }
        if (f.length >= 14 && r.nextBoolean()) {
            // Steer toward parsed protocols so the fuzz reaches deep code.
            final int[] types = {0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8, 0x8035, 0x0040};
            final int t = types[r.nextInt(types.length)];
            f[12] = (byte) (t >>> 8);
            f[13] = (byte) t;
        }
        return f;
    }
}
