package io.flowgate.slowpath.lb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hprio scenario: three backends of weight 5 with thresholds 50/20 and a spill-over backend
 * of weight 1 without thresholds, driven through handler translations; connections end by RST
 * and CLOSE's timeout.
 */
class HprioSchedulerTest {
    private static final String GROUP = "group_id=1,type=select,selection_method=hprio,"
            + "bucket=bucket_id:1,weight:5,upper_threshold:50,lower_threshold:20,actions=output:11,"
            + "bucket=bucket_id:2,weight:5,upper_threshold:50,lower_threshold:20,actions=output:12,"
            + "bucket=bucket_id:3,weight:5,upper_threshold:50,lower_threshold:20,actions=output:13,"
            + "bucket=bucket_id:4,weight:1,actions=output:14";
    private static final String SYN = "0x002";

    private final ConnectionTable table = ConnectionTable.inMemory(10_000);
    private int next;

    @AfterEach
    void close() {
        table.close();
    }

    /** Opens a new connection; returns its number (its bucket is {@code rig.packet} of it). */
    private int open(final LbRig rig, final List<List<Integer>> byBucket) throws Exception {
        final int n = next++;
        final int b = rig.packet(LbRig.tcp(n, LbRig.SYN));
        if (byBucket != null) {
            byBucket.get(b - 1).add(n);
        }
        return b;
    }

    @Test
    void topPoolRoundRobinsThenSpillsOverThenTakesBackBelowTheLowerThreshold() throws Exception {
        final LbRig rig = new LbRig(table, GROUP);
        final List<List<Integer>> byBucket = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>());

        // 150 new connections go round-robin over the top pool, exactly 1,2,3,1,2,3,...
        for (int i = 0; i < 150; i++) {
            assertEquals(i % 3 + 1, open(rig, byBucket), "connection " + i);
        }
        for (int b = 1; b <= 3; b++) {
            assertEquals(50, rig.inactive(b), "bucket " + b + " inactive");
        }

        // All three at their upper threshold: new connections spill over to bucket 4.
        for (int i = 0; i < 10; i++) {
            assertEquals(4, open(rig, byBucket));
        }

        // Down to 20 each: still overloaded (cleared only below the lower threshold).
        for (int b = 0; b < 3; b++) {
            for (int k = 0; k < 30; k++) {
                rig.end(byBucket.get(b).removeFirst());
            }
            assertEquals(20, rig.inactive(b + 1));
        }
        assertEquals(4, open(rig, byBucket), "still spilling over");

        // One more ends on bucket 2: 19 < 20, so bucket 2 alone is usable again and takes all
        // new connections until it is back at 50.
        rig.end(byBucket.get(1).removeFirst());
        for (int i = 0; i < 31; i++) {
            assertEquals(2, open(rig, byBucket), "connection " + i + " after bucket 2 recovered");
        }
        assertEquals(50, rig.inactive(2));
        assertEquals(4, open(rig, byBucket), "bucket 2 overloaded again: spill-over");

        // Buckets 1 and 3 fall below 20 as well: the top pool shares new connections within ±1.
        for (int b : new int[] {0, 2}) {
            rig.end(byBucket.get(b).removeFirst());
        }
        final int[] got = new int[5];
        for (int i = 0; i < 40; i++) {
            got[open(rig, null)]++;
        }
        assertEquals(0, got[4], "no spill-over while the top pool has room");
        assertEquals(0, got[2], "bucket 2 is still overloaded");
        assertTrue(Math.abs(got[1] - got[3]) <= 1, "round-robin within ±1: " + got[1] + " vs " + got[3]);
        assertEquals(40, got[1] + got[3]);
        assertEquals(List.of(), rig.lb.countMismatches());
    }

    @Test
    void noUsableBucketDropsAndCounts() throws Exception {
        final LbRig rig = new LbRig(table, "group_id=1,type=select,selection_method=hprio,"
                + "bucket=bucket_id:1,weight:5,upper_threshold:2,actions=output:11,"
                + "bucket=bucket_id:2,weight:0,actions=output:12");
        assertEquals(1, open(rig, null));
        assertEquals(1, open(rig, null));
        assertEquals(-1, open(rig, null), "overloaded, and weight 0 quiesces bucket 2");
        assertEquals(1, rig.lb.counters().noUsableBucket.sum());
    }
}
