package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The count of upcalls in flight per hash and per share key (here one per input port), against maps as the model: many
 * hashes that share table slots (the same low bits), taken and answered in random order, so every
 * way of closing a gap in a probe run is met.
 */
class ParkingTest {
    @Test
    void inFlightCountsMatchAModelWhateverTheOrderOfAnswers() {
        try (Parking parking = new Parking()) {
            final Map<Long, Integer> model = new HashMap<>();
            final Map<Integer, Integer> ports = new HashMap<>();
            final List<Long> outstanding = new ArrayList<>();
            final SplittableRandom r = new SplittableRandom(11);
            // Hashes crowded into six home slots at the end and the start of the table (the slot is
            // the low 15 bits when bits 29 to 43 are 0): long probe runs that wrap around.
            final long[] homes = {0x7FF9, 0x7FFB, 0x7FFD, 0x7FFF, 0x0001, 0x0003};
            final long[] hashes = new long[3_000];
            for (int i = 0; i < hashes.length; i++) {
                hashes[i] = ((long) r.nextInt(1 << 20) << 44) | homes[r.nextInt(homes.length)];
            }
            for (int step = 0; step < 200_000; step++) {
                if (outstanding.isEmpty() || (r.nextInt(100) < 52 && outstanding.size() < 10_000)) {
                    final long h = hashes[r.nextInt(hashes.length)];
                    parking.upcalled(h, Parking.shareKey(port(h), 0));
                    model.merge(h, 1, Integer::sum);
                    ports.merge(port(h), 1, Integer::sum);
                    outstanding.add(h);
                } else {
                    final long h = outstanding.remove(r.nextInt(outstanding.size()));
                    parking.answered(h);
                    model.merge(h, -1, Integer::sum);
                    ports.merge(port(h), -1, Integer::sum);
                }
                if (step % 997 == 0) {
                    for (long h : hashes) {
                        assertEquals(model.getOrDefault(h, 0) > 0, parking.busy(h), "hash " + Long.toHexString(h));
                        assertEquals(model.getOrDefault(h, 0) > 0, parking.upcalling(h));
                    }
                    for (int p = 0; p < 5; p++) {
                        assertEquals(ports.getOrDefault(p, 0) > 0, parking.sharing(Parking.shareKey(p, 0)), "port " + p);
                    }
                }
            }
            while (!outstanding.isEmpty()) {
                final long h = outstanding.removeLast();
                parking.answered(h);
            }
            assertEquals(0, parking.upcalls());
            for (int p = 0; p < 5; p++) {
                assertEquals(false, parking.sharing(Parking.shareKey(p, 0)));
            }
            for (long h : hashes) {
                assertEquals(false, parking.busy(h));
            }
        }
    }

    /** Five input ports, by a hash bit pattern unrelated to the table slot. */
    private static int port(final long h) {
        return (int) ((h >>> 44) % 5);
    }
}
