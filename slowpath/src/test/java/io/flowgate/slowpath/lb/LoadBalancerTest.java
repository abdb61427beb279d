package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ukey.Ukey;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connections keep their bucket, are counted once, and survive a restart of the process. */
class LoadBalancerTest {
    private static final String RR3 = "group_id=1,type=select,selection_method=rr,"
            + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:2,actions=output:12,"
            + "bucket=bucket_id:3,actions=output:13";
    private static final String SYN = "0x002";
    private static final String ACK = "0x010";
    private static final int TCP_ACK = 0x10;
    private static final int TCP_FIN = 0x01;

    @Test
    void aConnectionKeepsItsBucketAndItsMegaflowIsTheExactFiveTuple() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final Ukey first = rig.upcall(LbRig.tcp(7, SYN));
            final Ukey other = rig.upcall(LbRig.tcp(8, SYN)); // moves the round-robin on
            // The same connection again (its flow was replaced): the same bucket, not the next one.
            final Ukey again = rig.upcall(LbRig.tcp(7, ACK));
            assertEquals(LbRig.bucketOf(first), LbRig.bucketOf(again));
            assertEquals(1, rig.lb.connections(1, LbRig.bucketOf(first))[1], "counted once");
            final String megaflow = first.xlate().megaflow();
            assertTrue(megaflow.contains("nw_src=10.0.0.7,") && megaflow.contains("tp_src=1031"), megaflow);
            // The replaced ukey finishing does not end the connection its successor holds.
            LbRig.finish(first);
            assertEquals(2, table.size());
            assertEquals(1, rig.lb.connections(1, LbRig.bucketOf(again))[1]);
            LbRig.finish(again);
            assertEquals(1, table.size(), "only connection 8 is left");
            assertEquals(0, rig.lb.connections(1, LbRig.bucketOf(again))[1]);
            LbRig.finish(again); // a second finish is no finish
            assertEquals(1, rig.lb.counters().ended.sum());
            LbRig.finish(other);
            assertEquals(0, table.size());
        }
    }

    @Test
    void ackMakesAConnectionActiveAndFinEndsIt() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final Ukey u = rig.upcall(LbRig.tcp(1, SYN));
            final int b = LbRig.bucketOf(u);
            assertFalse(rig.lb.track(u), "no flags seen yet");
            assertArrayEquals(new int[] {0, 1}, rig.lb.connections(1, b));
            u.flow().hit(3, 180, TCP_ACK, System.currentTimeMillis());
            assertFalse(rig.lb.track(u));
            assertArrayEquals(new int[] {1, 0}, rig.lb.connections(1, b), "established: active");
            u.flow().hit(1, 60, TCP_FIN | TCP_ACK, System.currentTimeMillis());
            assertTrue(rig.lb.track(u), "FIN: the revalidator deletes the flow");
            LbRig.finish(u);
            assertArrayEquals(new int[] {0, 0}, rig.lb.connections(1, b));
        }
    }

    @Test
    void establishedConnectionsKeepTheirBucketsAcrossARestart(@TempDir final Path dir) throws Exception {
        final int[] bucket = new int[300];
        try (ConnectionTable table = ConnectionTable.open(dir, 10_000)) {
            final LbRig rig = new LbRig(table, RR3);
            for (int i = 0; i < bucket.length; i++) {
                bucket[i] = LbRig.bucketOf(rig.upcall(LbRig.tcp(i, SYN)));
            }
        } // closed without finishing any ukey: the process "died" with its connections open
        try (ConnectionTable table = ConnectionTable.open(dir, 10_000)) {
            assertEquals(300, table.size());
            final LbRig rig = new LbRig(table, RR3);
            assertEquals(300, rig.lb.counters().restored.sum());
            assertEquals(100, rig.lb.connections(1, 1)[1], "restored connections count on their buckets");
            // Continue every connection, in another order than they were opened.
            for (int i = bucket.length - 1; i >= 0; i--) {
                assertEquals(bucket[i], LbRig.bucketOf(rig.upcall(LbRig.tcp(i, ACK))), "connection " + i);
            }
            assertEquals(100, rig.lb.connections(1, 1)[1], "adopted, not counted again");
        }
    }

    @Test
    void connectionsOfBucketsThatNoLongerExistAreDroppedAtStartAndCounted(@TempDir final Path dir) throws Exception {
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            final LbRig rig = new LbRig(table, RR3);
            for (int i = 0; i < 9; i++) {
                rig.upcall(LbRig.tcp(i, SYN));
            }
        }
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            final LbRig rig = new LbRig(table, "group_id=1,type=select,selection_method=rr,"
                    + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:2,actions=output:12");
            assertEquals(3, rig.lb.counters().staleDropped.sum());
            assertEquals(6, rig.lb.counters().restored.sum());
            assertEquals(6, table.size());
        }
    }

    @Test
    void aCorruptStateFileIsMovedAsideAndFlowgateStartsClean(@TempDir final Path dir) throws Exception {
        Files.write(dir.resolve(ConnectionTable.FILE_NAME), "not a chronicle map, just some bytes".repeat(100).getBytes());
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            assertNotNull(table.movedAside());
            assertTrue(Files.exists(table.movedAside()));
            assertTrue(table.movedAside().getFileName().toString().startsWith("connections.dat.corrupt-"));
            assertEquals(0, table.size());
            final LbRig rig = new LbRig(table, RR3);
            assertEquals(1, LbRig.bucketOf(rig.upcall(LbRig.tcp(1, SYN))));
        }
    }

    @Test
    void restoredConnectionsThatNeverComeBackExpire(@TempDir final Path dir) throws Exception {
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            final LbRig rig = new LbRig(table, RR3);
            rig.upcall(LbRig.tcp(1, SYN));
            rig.upcall(LbRig.tcp(2, SYN));
        }
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            final LbRig rig = new LbRig(table, RR3);
            rig.upcall(LbRig.tcp(1, ACK)); // adopted: held by a flow, never expires as an orphan
            assertEquals(0, rig.lb.expireOrphans(System.currentTimeMillis(), 10_000));
            assertEquals(1, rig.lb.expireOrphans(System.currentTimeMillis() + 10_001, 10_000));
            assertEquals(1, table.size());
            assertEquals(0, rig.lb.connections(1, 2)[1]);
        }
    }

    @Test
    void aCommitTheTableRefusesCountsNothing() throws Exception {
        // A table of 16 entries refuses puts once it is full: each refused commit must leave the
        // backends' counts equal to what the table holds.
        try (ConnectionTable table = ConnectionTable.inMemory(16)) {
            final LbRig rig = new LbRig(table, RR3);
            int refused = 0;
            for (int n = 1; n < 5000 && refused < 50; n++) {
                try {
                    rig.upcall(LbRig.tcp(n, "0x002"));
                } catch (RuntimeException e) {
                    refused++;
                }
            }
            assertTrue(refused > 0, "the table filled up");
            int counted = 0;
            for (int b = 1; b <= 3; b++) {
                final int[] c = rig.lb.connections(1, b);
                counted += c[0] + c[1];
            }
            assertEquals(table.size(), counted, "connections counted = connections in the table");
        }
    }
}
