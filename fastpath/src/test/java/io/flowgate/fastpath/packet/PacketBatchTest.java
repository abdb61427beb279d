package io.flowgate.fastpath.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PacketBatchTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void drainingHandsOverEveryMbufStillHeldInPacketOrderAndNoneTwice(final long seed) {
        final SplittableRandom r = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined(); PacketBatch batch = PacketBatch.borrowing()) {
            final MemorySegment list = arena.allocate(8L * PacketBatch.MAX_BURST, 64);
            final int n = 1 + r.nextInt(PacketBatch.MAX_BURST);
            for (int i = 0; i < n; i++) {
                batch.addBorrowed(0x1000L * (i + 1), 60, 0x10_0000L + i, 0, 0x1000L * (i + 1));
            }
            // Some were sent (a transmit queue took them), the others are to be freed.
            final long[] expected = new long[n];
            int held = 0;
            for (int i = 0; i < n; i++) {
                if (r.nextBoolean()) {
                    batch.takeMbuf(i);
                } else {
                    expected[held++] = 0x10_0000L + i;
                }
            }
            assertEquals(held, batch.mbufsHeld());

            assertEquals(held, batch.drainMbufs(list.address()));
            for (int j = 0; j < held; j++) {
                assertEquals(expected[j], list.getAtIndex(ValueLayout.JAVA_LONG, j), "mbuf " + j);
            }
            assertEquals(0, batch.mbufsHeld());
            assertEquals(0, batch.drainMbufs(list.address()), "nothing is handed over twice");
        }
    }
}
