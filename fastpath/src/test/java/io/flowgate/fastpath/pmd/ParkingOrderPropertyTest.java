package io.flowgate.fastpath.pmd;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whatever the slow path does and in whatever order, each flow's packets leave in the order they
 * came, each once: many exact flows under a few megaflows (a megaflow matches the UDP destination
 * port, so flows of one destination share it and wait for each other's upcall), packets arriving
 * in bursts between PMD iterations, and upcalls answered in random order, with the install before
 * the answer, after it, or never (a flow limit). The PMD is driven one {@code doWork()} at a time
 * on the test thread, so a failing seed replays exactly.
 */
class ParkingOrderPropertyTest {
    private static final DpActions TO_2 = DpActions.builder().output(2).build();

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void everyFlowLeavesInArrivalOrderWhateverTheOrderOfAnswers(final long seed) throws Exception {
        try (RingPort in = new RingPort(1, "in", 1 << 22, 1); RingPort out = new RingPort(2, "out", 1 << 22, 1);
             UpcallRing ring = new UpcallRing(1 << 20)) {
            final Pmd pmd = new Pmd(0, List.<Port>of(in, out), new UpcallRings(List.of(ring)), 1, 1, false);
            final RxQueue queue = new RxQueue(in, 0);
            pmd.offer(new PmdCommand.AdoptQueue(queue));
            final SplittableRandom r = new SplittableRandom(seed);
            final Map<Integer, Integer> sentOf = new HashMap<>(); // per flow, packets injected
            final Map<Integer, Integer> nextOf = new HashMap<>(); // per flow, the packet due out next
            final List<UpcallRing.Upcall> outstanding = new ArrayList<>();
            final Set<Integer> installed = new HashSet<>();
            int injected = 0;
            int received = 0;
            for (int step = 0; step < 400; step++) {
                final int burst = r.nextInt(6);
                for (int k = 0; k < burst; k++) {
                    final int flow = r.nextInt(4) << 8 | r.nextInt(6); // destination, source
                    final int seq = sentOf.merge(flow, 1, Integer::sum) - 1;
                    in.inject(frame(flow, seq));
                    injected++;
                }
                pmd.doWork();
                ring.poll(outstanding::add, 1000);
                if (!outstanding.isEmpty() && r.nextInt(3) > 0) {
                    final UpcallRing.Upcall u = outstanding.remove(r.nextInt(outstanding.size()));
                    final int dport = dport(u.frame());
                    final int how = r.nextInt(4);
                    if (how == 0 && installed.add(dport)) {
                        pmd.offer(new PmdCommand.Install(megaflow(dport)));
                    }
                    pmd.offer(answer(u));
                    if (how == 1 && installed.add(dport)) {
                        pmd.offer(new PmdCommand.Install(megaflow(dport)));
                    }
                    // how 2 and 3: no install yet (refused, or set up by a later upcall)
                }
                received += check(out, nextOf);
            }
            // The slow path catches up: every upcall answered, every megaflow installed.
            for (int d = 0; d < 4; d++) {
                pmd.offer(new PmdCommand.Install(megaflow(d)));
            }
            while (!outstanding.isEmpty() || queue.inFlight() != 0 || in.pendingRx() != 0) {
                for (UpcallRing.Upcall u : outstanding) {
                    pmd.offer(answer(u));
                }
                outstanding.clear();
                pmd.doWork();
                ring.poll(outstanding::add, 1000);
                received += check(out, nextOf);
            }
            assertEquals(injected, received, "every packet out once");
            assertEquals(sentOf, nextOf, "every flow's packets all out");
            assertEquals(0, pmd.stats().snapshot().get(PmdCounter.PARKING_FULL));
            assertEquals(0, queue.inFlight());
            pmd.onClose();
        }
    }

    /** Reads what left, checking each flow's sequence; returns the packets read. */
    private static int check(final RingPort out, final Map<Integer, Integer> nextOf) {
        final List<byte[]> frames = new ArrayList<>();
        out.drainTransmitted(f -> frames.add(f.toArray(ValueLayout.JAVA_BYTE)), Integer.MAX_VALUE);
        for (byte[] f : frames) {
            final ByteBuffer p = ByteBuffer.wrap(f, f.length - 8, 8);
            final int flow = p.getInt();
            final int seq = p.getInt();
            final int due = nextOf.getOrDefault(flow, 0);
            assertEquals(due, seq, "flow " + flow + ": packet " + seq + " came where " + due + " was due");
            nextOf.put(flow, seq + 1);
        }
        return frames.size();
    }

    /** Packet {@code seq} of flow {@code flow} (destination port in bits 8 and up, source port below). */
    private static byte[] frame(final int flow, final int seq) {
        final byte[] payload = ByteBuffer.allocate(8).putInt(flow).putInt(seq).array();
        return eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000 + (flow & 0xFF), 53 + (flow >>> 8)).payload(payload)
                .build();
    }

    private static int dport(final byte[] frame) {
        return ByteBuffer.wrap(frame, frame.length - 8, 4).getInt() >>> 8;
    }

    /** The megaflow of destination {@code d}: in_port 1, UDP, tp_dst, output to port 2. */
    private static DpFlow megaflow(final int d) {
        final long[] m = new long[FlowKey.WORDS];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        FlowField.NW_PROTO.or(m, -1L);
        FlowField.TP_DST.or(m, -1L);
        return new DpFlow(Parsed.parse(frame(d << 8, 0), 1).key(), FlowMask.of(m), TO_2, 0, 0);
    }

    private static PmdCommand.PacketOut answer(final UpcallRing.Upcall u) {
        return new PmdCommand.PacketOut(u.inPort(), u.rxq(), u.hash(), u.l3(), u.l4(), u.key(), u.frame(), TO_2,
                u.timestampNanos(), true);
    }
}
