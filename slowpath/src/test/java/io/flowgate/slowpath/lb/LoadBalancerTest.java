package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.xlate.XlateResult;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.flowgate.slowpath.lb.LbRig.ACK;
import static io.flowgate.slowpath.lb.LbRig.FIN_ACK;
import static io.flowgate.slowpath.lb.LbRig.RST;
import static io.flowgate.slowpath.lb.LbRig.SYN;
import static io.flowgate.slowpath.lb.LbRig.reply;
import static io.flowgate.slowpath.lb.LbRig.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection table is the truth and flows are a cache of it: connections keep their bucket
 * through anything that happens to their flows, move through IPVS's TCP states, end by timeout
 * only, are counted once, and survive a restart of the process.
 */
class LoadBalancerTest {
    private static final String RR3 = "group_id=1,type=select,selection_method=rr,"
            + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:2,actions=output:12,"
            + "bucket=bucket_id:3,actions=output:13";
    private static final int TCP_ACK = 0x10;

    @Test
    void aConnectionKeepsItsBucketAndItsMegaflowIsTheExactFiveTuple() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final XlateResult first = rig.translate(tcp(7, SYN));
            rig.packet(tcp(8, SYN)); // moves the round-robin on
            assertEquals(LbRig.bucketOf(first), rig.packet(tcp(7, ACK)), "the same connection: the same bucket");
            assertEquals(1, rig.active(LbRig.bucketOf(first)), "counted once, established by its ACK");
            final String megaflow = first.megaflow();
            assertTrue(megaflow.contains("nw_src=10.0.0.7,") && megaflow.contains("tp_src=1031"), megaflow);
            assertEquals(2, table.size());
            assertEquals(List.of(), rig.lb.countMismatches());
        }
    }

    @Test
    void aFlowIsOnlyACacheItsDeletionNeverEndsTheConnection() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final Ukey u = rig.install(tcp(1, SYN));
            final int b = LbRig.bucketOf(u);
            rig.packet(tcp(2, SYN));
            rig.packet(tcp(3, SYN));
            // Purged, idled out, cut by the flow limit: the ukey is finished; the connection is not.
            u.transition(io.flowgate.slowpath.ukey.UkeyState.DELETED);
            assertEquals(3, table.size());
            assertEquals(b, rig.packet(tcp(1, ACK)), "its next packet finds it");
            assertEquals(1, rig.active(b));
        }
    }

    @Test
    void tcpStatesMoveAsIpvsMovesThemAndCountsFollow() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final int b = rig.packet(tcp(1, SYN));
            assertEquals(ConnState.SYN_RECV, state(rig, 1));
            assertEquals(1, rig.inactive(b));
            rig.packet(tcp(1, ACK));
            assertEquals(ConnState.ESTABLISHED, state(rig, 1));
            assertEquals(1, rig.active(b));
            assertEquals(0, rig.inactive(b));
            // Replies pass through the same group (as in IPVS's NAT mode): the client's FIN, the
            // server's FIN-ACK, the client's last ACK: TIME_WAIT.
            assertEquals(b, rig.packet(reply(1, ACK)), "a reply goes to its connection's bucket");
            assertEquals(ConnState.ESTABLISHED, state(rig, 1));
            assertEquals(b, rig.packet(tcp(1, FIN_ACK)));
            assertEquals(ConnState.CLOSE_WAIT, state(rig, 1));
            assertEquals(b, rig.packet(reply(1, FIN_ACK)));
            assertEquals(ConnState.TIME_WAIT, state(rig, 1));
            assertEquals(b, rig.packet(tcp(1, ACK)));
            assertEquals(ConnState.TIME_WAIT, state(rig, 1));
            // More packets in TIME_WAIT: the same bucket, no new connection.
            assertEquals(b, rig.packet(tcp(1, ACK)));
            assertEquals(1, table.size());
            assertEquals(1, rig.inactive(b));
            // The entry ends after TIME_WAIT, and its count is released once.
            final long now = System.currentTimeMillis();
            assertEquals(0, rig.lb.expire(now + 60_000));
            assertEquals(1, rig.lb.expire(now + 120_001 + 1000));
            assertEquals(0, rig.lb.expire(now + 1_000_000));
            assertEquals(0, table.size());
            assertEquals(0, rig.inactive(b));
            assertEquals(1, rig.lb.counters().expired.sum());
        }
    }

    @Test
    void withoutRepliesTheInputOnlyTableApplies() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            rig.packet(tcp(1, SYN));
            rig.packet(tcp(1, ACK));
            rig.packet(tcp(1, FIN_ACK));
            assertEquals(ConnState.FIN_WAIT, state(rig, 1), "IPVS direct routing: FIN in ESTABLISHED is FIN_WAIT");
            rig.packet(tcp(1, FIN_ACK));
            assertEquals(ConnState.FIN_WAIT, state(rig, 1));
            rig.packet(tcp(1, ACK));
            assertEquals(ConnState.TIME_WAIT, state(rig, 1), "FIN, FIN-ACK, ACK: TIME_WAIT");
            rig.packet(tcp(1, RST));
            assertEquals(ConnState.CLOSE, state(rig, 1));
            // A mid-stream packet of an unknown connection is picked up as established.
            rig.packet(tcp(2, ACK));
            assertEquals(ConnState.ESTABLISHED, state(rig, 2));
            final String udp = "in_port=1,udp,nw_src=10.0.0.9,nw_dst=192.168.0.1,tp_src=5000,tp_dst=53";
            rig.packet(udp);
            assertEquals(List.of(), rig.lb.countMismatches());
            assertTrue(rig.lb.listConnections(-1, System.currentTimeMillis()).contains("UDP 10.0.0.9:5000 -> 192.168.0.1:53"));
        }
    }

    @Test
    void controlPacketsComeUpOneByOneAndRevalidatorsFeedTheDataFlowsAcks() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final Ukey syn = rig.install(tcp(1, SYN));
            final int b = LbRig.bucketOf(syn);
            assertTrue(syn.xlate().megaflow().contains("tcp_flags="), syn.xlate().megaflow());
            assertFalse(rig.track(syn, 0), "no packet on the flow yet");
            assertEquals(1, rig.inactive(b));
            final Ukey data = rig.install(tcp(1, ACK)); // the handshake's ACK misses the SYN flow
            assertEquals(1, rig.active(b), "established: active");
            data.flow().hit(3, 180, TCP_ACK, System.currentTimeMillis());
            assertFalse(rig.track(data, 3));
            rig.install(tcp(1, FIN_ACK)); // a FIN misses the data flow: seen at once
            assertEquals(ConnState.FIN_WAIT, state(rig, 1));
            assertEquals(1, rig.inactive(b));
            data.flow().hit(1, 60, TCP_ACK, System.currentTimeMillis());
            assertFalse(rig.track(data, 1), "the ACK after the FIN: the connection goes on, and so does its flow");
            assertEquals(ConnState.TIME_WAIT, state(rig, 1));
            assertFalse(rig.track(data, 0));
            rig.lb.expire(System.currentTimeMillis() + 121_000);
            assertTrue(rig.track(data, 0), "its connection timed out: the flow goes, the next packet is a new one");
            assertEquals(0, rig.inactive(b));
            assertEquals(1, rig.lb.counters().flowsEnded.sum());
        }
    }

    @Test
    void aTranslationAgainstAnOlderVersionNeitherResetsNorSchedulesOnIt() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, "group_id=1,type=select,selection_method=rr,"
                    + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:2,actions=output:12");
            final PipelineVersion older = rig.pipeline.current();
            rig.modGroup(RR3); // version N adds bucket 3
            for (int i = 0; i < 6; i++) {
                rig.packet(tcp(i, SYN));
            }
            final int[] before = {rig.inactive(1), rig.inactive(2), rig.inactive(3)};
            assertEquals(2, before[2], "bucket 3 took its turns");
            // A revalidator's round against version N-1 (its normal window): it reads, it changes nothing.
            for (int i = 0; i < 6; i++) {
                final XlateResult r = rig.revalidate(older, tcp(i, ACK));
                assertEquals(rig.lb.bucketOf(1, r.key()), LbRig.bucketOf(r));
            }
            // A handler's translation against N-1: the connection's bucket, even one N-1 lacks.
            for (int i = 0; i < 6; i++) {
                rig.xlate.translate(older, io.flowgate.slowpath.syntax.FlowSyntax.parseFlow(tcp(i, SYN)));
            }
            assertEquals(before[0], rig.inactive(1));
            assertEquals(before[1], rig.inactive(2));
            assertEquals(before[2], rig.inactive(3), "bucket 3's count does not restart at 0");
            assertEquals(List.of(), rig.lb.countMismatches());
        }
    }

    @Test
    void aRemovedBucketKeepsItsConnectionsUntilTheyEndAndTakesThemBackWhenReAdded() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3);
            final int[] bucket = new int[9];
            for (int i = 0; i < 9; i++) {
                bucket[i] = rig.packet(tcp(i, SYN));
                rig.packet(tcp(i, ACK));
            }
            rig.modGroup("group_id=1,type=select,selection_method=rr,"
                    + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:3,actions=output:13");
            for (int i = 0; i < 9; i++) {
                assertEquals(bucket[i], rig.packet(tcp(i, ACK)), "connection " + i);
            }
            assertEquals(3, rig.active(2), "bucket 2 is out of the pool, its connections are not");
            for (int i = 100; i < 110; i++) {
                assertTrue(rig.packet(tcp(i, SYN)) != 2, "no new connection for a removed bucket");
            }
            rig.modGroup(RR3); // back with the same id
            assertEquals(3, rig.active(2), "it takes its live connections back");
            assertTrue(rig.lb.show().contains("bucket 2: weight 1, 3 active"), rig.lb.show());
            assertEquals(List.of(), rig.lb.countMismatches());
        }
    }

    @Test
    void withExpireNodestConnARemovedBucketsConnectionsAreDroppedAndCounted() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(1000)) {
            final LbRig rig = new LbRig(table, RR3.replace("selection_method=rr,", "selection_method=rr,expire_nodest_conn=true,"));
            final int[] bucket = new int[6];
            for (int i = 0; i < 6; i++) {
                bucket[i] = rig.packet(tcp(i, SYN));
            }
            rig.modGroup("group_id=1,type=select,selection_method=rr,expire_nodest_conn=true,"
                    + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:3,actions=output:13");
            for (int i = 0; i < 6; i++) {
                final XlateResult r = rig.translate(tcp(i, ACK));
                if (bucket[i] == 2) {
                    assertEquals(DropReason.NODEST_CONN, r.refusal(), "connection " + i);
                    assertTrue(r.actions().isDrop());
                } else {
                    assertNull(r.refusal());
                    assertEquals(bucket[i], LbRig.bucketOf(r));
                }
            }
            assertEquals(2, rig.lb.counters().nodestDropped.sum());
            assertEquals(4, table.size());
            assertEquals(List.of(), rig.lb.countMismatches());
        }
    }

    @Test
    void aFullTableRefusesNewConnectionsWithACountedDropAndServesTheOthers() throws Exception {
        try (ConnectionTable table = ConnectionTable.inMemory(16)) {
            final LbRig rig = new LbRig(table, RR3);
            final int[] bucket = new int[16];
            for (int i = 0; i < 16; i++) {
                bucket[i] = rig.packet(tcp(i, SYN));
            }
            final XlateResult refused = rig.translate(tcp(99, SYN));
            assertEquals(DropReason.CONN_TABLE_FULL, refused.refusal());
            assertEquals(1, rig.lb.counters().tableFull.sum());
            for (int i = 0; i < 16; i++) {
                assertEquals(bucket[i], rig.packet(tcp(i, ACK)));
            }
            assertEquals(16, table.size());
            assertEquals(List.of(), rig.lb.countMismatches());
            rig.end(0);
            assertNull(rig.translate(tcp(99, SYN)).refusal(), "room again");
        }
    }

    @Test
    void connectionsKeepBucketAndStateAcrossARestart(@TempDir final Path dir) throws Exception {
        final int[] bucket = new int[300];
        try (ConnectionTable table = ConnectionTable.open(dir, 10_000)) {
            final LbRig rig = new LbRig(table, RR3);
            for (int i = 0; i < bucket.length; i++) {
                bucket[i] = rig.packet(tcp(i, SYN));
                rig.packet(tcp(i, ACK));
            }
        } // closed without ending anything: the process "died" with its connections open
        try (ConnectionTable table = ConnectionTable.open(dir, 10_000)) {
            assertEquals(300, table.size());
            final LbRig rig = new LbRig(table, RR3);
            assertEquals(300, rig.lb.counters().restored.sum());
            assertEquals(100, rig.active(1), "restored connections count on their buckets, as established");
            // Continue every connection, in another order than they were opened.
            for (int i = bucket.length - 1; i >= 0; i--) {
                assertEquals(bucket[i], rig.packet(tcp(i, ACK)), "connection " + i);
            }
            assertEquals(100, rig.active(1), "continued, not counted again");
            assertEquals(List.of(), rig.lb.countMismatches());
        }
    }

    @Test
    void atStartConnectionsOfBucketsThatNoLongerExistOrWhoseTimeoutPassedAreDropped(@TempDir final Path dir)
            throws Exception {
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            final LbRig rig = new LbRig(table, RR3);
            for (int i = 0; i < 9; i++) {
                rig.packet(tcp(i, SYN)); // SYN_RECV: 60 s
            }
            rig.packet(tcp(0, ACK)); // ESTABLISHED: 900 s
        }
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            final LbRig rig = new LbRig(table, "group_id=1,type=select,selection_method=rr,"
                    + "bucket=bucket_id:1,actions=output:11,bucket=bucket_id:2,actions=output:12");
            assertEquals(3, rig.lb.counters().staleDropped.sum());
            assertEquals(6, rig.lb.counters().restored.sum());
            assertEquals(6, table.size());
        }
        try (ConnectionTable table = ConnectionTable.open(dir, 1000)) {
            // Back two minutes later: only the established one is still within its timeout.
            final var groups = List.copyOf(new LbRig(ConnectionTable.inMemory(1), RR3).pipeline.current().groups().values());
            final LoadBalancer lb = new LoadBalancer(table, groups, 1, System.currentTimeMillis() + 120_000);
            assertEquals(1, lb.counters().restored.sum());
            assertEquals(5, lb.counters().expiredWhileDown.sum());
            assertEquals(1, table.size());
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
            assertEquals(1, rig.packet(tcp(1, SYN)));
        }
    }

    @Test
    void timeoutsAreIpvssUnlessSetAndABadOneIsNamed() {
        final ConnTimeouts d = ConnTimeouts.defaults();
        assertEquals(900_000, d.millis(ConnState.ESTABLISHED));
        assertEquals(120_000, d.millis(ConnState.TIME_WAIT));
        assertEquals(300_000, d.millis(ConnState.UDP));
        assertEquals("Timeout (tcp tcpfin udp): 900 120 300", d.summary());
        final ConnTimeouts t = d.with("tcp=60,time_wait=0.5,udp=30");
        assertEquals(60_000, t.millis(ConnState.ESTABLISHED));
        assertEquals(500, t.millis(ConnState.TIME_WAIT));
        assertEquals(t, d.with(t.toString()));
        for (String bad : List.of("", "tcp", "bogus=1", "tcp=0", "tcp=-1", "tcp=x", "tcp=1e3")) {
            final IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> d.with(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }

    @Test
    void maglevGroupsOfTwoBalancersAgreeWithoutSharingAnything() throws Exception {
        final String maglev = "group_id=1,type=select,selection_method=maglev,"
                + "bucket=bucket_id:1,weight:1,actions=output:11,bucket=bucket_id:2,weight:2,actions=output:12,"
                + "bucket=bucket_id:3,weight:3,actions=output:13";
        try (ConnectionTable t1 = ConnectionTable.inMemory(200_000); ConnectionTable t2 = ConnectionTable.inMemory(200_000)) {
            final LbRig a = new LbRig(t1, maglev);
            final LbRig b = new LbRig(t2, maglev);
            final int[] shares = new int[4];
            for (int i = 0; i < 3000; i++) {
                final int got = a.packet(tcp(i, SYN));
                assertEquals(got, b.packet(tcp(i, SYN)), "connection " + i);
                shares[got]++;
            }
            assertTrue(shares[3] > shares[2] && shares[2] > shares[1], java.util.Arrays.toString(shares));
        }
    }

    @Test
    void removingOneOfTenMaglevBackendsMovesNoEstablishedConnection() throws Exception {
        final StringBuilder ten = new StringBuilder("group_id=1,type=select,selection_method=maglev");
        final StringBuilder nine = new StringBuilder(ten);
        for (int b = 1; b <= 10; b++) {
            ten.append(",bucket=bucket_id:").append(b).append(",actions=output:").append(10 + b);
            if (b != 4) {
                nine.append(",bucket=bucket_id:").append(b).append(",actions=output:").append(10 + b);
            }
        }
        final int n = 100_000;
        try (ConnectionTable table = ConnectionTable.inMemory(2 * n); ConnectionTable fresh = ConnectionTable.inMemory(2 * n)) {
            final LbRig rig = new LbRig(table, ten.toString());
            final int[] bucket = new int[n];
            for (int i = 0; i < n; i++) {
                bucket[i] = rig.packet(wide(i, SYN));
                rig.packet(wide(i, ACK));
            }
            rig.modGroup(nine.toString());
            // What a node that never saw these connections would pick now: Maglev's own disruption.
            final LbRig after = new LbRig(fresh, nine.toString());
            int onRemoved = 0;
            int entryChanged = 0;
            int moved = 0;
            for (int i = 0; i < n; i++) {
                if (bucket[i] == 4) {
                    onRemoved++;
                } else if (after.packet(wide(i, SYN)) != bucket[i]) {
                    entryChanged++;
                }
                if (rig.packet(wide(i, ACK)) != bucket[i]) {
                    moved++;
                }
            }
            System.out.printf("maglev 10 -> 9 backends: %d of %d connections were on the removed one; of the others,"
                    + " %.2f %% changed lookup-table entry; %d established connections moved%n", onRemoved, n,
                    100.0 * entryChanged / (n - onRemoved), moved);
            assertTrue(entryChanged < (n - onRemoved) / 20, "Maglev moves few of the others: " + entryChanged);
            assertEquals(0, moved, "the table holds every established connection, the removed bucket's included");
        }
    }

    /** Connection {@code i} of a wider population (for 100,000): 10.x.y.z:(1024 + i % 50,000). */
    private static String wide(final int i, final String flags) {
        return "in_port=1,tcp,nw_src=10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF)
                + ",nw_dst=192.168.0.1,tp_src=" + (1024 + i % 50_000) + ",tp_dst=80,tcp_flags=" + flags;
    }

    private static ConnState state(final LbRig rig, final int n) throws Exception {
        final String list = rig.lb.listConnections(-1, System.currentTimeMillis());
        final String needle = ":" + (1024 + n) + " -> ";
        for (String line : list.split("\n")) {
            if (line.contains(needle)) {
                for (ConnState s : ConnState.values()) {
                    if (line.contains(" " + s.displayName() + " ")) {
                        return s;
                    }
                }
            }
        }
        return null;
    }
}
