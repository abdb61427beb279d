package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ukey.Ukey;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hprio scenario: three backends of weight 5 with thresholds 50/20 and a spill-over backend
 * of weight 1 without thresholds, driven through translation, commit and ukey finish.
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

    private Ukey open(final LbRig rig) throws Exception {
        return rig.upcall(LbRig.tcp(next++, SYN));
    }

    @Test
    void topPoolRoundRobinsThenSpillsOverThenTakesBackBelowTheLowerThreshold() throws Exception {
        final LbRig rig = new LbRig(table, GROUP);
        final List<List<Ukey>> byBucket = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>());

        // 150 new connections go round-robin over the top pool, exactly 1,2,3,1,2,3,...
        for (int i = 0; i < 150; i++) {
            final Ukey u = open(rig);
            assertEquals(i % 3 + 1, LbRig.bucketOf(u), "connection " + i);
            byBucket.get(LbRig.bucketOf(u) - 1).add(u);
        }
        for (int b = 1; b <= 3; b++) {
            assertEquals(50, rig.lb.connections(1, b)[1], "bucket " + b + " inactive");
        }

        // All three at their upper threshold: new connections spill over to bucket 4.
        for (int i = 0; i < 10; i++) {
            final Ukey u = open(rig);
            assertEquals(4, LbRig.bucketOf(u));
            byBucket.get(3).add(u);
        }

        // Down to 20 each: still overloaded (cleared only below the lower threshold).
        for (int b = 0; b < 3; b++) {
            for (int k = 0; k < 30; k++) {
                LbRig.finish(byBucket.get(b).removeFirst());
            }
            assertEquals(20, rig.lb.connections(1, b + 1)[1]);
        }
        assertEquals(4, LbRig.bucketOf(byBucket.get(3).getLast()));
        final Ukey stillSpill = open(rig);
        assertEquals(4, LbRig.bucketOf(stillSpill));

        // One more ends on bucket 2: 19 < 20, so bucket 2 alone is usable again and takes all
        // new connections until it is back at 50.
        LbRig.finish(byBucket.get(1).removeFirst());
        for (int i = 0; i < 31; i++) {
            assertEquals(2, LbRig.bucketOf(open(rig)), "connection " + i + " after bucket 2 recovered");
        }
        assertEquals(50, rig.lb.connections(1, 2)[1]);
        assertEquals(4, LbRig.bucketOf(open(rig)), "bucket 2 overloaded again: spill-over");

        // Buckets 1 and 3 fall below 20 as well: the top pool shares new connections within ±1.
        for (int b : new int[] {0, 2}) {
            LbRig.finish(byBucket.get(b).removeFirst());
        }
        final int[] got = new int[5];
        for (int i = 0; i < 40; i++) {
            got[LbRig.bucketOf(open(rig))]++;
        }
        assertEquals(0, got[4], "no spill-over while the top pool has room");
        assertEquals(0, got[2], "bucket 2 is still overloaded");
        assertTrue(Math.abs(got[1] - got[3]) <= 1, "round-robin within ±1: " + got[1] + " vs " + got[3]);
        assertEquals(40, got[1] + got[3]);
    }

    @Test
    void noUsableBucketDropsAndCounts() throws Exception {
        final LbRig rig = new LbRig(table, "group_id=1,type=select,selection_method=hprio,"
                + "bucket=bucket_id:1,weight:5,upper_threshold:2,actions=output:11,"
                + "bucket=bucket_id:2,weight:0,actions=output:12");
        assertEquals(1, LbRig.bucketOf(open(rig)));
        assertEquals(1, LbRig.bucketOf(open(rig)));
        assertEquals(-1, rig.peek(LbRig.tcp(next++, SYN)), "overloaded, and weight 0 quiesces bucket 2");
        assertEquals(1, rig.lb.counters().noUsableBucket.sum());
    }
}
