package io.flowgate.fastpath.pmd;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.QueueHandover;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The PMD's duty cycle, driven one {@code doWork()} at a time on the test thread, so every
 * interleaving with the slow path is chosen by the test.
 */
class PmdTest {
    private final RingPort in = new RingPort(1, "in", 1 << 20, 2);
    private final RingPort out = new RingPort(2, "out", 1 << 20, 2);
    private final RxQueue inQueue = new RxQueue(in, 0);
    private final UpcallRing ring = new UpcallRing(1 << 16);
    private final List<AutoCloseable> closing = new ArrayList<>(List.of(in, out, ring));

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private Pmd pmd(final int id, final boolean ordered, final UpcallRing... rings) {
        final Pmd pmd = new Pmd(id, List.<Port>of(in, out), new UpcallRings(List.of(rings)), 1, 1, ordered);
        closing.add(pmd::onClose);
        return pmd;
    }

    /** A PMD that polls port 1's queue. */
    private Pmd pmd(final boolean ordered, final UpcallRing... rings) {
        final Pmd pmd = pmd(0, ordered, rings);
        pmd.offer(new PmdCommand.AdoptQueue(inQueue));
        return pmd;
    }

    private static byte[] udp(final int dport) {
        return eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, dport).payload(20).build();
    }

    /** Packet {@code n} of the UDP flow to port {@code dport}: the same flow, told apart by its payload. */
    private static byte[] udp(final int dport, final int n) {
        final byte[] payload = new byte[20];
        payload[0] = (byte) n;
        return eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, dport).payload(payload).build();
    }

    /** A megaflow on in_port 1 matching UDP destination port {@code dport}. */
    private static DpFlow flowFor(final int dport, final DpActions actions) {
        final long[] m = new long[FlowKey.WORDS];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        FlowField.NW_PROTO.or(m, -1L);
        FlowField.TP_DST.or(m, -1L);
        return new DpFlow(Parsed.parse(udp(dport), 1).key(), FlowMask.of(m), actions, 0, 0);
    }

    private static final DpActions TO_2 = DpActions.builder().output(2).build();

    /** The handler's answer to an upcall: the packet with these actions. */
    private static PmdCommand.PacketOut answer(final UpcallRing.Upcall u, final DpActions actions) {
        return new PmdCommand.PacketOut(u.inPort(), u.rxq(), u.hash(), u.l3(), u.l4(), u.key(), u.frame(), actions,
                u.timestampNanos(), true);
    }

    private List<byte[]> transmitted() {
        final List<byte[]> frames = new ArrayList<>();
        out.drainTransmitted(f -> frames.add(f.toArray(ValueLayout.JAVA_BYTE)), 1000);
        return frames;
    }

    private List<UpcallRing.Upcall> upcalls() {
        final List<UpcallRing.Upcall> u = new ArrayList<>();
        ring.poll(u::add, 1000);
        return u;
    }

    private static long count(final Pmd pmd, final PmdCounter c) {
        return pmd.stats().snapshot().get(c);
    }

    @Test
    void flowsWithEqualActionsLeaveTogetherInArrivalOrderAndEachFlowIsCountedOnItsOwn() {
        final Pmd pmd = pmd(false, ring);
        final DpFlow to53 = flowFor(53, TO_2);
        final DpFlow dropped = flowFor(54, DpActions.DROP);
        final DpFlow to55 = flowFor(55, DpActions.builder().output(2).build()); // equal to TO_2's, built apart
        for (DpFlow f : List.of(to53, dropped, to55)) {
            pmd.offer(new PmdCommand.Install(f));
        }
        final int[] dports = {53, 54, 55, 53, 55, 54, 53};
        for (int n = 0; n < dports.length; n++) {
            in.inject(udp(dports[n], n));
        }
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        final int[] expected = {0, 2, 3, 4, 6}; // the forwarded ones, as they arrived
        assertEquals(expected.length, sent.size());
        for (int j = 0; j < expected.length; j++) {
            assertArrayEquals(udp(dports[expected[j]], expected[j]), sent.get(j), "frame " + j);
        }
        assertEquals(2, pmd.stats().snapshot().drops(DropReason.ACTION));
        assertEquals(3, to53.packets());
        assertEquals(2, dropped.packets());
        assertEquals(2, to55.packets());
    }

    @Test
    void withMoreThanOneMaskTheCachesAnswerAfterTheFirstClassifierHit() {
        final Pmd pmd = pmd(false, ring);
        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2)));
        final long[] m = new long[FlowKey.WORDS];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        pmd.offer(new PmdCommand.Install(new DpFlow(Parsed.parse(udp(80), 1).key(), FlowMask.of(m), TO_2, 0, 0)));
        for (int i = 0; i < 5; i++) {
            in.inject(udp(53));
        }
        pmd.doWork();
        // A batch is looked up in the caches before the dpcls fills them: all five are megaflow hits.
        assertEquals(5, count(pmd, PmdCounter.MEGAFLOW_HITS));
        assertEquals(0, count(pmd, PmdCounter.EMC_HITS));
        // EMC insertion is certain here (inverse 1), so the next batch hits the EMC.
        for (int i = 0; i < 5; i++) {
            in.inject(udp(53));
        }
        pmd.doWork();
        assertEquals(5, count(pmd, PmdCounter.EMC_HITS));
        assertEquals(10, transmitted().size());
        assertEquals(2, pmd.flowCount());
    }

    @Test
    void packetsOfAnInstalledMegaflowAreSentAndCounted() {
        final Pmd pmd = pmd(false, ring);
        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2)));
        for (int i = 0; i < 5; i++) {
            in.inject(udp(53));
        }
        pmd.doWork();
        assertEquals(5, transmitted().size());
        assertEquals(5, count(pmd, PmdCounter.RX_PACKETS));
        assertEquals(5, count(pmd, PmdCounter.TX_PACKETS));
        // One mask over few flows: the classifier answers directly, no cache in front of it.
        assertEquals(5, count(pmd, PmdCounter.MEGAFLOW_HITS));
        assertEquals(0, count(pmd, PmdCounter.EMC_HITS));
        for (int i = 0; i < 5; i++) {
            in.inject(udp(53));
        }
        pmd.doWork();
        assertEquals(10, count(pmd, PmdCounter.MEGAFLOW_HITS));
        assertEquals(0, count(pmd, PmdCounter.EMC_HITS));
        assertEquals(5, transmitted().size());
        assertEquals(1, pmd.flowCount());
        assertEquals(10, inQueue.packets(), "the queue counts what it received");
    }

    @Test
    void aMissBecomesAnUpcallAndTheAnswerSendsThePacketAndInstallsTheFlow() {
        final Pmd pmd = pmd(false, ring);
        final byte[] frame = udp(53);
        in.inject(frame);
        pmd.doWork();
        assertTrue(transmitted().isEmpty());
        final List<UpcallRing.Upcall> u = upcalls();
        assertEquals(1, u.size());
        assertArrayEquals(frame, u.getFirst().frame());
        assertArrayEquals(Parsed.parse(frame, 1).key(), u.getFirst().key());
        assertEquals(1, u.getFirst().inPort());
        assertEquals(0, u.getFirst().rxq());
        assertEquals(1, inQueue.inFlight(), "the upcall is in flight for its queue");

        // The handler's answer: install, then the packet itself with the translated actions.
        final DpFlow flow = flowFor(53, TO_2);
        pmd.offer(new PmdCommand.Install(flow));
        pmd.offer(answer(u.getFirst(), TO_2));
        pmd.doWork();
        assertEquals(1, transmitted().size());
        assertEquals(0, inQueue.inFlight());

        in.inject(frame);
        pmd.doWork();
        assertEquals(1, transmitted().size());
        assertTrue(upcalls().isEmpty(), "the second packet hits the megaflow");
        assertEquals(1, count(pmd, PmdCounter.MISSES));
        assertEquals(1, count(pmd, PmdCounter.PACKET_OUTS));
        assertEquals(2, count(pmd, PmdCounter.TX_PACKETS));
        assertEquals(1, flow.packets());
    }

    @Test
    void packetsBehindAnUpcallOfTheirFlowWaitAndLeaveInArrivalOrder() {
        final Pmd pmd = pmd(false, ring);
        for (int n = 1; n <= 3; n++) {
            in.inject(udp(53, n));
        }
        pmd.doWork();
        final List<UpcallRing.Upcall> u = upcalls();
        assertEquals(1, u.size(), "one upcall for the flow; the other two packets are parked");
        assertEquals(2, count(pmd, PmdCounter.PARKED));
        assertEquals(3, inQueue.inFlight());

        // The install arrives first and the next packet would hit it: it must wait too.
        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2)));
        in.inject(udp(53, 4));
        pmd.doWork();
        assertTrue(transmitted().isEmpty(), "nothing overtakes the packet that went up");

        pmd.offer(answer(u.getFirst(), TO_2));
        in.inject(udp(53, 5));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(5, sent.size());
        for (int n = 1; n <= 5; n++) {
            assertArrayEquals(udp(53, n), sent.get(n - 1), "packet " + n + " in place");
        }
        assertEquals(1, count(pmd, PmdCounter.MISSES), "one upcall for the whole flow");
        assertEquals(0, inQueue.inFlight());
    }

    @Test
    void missesOfOtherFlowsOfThePortWaitForItsUpcallAndThenHitTheMegaflowItSetUp() {
        final Pmd pmd = pmd(false, ring);
        final byte[] other = eth().ipv4("10.0.0.1", "10.0.0.2").udp(2000, 53).payload(20).build();
        in.inject(udp(53, 1));
        in.inject(other); // another exact flow, but the same megaflow (it matches the UDP destination only)
        in.inject(udp(53, 2));
        pmd.doWork();
        final List<UpcallRing.Upcall> u = upcalls();
        assertEquals(1, u.size(), "one upcall: the megaflow being set up may be the other flow's too");
        assertEquals(1, count(pmd, PmdCounter.HELD));
        assertEquals(1, count(pmd, PmdCounter.PARKED));

        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2)));
        pmd.offer(answer(u.getFirst(), TO_2));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(3, sent.size());
        assertArrayEquals(udp(53, 1), sent.get(0));
        assertArrayEquals(other, sent.get(1));
        assertArrayEquals(udp(53, 2), sent.get(2));
        assertEquals(1, count(pmd, PmdCounter.MISSES), "one upcall for the megaflow");
        assertTrue(upcalls().isEmpty());
        assertEquals(0, inQueue.inFlight());
    }

    @Test
    void aHeldMissTheNewMegaflowDoesNotCoverGoesUpNextAndItsFlowStaysInOrder() {
        final Pmd pmd = pmd(false, ring);
        in.inject(udp(53, 1));
        in.inject(udp(54, 1));
        in.inject(udp(54, 2));
        pmd.doWork();
        final List<UpcallRing.Upcall> first = upcalls();
        assertEquals(1, first.size());
        assertEquals(2, count(pmd, PmdCounter.HELD));

        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2)));
        pmd.offer(answer(first.getFirst(), TO_2));
        in.inject(udp(54, 3)); // arrives while its flow's older packets wait: it waits behind them
        pmd.doWork();
        assertEquals(1, transmitted().size());
        final List<UpcallRing.Upcall> second = upcalls();
        assertEquals(1, second.size(), "the first held miss goes up, its flow's next packets wait for it");
        assertArrayEquals(udp(54, 1), second.getFirst().frame());

        pmd.offer(new PmdCommand.Install(flowFor(54, TO_2)));
        pmd.offer(answer(second.getFirst(), TO_2));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(3, sent.size());
        for (int n = 1; n <= 3; n++) {
            assertArrayEquals(udp(54, n), sent.get(n - 1), "packet " + n + " in place");
        }
        assertEquals(2, count(pmd, PmdCounter.MISSES), "one upcall per megaflow");
        assertEquals(0, inQueue.inFlight());
    }

    @Test
    void missesThatDifferOnBitsEveryMegaflowMatchesGoUpSideBySide() {
        final Pmd pmd = pmd(false, ring);
        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2))); // its mask: in_port, dl_type, nw_proto, tp_dst
        final byte[] to54FromElsewhere = eth().ipv4("10.0.0.1", "10.0.0.2").udp(2000, 54).payload(20).build();
        in.inject(udp(54, 1));
        in.inject(udp(55, 1)); // another destination port: not the megaflow of the first
        in.inject(to54FromElsewhere); // the same destination port: may be the first one's megaflow
        pmd.doWork();
        final List<UpcallRing.Upcall> u = upcalls();
        assertEquals(2, u.size(), "the two destination ports are set up in parallel");
        assertArrayEquals(udp(54, 1), u.get(0).frame());
        assertArrayEquals(udp(55, 1), u.get(1).frame());
        assertEquals(1, count(pmd, PmdCounter.HELD));

        // The tp_dst=55 answer does not release the packet that waits for tp_dst=54's.
        pmd.offer(new PmdCommand.Install(flowFor(55, TO_2)));
        pmd.offer(answer(u.get(1), TO_2));
        pmd.doWork();
        assertEquals(1, transmitted().size());
        pmd.offer(new PmdCommand.Install(flowFor(54, TO_2)));
        pmd.offer(answer(u.get(0), TO_2));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(2, sent.size());
        assertArrayEquals(udp(54, 1), sent.get(0));
        assertArrayEquals(to54FromElsewhere, sent.get(1));
        assertEquals(2, count(pmd, PmdCounter.MISSES), "one upcall per megaflow");
        assertEquals(0, inQueue.inFlight());
    }

    @Test
    void aPacketParkedBehindAnOlderHeldMissOfItsFlowWaitsWithItWhenAnotherAnswerArrives() {
        final Pmd pmd = pmd(false, ring);
        pmd.offer(new PmdCommand.Install(flowFor(53, TO_2))); // its mask: in_port, dl_type, nw_proto, tp_dst
        in.inject(udp(54, 1));
        in.inject(fromElsewhere(54, 1)); // may be the first one's megaflow: held
        in.inject(udp(55, 1)); // another megaflow: goes up side by side
        pmd.doWork();
        final List<UpcallRing.Upcall> u = upcalls();
        assertEquals(2, u.size());
        in.inject(fromElsewhere(54, 2)); // parked behind its flow's held packet
        pmd.doWork();
        assertEquals(1, count(pmd, PmdCounter.HELD));
        assertEquals(1, count(pmd, PmdCounter.PARKED));

        // The tp_dst=55 answer releases neither: the held packet still waits for tp_dst=54's
        // upcall, and the younger packet of its flow may not leave (nor go up) before it.
        pmd.offer(new PmdCommand.Install(flowFor(55, TO_2)));
        pmd.offer(answer(u.get(1), TO_2));
        pmd.doWork();
        assertEquals(1, transmitted().size());
        assertTrue(upcalls().isEmpty(), "nothing of the held flow goes up");

        pmd.offer(new PmdCommand.Install(flowFor(54, TO_2)));
        pmd.offer(answer(u.get(0), TO_2));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(3, sent.size());
        assertArrayEquals(udp(54, 1), sent.get(0));
        assertArrayEquals(fromElsewhere(54, 1), sent.get(1), "the held flow's packets in arrival order");
        assertArrayEquals(fromElsewhere(54, 2), sent.get(2));
        assertEquals(2, count(pmd, PmdCounter.MISSES), "one upcall per megaflow");
        assertEquals(0, inQueue.inFlight());
    }

    /** Packet {@code n} of the UDP flow from source port 2000 to {@code dport}. */
    private static byte[] fromElsewhere(final int dport, final int n) {
        final byte[] payload = new byte[20];
        payload[0] = (byte) n;
        return eth().ipv4("10.0.0.1", "10.0.0.2").udp(2000, dport).payload(payload).build();
    }

    @Test
    void missesOfDifferentPortsNeverWaitForEachOther() {
        final Pmd pmd = pmd(false, ring);
        final RxQueue outQueue = new RxQueue(out, 0);
        pmd.offer(new PmdCommand.AdoptQueue(outQueue));
        in.inject(udp(53));
        out.inject(udp(53)); // the same key but another in_port: never the same megaflow
        pmd.doWork();
        pmd.doWork();
        assertEquals(2, upcalls().size());
        assertEquals(0, count(pmd, PmdCounter.HELD));
    }

    @Test
    void aParkedPacketWhoseFlowIsStillMissingGoesUpNextAndTheRestWaitAgain() {
        final Pmd pmd = pmd(false, ring);
        in.inject(udp(53, 1));
        in.inject(udp(53, 2));
        in.inject(udp(53, 3));
        pmd.doWork();
        // Answered without an install (a flow limit, say): packet 2 goes up, packet 3 waits on.
        pmd.offer(answer(upcalls().getFirst(), TO_2));
        pmd.doWork();
        assertEquals(1, transmitted().size());
        final List<UpcallRing.Upcall> second = upcalls();
        assertEquals(1, second.size());
        assertArrayEquals(udp(53, 2), second.getFirst().frame());
        pmd.offer(answer(second.getFirst(), TO_2));
        pmd.doWork();
        pmd.offer(answer(upcalls().getFirst(), TO_2));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(2, sent.size());
        assertArrayEquals(udp(53, 2), sent.get(0));
        assertArrayEquals(udp(53, 3), sent.get(1));
        assertEquals(0, inQueue.inFlight());
    }

    @Test
    void withoutHandlersOrWithAFullRingAMissIsALostUpcallAndADrop() {
        final Pmd none = pmd(false);
        in.inject(udp(1));
        none.doWork();
        assertEquals(1, count(none, PmdCounter.LOST_UPCALLS));
        assertEquals(1, count(none, PmdCounter.DROP_UPCALL_LOST));
        assertEquals(0, inQueue.inFlight());
    }

    @Test
    void aFullUpcallRingLosesUpcallsAndCountsEveryOne() {
        final Pmd pmd = pmd(false, ring);
        int injected = 0;
        for (int round = 0; round < 60; round++) {
            for (int i = 0; i < 32; i++) {
                // Distinct flows, so none waits behind another's upcall.
                in.inject(eth().ipv4("10.0.0.1", "10.0.0.2").udp(round, i).payload(1400).build());
                injected++;
            }
            pmd.doWork();
        }
        while (in.pendingRx() > 0) {
            pmd.doWork(); // a ring read stops where the ring wraps around
        }
        final long lost = count(pmd, PmdCounter.LOST_UPCALLS);
        assertTrue(lost > 0, "the ring filled up");
        // Misses after the first wait for its answer (held) until parking is full; then they go up.
        assertTrue(count(pmd, PmdCounter.PARKING_FULL) > 0);
        assertEquals(injected, count(pmd, PmdCounter.MISSES) + lost + count(pmd, PmdCounter.PARKED)
                + count(pmd, PmdCounter.HELD), "every miss is an upcall, a lost upcall, parked or held");
    }

    @Test
    void malformedFramesAreDroppedAsInvalid() {
        final Pmd pmd = pmd(false, ring);
        in.inject(new byte[] {1, 2, 3});
        pmd.doWork();
        assertEquals(1, count(pmd, PmdCounter.DROP_RX_INVALID));
        assertTrue(upcalls().isEmpty());
        assertEquals(1, pmd.stats().port(PmdStats.PortField.RX_DROPPED, 0), "counted as a drop of the port it came in on");
        assertEquals(0, pmd.stats().port(PmdStats.PortField.RX_DROPPED, 1));
    }

    @Test
    void aRemovedFlowIsNotUsedAgainEvenFromTheEmc() {
        final Pmd pmd = pmd(false, ring);
        final DpFlow flow = flowFor(53, TO_2);
        pmd.offer(new PmdCommand.Install(flow));
        in.inject(udp(53));
        pmd.doWork();
        assertEquals(1, transmitted().size());
        flow.markDead();
        pmd.offer(new PmdCommand.Remove(flow));
        in.inject(udp(53));
        pmd.doWork();
        assertTrue(transmitted().isEmpty());
        assertEquals(1, upcalls().size());
        assertEquals(1, count(pmd, PmdCounter.FLOWS_REMOVED));
        assertEquals(0, pmd.flowCount());
    }

    @Test
    void anInstallThatArrivesAfterItsFlowWasRemovedIsIgnored() {
        final Pmd pmd = pmd(false, ring);
        final DpFlow flow = flowFor(53, TO_2);
        flow.markDead();
        pmd.offer(new PmdCommand.Remove(flow));
        pmd.offer(new PmdCommand.Install(flow));
        pmd.doWork();
        assertTrue(flow.isRemoved());
        assertEquals(0, pmd.flowCount());
    }

    @Test
    void newActionsApplyFromTheNextBatch() {
        final Pmd pmd = pmd(false, ring);
        final DpFlow flow = flowFor(53, TO_2);
        pmd.offer(new PmdCommand.Install(flow));
        in.inject(udp(53));
        pmd.doWork();
        flow.actions(DpActions.DROP);
        in.inject(udp(53));
        pmd.doWork();
        assertEquals(1, transmitted().size());
        assertEquals(1, count(pmd, PmdCounter.DROP_ACTION));
    }

    @Test
    void aFlowMetByAnotherPmdTakesItsActionsAsTheyAreNow() {
        // Each PMD's first batch: the memo a flow keeps of its actions must not pass between them.
        final DpFlow flow = flowFor(53, TO_2);
        final Pmd first = pmd(false, ring);
        first.offer(new PmdCommand.Install(flow));
        in.inject(udp(53));
        first.doWork();
        flow.actions(DpActions.DROP);
        final Pmd second = pmd(false, ring);
        second.offer(new PmdCommand.Install(flow));
        in.inject(udp(53));
        second.doWork();
        assertEquals(1, transmitted().size());
        assertEquals(1, count(second, PmdCounter.DROP_ACTION));
    }

    @Test
    void aFlowWithUnchangedActionsMetByAnotherPmdTakesThemFromThatPmdsOwnTable() {
        // The first PMD remembers where its table keeps the flow's actions; the second's table
        // holds other actions (it met a dropping flow first): the flow must still be forwarded.
        final DpFlow flow = flowFor(53, TO_2);
        final Pmd first = pmd(false, ring);
        first.offer(new PmdCommand.Install(flow));
        in.inject(udp(53));
        first.doWork();
        final Pmd second = pmd(false, ring);
        second.offer(new PmdCommand.Install(flowFor(54, DpActions.DROP)));
        second.offer(new PmdCommand.Install(flow));
        in.inject(udp(54));
        in.inject(udp(53));
        second.doWork();
        assertEquals(2, transmitted().size());
        assertEquals(1, count(second, PmdCounter.DROP_ACTION));
    }

    @Test
    void outputToAPortThatDoesNotExistIsADrop() {
        final Pmd pmd = pmd(false, ring);
        pmd.offer(new PmdCommand.Install(flowFor(53, DpActions.builder().output(9).build())));
        in.inject(udp(53));
        pmd.doWork();
        assertEquals(1, count(pmd, PmdCounter.DROP_INVALID_PORT));
    }

    @Test
    void orderedModeHoldsTheRestOfTheBatchUntilTheMissIsAnswered() {
        final Pmd pmd = pmd(true, ring);
        pmd.offer(new PmdCommand.Install(flowFor(80, TO_2)));
        final byte[] miss = udp(53);
        final byte[] hit = udp(80);
        in.inject(miss);
        in.inject(hit);
        pmd.doWork();
        pmd.doWork();
        assertTrue(transmitted().isEmpty(), "the hit waits behind the miss");
        assertFalse(pmd.drained());
        final UpcallRing.Upcall u = upcalls().getFirst();
        pmd.offer(answer(u, TO_2));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(2, sent.size());
        assertArrayEquals(miss, sent.get(0));
        assertArrayEquals(hit, sent.get(1));
    }

    @Test
    void anIpv4PacketParsedIntoTheRowOfAnIpv6OneGoesUpWithItsOwnKey() {
        // Key rows are reused batch after batch: the plain-IPv4 parse must clear what an IPv6
        // packet left in the words IPv4 does not use.
        final Pmd pmd = pmd(false, ring);
        final byte[] v6 = eth().ipv6("2001:db8::1", "2001:db8::2").udp(7, 7).payload(20).build();
        for (byte[] frame : List.of(udp(53), v6, udp(53), udp(54))) {
            in.inject(frame);
            pmd.doWork();
            final UpcallRing.Upcall u = upcalls().getFirst();
            assertArrayEquals(Parsed.parse(frame, 1).key(), u.key());
            pmd.offer(answer(u, DpActions.DROP));
            pmd.doWork();
        }
        assertEquals(4, count(pmd, PmdCounter.MISSES));
    }

    @Test
    void aPacketThatRepeatsTheOneBeforeGoesUpWithItsOwnKey() {
        // Ordered mode sends each miss up in turn, the repeat of a train too. Its key is the
        // first packet's row of this batch, not what an earlier batch left in its own row.
        final Pmd pmd = pmd(true, ring);
        final byte[] earlier = eth().ipv6("2001:db8::1", "2001:db8::2").udp(7, 7).payload(20).build();
        in.inject(udp(80));
        in.inject(earlier);
        for (int i = 0; i < 2; i++) {
            pmd.doWork();
            pmd.offer(answer(upcalls().getFirst(), TO_2));
        }
        pmd.doWork();
        assertEquals(2, transmitted().size());
        in.inject(udp(53, 1));
        in.inject(udp(53, 2)); // a train: same headers, another payload
        for (int i = 0; i < 2; i++) {
            pmd.doWork();
            final UpcallRing.Upcall u = upcalls().getFirst();
            assertArrayEquals(Parsed.parse(udp(53, i + 1), 1).key(), u.key(), "packet " + (i + 1) + "'s key");
            pmd.offer(answer(u, TO_2));
        }
        pmd.doWork();
        assertEquals(2, transmitted().size());
    }

    @Test
    void commandsRunOnThePmdThreadBetweenBatches() {
        final Pmd pmd = pmd(false, ring);
        final Thread[] ranOn = new Thread[1];
        pmd.offer(new PmdCommand.Run(() -> ranOn[0] = Thread.currentThread()));
        pmd.doWork();
        assertEquals(Thread.currentThread(), ranOn[0]);
        assertEquals(1, count(pmd, PmdCounter.BUSY_ITERATIONS));
        pmd.doWork();
        assertEquals(1, count(pmd, PmdCounter.IDLE_ITERATIONS));
    }

    // ---- receive queues moving between PMDs ----

    @Test
    void aReleasedQueueIsNoLongerPolledAndIsHandedOverOnceNothingOfItIsInFlight() {
        final Pmd source = pmd(false, ring);
        final Pmd target = pmd(1, false, ring);
        in.inject(udp(53, 1));
        in.inject(udp(53, 2));
        source.doWork();
        final UpcallRing.Upcall u = upcalls().getFirst();
        assertEquals(2, inQueue.inFlight(), "one upcall in flight, one packet parked");

        // Commands ahead of the release in the same mailbox: a flow of another port's traffic
        // installed and one removed; they run before the queue is let go, and nothing is lost.
        final DpFlow other = flowFor(80, TO_2);
        source.offer(new PmdCommand.Install(other));
        final QueueHandover handover = new QueueHandover(inQueue);
        source.offer(new PmdCommand.ReleaseQueue(handover));
        in.inject(udp(53, 3));
        source.doWork();
        assertEquals(1, source.flowCount(), "the command ahead of the release ran");
        assertEquals(-1, inQueue.owner());
        assertFalse(handover.isDrained(), "its upcall is still in flight");
        assertEquals(1, in.pendingRx() > 0 ? 1 : 0, "packet 3 stays in the queue: the source no longer polls it");
        assertTrue(source.rxQueues().isEmpty());

        // The answer comes back to the source, which sends packets 1 and 2; then the queue is free.
        source.offer(new PmdCommand.Install(flowFor(53, TO_2)));
        source.offer(answer(u, TO_2));
        source.doWork();
        assertTrue(handover.isDrained());
        assertEquals(0, inQueue.inFlight());

        final DpFlow copy = new DpFlow(Parsed.parse(udp(53), 1).key(), flowFor(53, TO_2).mask(), TO_2, 1, 0);
        target.offer(new PmdCommand.Install(copy)); // prewarmed before it polls the queue
        target.offer(new PmdCommand.AdoptQueue(inQueue));
        target.doWork();
        assertEquals(1, inQueue.owner());
        final List<byte[]> sent = transmitted();
        assertEquals(3, sent.size());
        for (int n = 1; n <= 3; n++) {
            assertArrayEquals(udp(53, n), sent.get(n - 1), "packet " + n + " in place across the move");
        }
        assertEquals(0, count(target, PmdCounter.MISSES), "the moved queue's flow was there before it arrived");
        assertEquals(1, copy.packets());
    }

    @Test
    void aQueueWithNothingInFlightIsHandedOverAtOnce() {
        final Pmd source = pmd(false, ring);
        final QueueHandover handover = new QueueHandover(inQueue);
        source.offer(new PmdCommand.ReleaseQueue(handover));
        source.doWork();
        assertTrue(handover.isDrained());
        assertEquals(List.of(), source.rxQueues());
    }
}
