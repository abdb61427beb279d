package io.flowgate.fastpath.pmd;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.fastpath.upcall.UpcallRing;

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
    private final RingPort in = new RingPort(1, "in");
    private final RingPort out = new RingPort(2, "out");
    private final UpcallRing ring = new UpcallRing(1 << 16);
    private final List<AutoCloseable> closing = new ArrayList<>(List.of(in, out, ring));

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private Pmd pmd(final boolean ordered, final UpcallRing... rings) {
        final Pmd pmd = new Pmd(0, List.<Port>of(in, out), List.<Port>of(in), rings, 1, 1, ordered);
        closing.add(pmd::onClose);
        return pmd;
    }

    private static byte[] udp(final int dport) {
        return eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, dport).payload(20).build();
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
        // A batch is looked up in the EMC before the dpcls fills it: all five are megaflow hits.
        assertEquals(5, count(pmd, PmdCounter.MEGAFLOW_HITS));
        assertEquals(0, count(pmd, PmdCounter.EMC_HITS));
        // EMC insertion is certain here (inverse 1), so the next batch hits the EMC.
        for (int i = 0; i < 5; i++) {
            in.inject(udp(53));
        }
        pmd.doWork();
        assertEquals(5, count(pmd, PmdCounter.EMC_HITS));
        assertEquals(5, transmitted().size());
        assertEquals(1, pmd.flowCount());
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

        // The handler's answer: install, then the packet itself with the translated actions.
        final DpFlow flow = flowFor(53, TO_2);
        pmd.offer(new PmdCommand.Install(flow));
        pmd.offer(new PmdCommand.PacketOut(u.getFirst().frame(), 1, TO_2, u.getFirst().seq(), 0));
        pmd.doWork();
        assertEquals(1, transmitted().size());

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
    void withoutHandlersOrWithAFullRingAMissIsALostUpcallAndADrop() {
        final Pmd none = pmd(false);
        in.inject(udp(1));
        none.doWork();
        assertEquals(1, count(none, PmdCounter.LOST_UPCALLS));
        assertEquals(1, count(none, PmdCounter.DROP_UPCALL_LOST));

        final Pmd pmd = pmd(false, ring);
        final byte[] big = eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(1400).build();
        int injected = 0;
        while (ring.backlogBytes() + 2 * big.length < ring.capacity() || injected < 100) {
            for (int i = 0; i < 32; i++) {
                in.inject(big);
                injected++;
            }
            pmd.doWork();
        }
        final long lost = count(pmd, PmdCounter.LOST_UPCALLS);
        assertTrue(lost > 0, "the ring filled up");
        assertEquals(injected, count(pmd, PmdCounter.MISSES) + lost, "every miss is an upcall or a lost upcall");
    }

    @Test
    void malformedFramesAreDroppedAsInvalid() {
        final Pmd pmd = pmd(false, ring);
        in.inject(new byte[] {1, 2, 3});
        pmd.doWork();
        assertEquals(1, count(pmd, PmdCounter.DROP_RX_INVALID));
        assertTrue(upcalls().isEmpty());
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
        assertTrue(!pmd.drained());
        final UpcallRing.Upcall u = upcalls().getFirst();
        pmd.offer(new PmdCommand.PacketOut(u.frame(), 1, TO_2, u.seq(), 0));
        pmd.doWork();
        final List<byte[]> sent = transmitted();
        assertEquals(2, sent.size());
        assertArrayEquals(miss, sent.get(0));
        assertArrayEquals(hit, sent.get(1));
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
        assertTrue(pmd.drained() || !in.exhausted());
    }
}
