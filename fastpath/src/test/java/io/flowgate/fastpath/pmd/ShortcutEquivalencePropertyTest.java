package io.flowgate.fastpath.pmd;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No shortcut changes what a packet gets: for random megaflow tables and random traffic, every
 * packet is executed with the megaflow the full path (a scan of every installed megaflow) gives
 * it, whichever way the PMD found it: a copied parse and answer (headers repeating the previous
 * packet's), the EMC (filled on every hit here, and probed or skipped as {@link EmcChoice}'s
 * trials go), the signature match cache (on or off), the
 * classifier, or the classifier first (one mask, or a megaflow tree), and executed in a batch with the packets of
 * other megaflows whose actions are the same. Megaflows are disjoint, as the slow path makes them
 * for one rule table, so the full path's answer is unique: each packet must leave changed as that
 * megaflow's actions say (or be dropped), in the order its megaflow's packets came, and each
 * megaflow's packets, bytes and TCP flags must be those of the packets the scan gives it.
 */
class ShortcutEquivalencePropertyTest {
    /**
     * What a megaflow may do: forward, tag and forward (two tags), drop, or set an IPv4 TTL of 1
     * and forward (which reads the packet's key: an IPv6 packet keeps its hop limit).
     */
    private static final DpActions[] ACTIONS = {actions(0), actions(1), actions(2), actions(3), actions(4)};
    /** The tag each of {@link #ACTIONS} leaves on a frame (-1: none; drop: not seen). */
    private static final int[] TAG = {-1, 7, 9, -1, -1};
    private static final int SET_TTL = 4;
    /** ACK, PSH|ACK, SYN, FIN|ACK: each megaflow's TCP flags are the OR of its packets'. */
    private static final int[] TCP_FLAGS = {0x10, 0x18, 0x02, 0x11};

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void everyPacketGetsTheMegaflowTheFullPathGives(final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final List<byte[]> pool = new ArrayList<>();
        final List<long[]> keys = new ArrayList<>();
        final int frames = 50 + r.nextInt(2000);
        for (int i = 0; i < frames; i++) {
            final byte[] f = frame(r);
            pool.add(f);
            keys.add(Parsed.parse(f, 1).key());
        }
        final boolean oneMask = r.nextInt(4) == 0;
        final List<DpFlow> flows = disjointMegaflows(r, keys, oneMask);
        // Only frames some megaflow covers: the property is about hits, misses go up as before.
        final List<byte[]> covered = new ArrayList<>();
        final List<DpFlow> answer = new ArrayList<>();
        final List<long[]> coveredKeys = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            final DpFlow f = scan(flows, keys.get(i));
            if (f != null) {
                covered.add(pool.get(i));
                coveredKeys.add(keys.get(i));
                answer.add(f);
            }
        }
        try (RingPort in = new RingPort(1, "in", 1 << 24, 1); RingPort out = new RingPort(2, "out", 1 << 24, 1);
             UpcallRing ring = new UpcallRing(1 << 16)) {
            int received = 0;
            final Pmd pmd = new Pmd(0, List.<Port>of(in, out), new UpcallRings(List.of(ring)), 1, 1, false);
            pmd.smc().enabled(r.nextBoolean());
            pmd.offer(new PmdCommand.AdoptQueue(new RxQueue(in, 0)));
            for (DpFlow f : flows) {
                pmd.installNow(f);
            }
            // Half the runs rank twice, as a PMD does over two seconds without installs: several
            // masks then get a megaflow tree, looked up before (instead of) the caches.
            final boolean tree = r.nextBoolean();
            if (tree) {
                pmd.rankClassifiers();
                pmd.rankClassifiers();
            }
            final long[] expected = new long[flows.size()];
            final long[] expectedBytes = new long[flows.size()];
            final int[] expectedFlags = new int[flows.size()];
            final List<DpFlow> sent = new ArrayList<>(); // per injected packet, its megaflow
            final Map<DpFlow, Integer> last = new HashMap<>(); // per megaflow, the last packet that left
            int dropped = 0;
            // Both EMC trials now, within the busy iterations below: a batch with probes, without.
            pmd.startEmcTrials();
            for (int step = 0; step < 3 * EmcChoice.TRIAL_ITERATIONS; step++) {
                final int burst = 1 + r.nextInt(40);
                int i = r.nextInt(covered.size());
                for (int k = 0; k < burst; k++) {
                    // Trains (the same frame again), neighbours, or anywhere.
                    final int how = r.nextInt(4);
                    i = how == 0 ? i : how == 1 ? (i + 1) % covered.size() : r.nextInt(covered.size());
                    // Its number rides in the L2 padding (past the IP length: never parsed).
                    final byte[] f = covered.get(i);
                    in.inject(ByteBuffer.allocate(f.length + 4).put(f).putInt(sent.size()).array());
                    final int megaflow = flows.indexOf(answer.get(i));
                    expected[megaflow]++;
                    expectedBytes[megaflow] += f.length + 4;
                    expectedFlags[megaflow] |= FlowKey.tcpFlags(coveredKeys.get(i), 0);
                    dropped += answer.get(i).actions().equals(DpActions.DROP) ? 1 : 0;
                    sent.add(answer.get(i));
                }
                pmd.doWork();
                received += check(out, sent, last);
            }
            while (in.pendingRx() != 0) {
                pmd.doWork();
                received += check(out, sent, last);
            }
            assertEquals(sent.size() - dropped, received, "every packet not dropped left once");
            final long[] got = new long[flows.size()];
            final long[] gotBytes = new long[flows.size()];
            final int[] gotFlags = new int[flows.size()];
            for (int j = 0; j < flows.size(); j++) {
                got[j] = flows.get(j).packets();
                gotBytes[j] = flows.get(j).bytes();
                gotFlags[j] = flows.get(j).tcpFlags();
            }
            final String what = " per megaflow (" + flows.size() + " megaflows, smc " + pmd.smc().enabled() + ", tree "
                    + tree + ")";
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(got), "packets" + what);
            assertEquals(java.util.Arrays.toString(expectedBytes), java.util.Arrays.toString(gotBytes), "bytes" + what);
            assertEquals(java.util.Arrays.toString(expectedFlags), java.util.Arrays.toString(gotFlags), "TCP flags" + what);
            final PmdStats.Snapshot s = pmd.stats().snapshot();
            assertEquals(0, s.get(PmdCounter.MISSES) + s.get(PmdCounter.LOST_UPCALLS), "no covered packet missed");
            assertEquals(dropped, s.get(PmdCounter.DROP_ACTION));
            if (pmd.maskCount() > 1 && tree) {
                assertEquals(s.get(PmdCounter.MEGAFLOW_HITS), s.get(PmdCounter.TREE_HITS), "the tree found every packet");
            } else if (pmd.maskCount() > 1) {
                assertTrue(s.get(PmdCounter.EMC_SKIPPED) > 0 && s.get(PmdCounter.EMC_HITS) > 0,
                        "batches were looked up with EMC probes and without");
            }
            pmd.onClose();
        }
    }

    /** Checks each frame that left against its megaflow's actions and, per megaflow, its order; returns how many left. */
    private static int check(final RingPort out, final List<DpFlow> sent, final Map<DpFlow, Integer> last) {
        final List<byte[]> frames = new ArrayList<>();
        out.drainTransmitted(f -> frames.add(f.toArray(ValueLayout.JAVA_BYTE)), Integer.MAX_VALUE);
        for (byte[] f : frames) {
            final ByteBuffer p = ByteBuffer.wrap(f);
            final int n = p.getInt(f.length - 4);
            final DpFlow flow = sent.get(n);
            final DpActions a = flow.actions();
            final int kind = List.of(ACTIONS).indexOf(a);
            final int seen = (p.getShort(12) & 0xFFFF) == 0x8100 ? p.getShort(14) & 0xFFF : -1;
            assertEquals(TAG[kind], seen, "packet " + n + ": the tag its megaflow's actions (" + a + ") leave");
            if (seen < 0) {
                final boolean ipv4 = p.getShort(12) == 0x0800;
                final int ttl = f[ipv4 ? 22 : 21] & 0xFF; // IPv4 TTL, IPv6 hop limit
                assertEquals(kind == SET_TTL && ipv4, ttl == 1, "packet " + n + ": TTL " + ttl + " after " + a);
            }
            final Integer before = last.put(flow, n);
            assertTrue(before == null || before < n, "packet " + n + " left after " + before + " of its megaflow");
        }
        return frames.size();
    }

    /** A random IPv4 or IPv6 UDP or TCP frame over small address and port ranges (so masks overlap). */
    private static byte[] frame(final SplittableRandom r) {
        final int sport = 1000 + r.nextInt(8);
        final int dport = r.nextInt(4) == 0 ? 53 : 8000 + r.nextInt(64);
        var b = r.nextInt(5) == 0
                ? eth().ipv6("2001:db8::" + r.nextInt(6), "2001:db8:1::" + r.nextInt(6))
                : eth().ipv4("10.0." + r.nextInt(4) + "." + r.nextInt(8), "172.16." + r.nextInt(4) + "." + r.nextInt(8));
        b = r.nextBoolean() ? b.udp(sport, dport) : b.tcp(sport, dport, TCP_FLAGS[r.nextInt(TCP_FLAGS.length)]);
        return b.payload(r.nextInt(30)).build();
    }

    /** Megaflows from random keys under random masks, each kept only if it overlaps none before it. */
    private static List<DpFlow> disjointMegaflows(final SplittableRandom r, final List<long[]> keys,
                                                  final boolean oneMask) {
        final List<DpFlow> flows = new ArrayList<>();
        final long[] fixed = oneMask ? mask(r) : null;
        for (int tries = 0; tries < 400; tries++) {
            final long[] key = keys.get(r.nextInt(keys.size()));
            final FlowMask m = FlowMask.of(fixed != null ? fixed : mask(r));
            // The slow path gives each megaflow its own actions: equal ones need not be the same object.
            final int kind = r.nextInt(ACTIONS.length);
            final DpFlow f = new DpFlow(key, m, r.nextBoolean() ? ACTIONS[kind] : actions(kind), 0, 0);
            boolean overlaps = false;
            for (DpFlow g : flows) {
                overlaps |= overlap(f, g);
            }
            if (!overlaps) {
                flows.add(f);
            }
        }
        return flows;
    }

    private static DpActions actions(final int kind) {
        return switch (kind) {
            case 0 -> DpActions.builder().output(2).build();
            case 1 -> DpActions.builder().pushVlan(0x8100, 7).output(2).build();
            case 2 -> DpActions.builder().pushVlan(0x8100, 9).output(2).build();
            case SET_TTL -> DpActions.builder().setIpv4(0, 0, 0, 0, 0, 0, 1, 0xFF).output(2).build();
            default -> DpActions.DROP;
        };
    }

    private static long[] mask(final SplittableRandom r) {
        final long[] m = new long[FlowKey.WORDS];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        if (r.nextBoolean()) {
            FlowField.NW_PROTO.or(m, -1L);
        }
        if (r.nextBoolean()) {
            FlowField.NW_SRC.or(m, -1L << (32 - 1 - r.nextInt(32)));
        }
        if (r.nextBoolean()) {
            FlowField.NW_DST.or(m, -1L << (32 - 1 - r.nextInt(32)));
        }
        if (r.nextInt(3) == 0) {
            FlowField.IPV6_SRC_LO.or(m, -1L << r.nextInt(8));
        }
        if (r.nextInt(3) == 0) {
            FlowField.IPV6_DST_LO.or(m, -1L);
        }
        if (r.nextBoolean()) {
            FlowField.TP_SRC.or(m, r.nextInt(1 << 16));
        }
        if (r.nextBoolean()) {
            FlowField.TP_DST.or(m, r.nextBoolean() ? 0xFFFF : 0xFFC0);
        }
        return m;
    }

    /** Some key matches both: on the bits both masks have, their matches agree. */
    private static boolean overlap(final DpFlow a, final DpFlow b) {
        for (int i = 0; i < FlowKey.WORDS; i++) {
            if ((a.mask().word(i) & b.mask().word(i) & (a.match()[i] ^ b.match()[i])) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The full path: the one installed megaflow that matches the key, or null. */
    private static DpFlow scan(final List<DpFlow> flows, final long[] key) {
        DpFlow found = null;
        for (DpFlow f : flows) {
            final long[] m = f.match();
            boolean all = true;
            for (int i = 0; i < FlowKey.WORDS; i++) {
                all &= (key[i] & f.mask().word(i)) == m[i];
            }
            if (all) {
                found = f;
            }
        }
        return found;
    }
}
