package io.flowgate.daemon;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.testing.PacketBuilder;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections keep their backend through every change, on a running {@code flowgate run} driven
 * as OVS's tests drive OVS: dummy ports, {@code netdev-dummy/receive}, and the backends' tx_pcap
 * captures. 300 connections through an hprio group and 300 through an rr group; then, one after
 * the other, a purge, idle expiry of every megaflow, a flow-limit cut to 100, an unrelated rule
 * change, and mod-groups that remove a bucket and add it back: after each, the next packet of
 * every connection goes to the backend it had, and counts equal the table's entries.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ConnectionsThroughChangesTest {
    private static final int CONNECTIONS = 300;
    /** Output ports 2..6 are backends; port 1 is the clients'. */
    private static final int FIRST_BACKEND = 2;
    private static final int LAST_BACKEND = 6;
    private static final String HPRIO = "group_id=1,type=select,selection_method=hprio,"
            + "bucket=bucket_id:1,weight:5,upper_threshold:150,lower_threshold:50,actions=output:2,"
            + "bucket=bucket_id:2,weight:5,upper_threshold:150,lower_threshold:50,actions=output:3,"
            + "bucket=bucket_id:3,weight:5,upper_threshold:150,lower_threshold:50,actions=output:4,"
            + "bucket=bucket_id:4,weight:1,actions=output:5";
    private static final String RR = "group_id=2,type=select,selection_method=rr,"
            + "bucket=bucket_id:1,actions=output:2,bucket=bucket_id:2,actions=output:3,"
            + "bucket=bucket_id:3,actions=output:4,bucket=bucket_id:4,actions=output:6";
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final int FIN_ACK = 0x11;

    @TempDir
    static Path dir;
    private static Daemon daemon;
    private static Path ctl;
    private static long sent;
    /** Each connection's backend port, from its first packet out. */
    private static final Map<String, Integer> backend = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        final Path flows = Files.writeString(dir.resolve("lb.flows"),
                "priority=10,tcp,in_port=1,nw_dst=192.168.0.1,tp_dst=80,actions=group:1\n"
                        + "priority=10,tcp,in_port=1,nw_dst=192.168.0.2,tp_dst=80,actions=group:2\n");
        final Path groups = Files.writeString(dir.resolve("lb.groups"), HPRIO + "\n" + RR + "\n");
        final List<String> args = new ArrayList<>(List.of("run", "--rundir", dir.resolve("run").toString(),
                "--flows", flows.toString(), "--groups", groups.toString(), "--pmd-idle", "backoff",
                "--port", "1=dummy:client"));
        for (int p = FIRST_BACKEND; p <= LAST_BACKEND; p++) {
            args.add("--port");
            args.add(p + "=dummy:b" + p + ",tx_pcap=" + dir.resolve("b" + p + ".pcap"));
        }
        daemon = Daemon.start(args.toArray(new String[0]));
        final String line = daemon.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
        ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    @Order(1)
    void connectionsOpenOnTheirGroupsBuckets() throws Exception {
        for (int flags : new int[] {SYN, ACK}) {
            final List<String> packets = new ArrayList<>();
            for (int g = 1; g <= 2; g++) {
                for (int i = 0; i < CONNECTIONS; i++) {
                    packets.add(frame(g, i, flags));
                }
            }
            send(packets);
        }
        final Map<String, TreeSet<Integer>> seen = awaitOutput();
        for (Map.Entry<String, TreeSet<Integer>> e : seen.entrySet()) {
            assertEquals(1, e.getValue().size(), e.getKey() + " went to " + e.getValue());
            backend.put(e.getKey(), e.getValue().first());
        }
        assertEquals(2 * CONNECTIONS, backend.size());
        final String show = appctl("lb/show");
        assertTrue(show.contains("bucket 1: weight 5, 100 active, 0 inactive"), show);
        assertTrue(show.contains("bucket 4: weight 1, 75 active, 0 inactive"), show);
        checkCounts();
    }

    @Test
    @Order(2)
    void aPurgeMovesNoConnection() throws Exception {
        appctl("revalidator/purge");
        nextPacketsGoWhereTheyWent("after revalidator/purge");
    }

    @Test
    @Order(3)
    void idleExpiryOfEveryMegaflowMovesNoConnection() throws Exception {
        appctl("config/set", "max-idle=1000");
        awaitFlows(0);
        appctl("config/set", "max-idle=10000");
        nextPacketsGoWhereTheyWent("after every megaflow idled out");
    }

    @Test
    @Order(4)
    void aFlowLimitCutMovesNoConnection() throws Exception {
        nextPacketsGoWhereTheyWent("before the cut"); // megaflows for all 600 connections
        appctl("upcall/set-flow-limit", "100");
        appctl("revalidator/wait");
        appctl("revalidator/wait");
        nextPacketsGoWhereTheyWent("with the flow limit cut to 100");
        appctl("upcall/set-flow-limit", "200000");
    }

    @Test
    @Order(5)
    void anUnrelatedRuleChangeMovesNoConnection() throws Exception {
        appctl("ofctl/add-flow", "priority=5,udp,actions=drop");
        appctl("revalidator/wait");
        nextPacketsGoWhereTheyWent("after an unrelated rule change");
    }

    @Test
    @Order(6)
    void removingABucketAndAddingItBackMovesNoConnection() throws Exception {
        appctl("ofctl/mod-group", HPRIO.replace(",bucket=bucket_id:4,weight:1,actions=output:5", ""));
        appctl("ofctl/mod-group", RR.replace("bucket=bucket_id:2,actions=output:3,", ""));
        nextPacketsGoWhereTheyWent("with a bucket of each group removed (they serve their connections)");
        final String show = appctl("lb/show");
        assertTrue(show.contains("bucket 2: weight 1, 75 active, 0 inactive, removed"), show);
        appctl("ofctl/mod-group", HPRIO);
        appctl("ofctl/mod-group", RR);
        nextPacketsGoWhereTheyWent("with the buckets back");
        assertTrue(appctl("lb/show").contains("bucket 2: weight 1, 75 active, 0 inactive\n"));
    }

    @Test
    @Order(7)
    void finFinAckAckThenTimeWaitKeepsTheBackendAndEndsOnce() throws Exception {
        final int n = CONNECTIONS - 1;
        final String key = key(2, n);
        for (int flags : new int[] {FIN_ACK, FIN_ACK, ACK}) {
            send(List.of(frame(2, n, flags)));
        }
        awaitOutput();
        // The FINs came up one by one; the ACK hit the data flow, whose packets a revalidator reads.
        appctl("revalidator/wait");
        appctl("revalidator/wait");
        final String line = lineOf(connections(), 2000 + n);
        assertTrue(line != null && line.contains(" TIME_WAIT "), String.valueOf(line));
        send(List.of(frame(2, n, ACK), frame(2, n, ACK)));
        final Map<String, TreeSet<Integer>> seen = awaitOutput();
        assertEquals(1, seen.get(key).size(), key + " went to " + seen.get(key));
        final int bucket = backendBucket(lineOf(connections(), 2000 + n));
        final int before = bucketConnections(2, bucket);
        appctl("config/set", "lb-timeouts=time_wait=1");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (lineOf(connections(), 2000 + n) != null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertNull(lineOf(connections(), 2000 + n), "the entry ended after TIME_WAIT");
        appctl("config/set", "lb-timeouts=time_wait=120");
        assertEquals(before - 1, bucketConnections(2, bucket), "its count released, once");
        checkCounts();
    }

    @Test
    @Order(8)
    void withExpireNodestConnARemovedBucketsConnectionsAreDroppedAndCounted() throws Exception {
        appctl("config/set", "expire-nodest-conn=true");
        appctl("ofctl/mod-group", RR.replace("bucket=bucket_id:3,actions=output:4,", ""));
        appctl("revalidator/wait"); // the flows of the removed bucket's connections go with the round
        final long before = coverage("datapath_drop_nodest_conn");
        final long outBefore = countOutput();
        final List<String> packets = new ArrayList<>();
        int onRemoved = 0;
        for (int i = 0; i < CONNECTIONS - 1; i++) {
            packets.add(frame(2, i, PSH_ACK));
            if (backend.get(key(2, i)) == 4) {
                onRemoved++;
            }
        }
        send(packets);
        final int expected = CONNECTIONS - 1 - onRemoved;
        awaitOutputCount(outBefore + expected);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (coverage("datapath_drop_nodest_conn") - before < onRemoved && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(onRemoved, coverage("datapath_drop_nodest_conn") - before);
        assertTrue(onRemoved > 50, "rr put a quarter of them there: " + onRemoved);
        for (Map.Entry<String, TreeSet<Integer>> e : awaitOutput().entrySet()) {
            assertEquals(1, e.getValue().size(), e.getKey() + " went to " + e.getValue());
        }
        appctl("config/set", "expire-nodest-conn=false");
        checkCounts();
    }

    // ---- helpers ----

    private static void nextPacketsGoWhereTheyWent(final String when) throws Exception {
        final List<String> packets = new ArrayList<>();
        for (int g = 1; g <= 2; g++) {
            for (int i = 0; i < CONNECTIONS - 1; i++) { // the last rr one is the FIN test's
                packets.add(frame(g, i, PSH_ACK));
            }
        }
        send(packets);
        int moved = 0;
        for (Map.Entry<String, TreeSet<Integer>> e : awaitOutput().entrySet()) {
            if (e.getValue().size() != 1 || !e.getValue().first().equals(backend.get(e.getKey()))) {
                moved++;
            }
        }
        assertEquals(0, moved, "connections that changed backend " + when);
        checkCounts();
    }

    private static void checkCounts() throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, "lb/check", List.of(), 30_000);
        assertNull(r.error(), "counts per bucket = live entries");
    }

    /** Connection {@code i} of group {@code g}: 10.g.x.y:(2000+i) to 192.168.0.g:80. */
    private static String frame(final int g, final int i, final int flags) {
        return HexFormat.of().formatHex(PacketBuilder.eth().ipv4("10." + g + "." + (i >> 8) + "." + (i & 0xFF),
                "192.168.0." + g).tcp(2000 + i, 80, flags).payload(flags == PSH_ACK ? 32 : 0).build());
    }

    private static String key(final int g, final int i) {
        return g + "/" + (2000 + i);
    }

    private static void send(final List<String> packets) throws Exception {
        for (int from = 0; from < packets.size(); from += 100) {
            final List<String> args = new ArrayList<>(List.of("client"));
            args.addAll(packets.subList(from, Math.min(packets.size(), from + 100)));
            appctl("netdev-dummy/receive", args.toArray(new String[0]));
        }
        sent += packets.size();
    }

    private static String appctl(final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 60_000);
        if (r.error() != null) {
            throw new AssertionError(method + " " + List.of(args) + ": " + r.error());
        }
        return r.result();
    }

    private static String connections() throws Exception {
        return appctl("lb/connections");
    }

    /** The line of group 2's connection from this source port. */
    private static String lineOf(final String list, final int srcPort) {
        for (String l : list.split("\n")) {
            if (l.contains(":" + srcPort + " -> 192.168.0.2:80 ")) {
                return l;
            }
        }
        return null;
    }

    private static int backendBucket(final String line) {
        final Matcher m = Pattern.compile("bucket (\\d+)").matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(1));
    }

    private static int bucketConnections(final int group, final int bucket) throws Exception {
        final String show = appctl("lb/show");
        final String head = "group " + group + " (";
        final int at = show.indexOf(head);
        final Matcher m = Pattern.compile("bucket " + bucket + ": weight \\d+, (\\d+) active, (\\d+) inactive")
                .matcher(show.substring(at));
        assertTrue(m.find(), show);
        return Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2));
    }

    private static long coverage(final String counter) throws Exception {
        final Matcher m = Pattern.compile(Pattern.quote(counter) + "\\s.*?total: (\\d+)|"
                + Pattern.quote(counter) + "\\s+(\\d+)").matcher(appctl("coverage/show"));
        return m.find() ? Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2)) : 0;
    }

    private static void awaitFlows(final int flows) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!appctl("dpctl/show").contains("flows: " + flows + "\n") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(appctl("dpctl/show").contains("flows: " + flows + "\n"), appctl("dpctl/show"));
    }

    /** Waits until every packet sent so far has come out; returns each connection's backend ports. */
    private static Map<String, TreeSet<Integer>> awaitOutput() throws Exception {
        awaitOutputCount(sent - droppedSoFar);
        return readOutput();
    }

    private static long droppedSoFar;

    private static void awaitOutputCount(final long expected) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long got = countOutput();
        while (got < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            got = countOutput();
        }
        assertEquals(expected, got, "packets out");
        droppedSoFar = sent - got;
    }

    private static long countOutput() throws IOException {
        long n = 0;
        for (List<int[]> frames : readFrames().values()) {
            n += frames.size();
        }
        return n;
    }

    private static Map<String, TreeSet<Integer>> readOutput() throws IOException {
        final Map<String, TreeSet<Integer>> seen = new HashMap<>();
        readFrames().forEach((port, frames) -> {
            for (int[] f : frames) {
                seen.computeIfAbsent(f[0] + "/" + f[1], k -> new TreeSet<>()).add(port);
            }
        });
        return seen;
    }

    /** Per backend port, (group, source port) of each frame in its capture so far (a partial last record is left). */
    private static Map<Integer, List<int[]>> readFrames() throws IOException {
        final Map<Integer, List<int[]>> out = new HashMap<>();
        for (int p = FIRST_BACKEND; p <= LAST_BACKEND; p++) {
            final List<int[]> frames = new ArrayList<>();
            final Path file = dir.resolve("b" + p + ".pcap");
            if (Files.exists(file)) {
                final ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
                int at = 24;
                while (at + 16 <= b.limit()) {
                    final int caplen = b.getInt(at + 8);
                    if (at + 16 + caplen > b.limit()) {
                        break;
                    }
                    final int frame = at + 16;
                    final int group = b.get(frame + 14 + 19) & 0xFF; // last byte of the IPv4 destination
                    final int srcPort = ((b.get(frame + 34) & 0xFF) << 8) | (b.get(frame + 35) & 0xFF);
                    frames.add(new int[] {group, srcPort});
                    at = frame + caplen;
                }
            }
            out.put(p, frames);
        }
        return out;
    }
}
