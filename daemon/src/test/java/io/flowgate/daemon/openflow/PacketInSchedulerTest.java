package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;

/**
 * The controller's packet-in rate limit, as OVS's pinsched: a token bucket of {@code burst}
 * packets filled at {@code rate} a second, per-port queues drained round robin, the longest queue
 * losing its oldest when {@code burst} wait. Driven by a clock the test moves.
 */
class PacketInSchedulerTest {
    private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);
    private long now;
    private final List<Long> sent = new ArrayList<>();

    private PacketInScheduler scheduler(final int rate, final int burst) {
        return new PacketInScheduler(rate, burst, () -> now);
    }

    /** A packet-in stand-in: port * 1000 + sequence in its xid, so order and origin can be read back. */
    private static OFMessage pin(final int port, final int seq) {
        return F.buildEchoRequest().setXid(port * 1000L + seq).setData(new byte[0]).build();
    }

    private boolean send(final OFMessage m) {
        return sent.add(m.getXid());
    }

    private void advanceMillis(final long ms) {
        now += TimeUnit.MILLISECONDS.toNanos(ms);
    }

    @Test
    void packetInsWithinTheRateGoAtOnce() {
        final PacketInScheduler s = scheduler(100, 25);
        for (int i = 0; i < 500; i++) {
            s.offer(1, pin(1, i), this::send);
            advanceMillis(10);
        }
        assertEquals(500, sent.size());
        assertEquals(500, s.bypassed());
        assertEquals(0, s.queued());
    }

    @Test
    void aBurstBeyondTheBucketWaitsAndBeyondBurstWaitingTheOldestIsDropped() {
        final PacketInScheduler s = scheduler(10, 2);
        for (int i = 0; i < 5; i++) {
            s.offer(1, pin(1, i), this::send);
        }
        assertEquals(List.of(1000L, 1001L), sent, "the bucket starts full: two go at once");
        assertEquals(2, s.backlog(), "at most burst wait");
        assertEquals(1, s.dropped(), "the fifth pushed out the oldest waiting (the third)");
        assertEquals(0, s.drain(this::send), "no token yet");
        advanceMillis(100); // one packet's worth at 10/s
        assertEquals(1, s.drain(this::send));
        advanceMillis(99);
        assertEquals(0, s.drain(this::send));
        advanceMillis(1);
        assertEquals(1, s.drain(this::send));
        assertEquals(List.of(1000L, 1001L, 1003L, 1004L), sent, "in order, less the dropped one");
        assertEquals(2, s.bypassed());
        assertEquals(3, s.queued());
        assertEquals(0, s.backlog());
    }

    @Test
    void whileAnythingWaitsANewPacketInQueuesBehindItEvenWithTokens() {
        final PacketInScheduler s = scheduler(1000, 4);
        for (int i = 0; i < 6; i++) {
            s.offer(1, pin(1, i), this::send);
        }
        advanceMillis(1);
        s.offer(1, pin(1, 6), this::send);
        assertEquals(4, sent.size(), "the token went to the queue's turn, not the newcomer");
        s.drain(this::send);
        assertEquals(List.of(1000L, 1001L, 1002L, 1003L, 1004L), sent);
    }

    @Test
    void onePortFloodingDoesNotStarveAnotherAndLosesItsOwnPacketInsFirst() {
        final PacketInScheduler s = scheduler(10, 8);
        for (int i = 0; i < 8; i++) {
            s.offer(1, pin(1, i), this::send); // the bucket's 8 tokens go to these
        }
        for (int i = 8; i < 100; i++) {
            s.offer(1, pin(1, i), this::send);
        }
        s.offer(2, pin(2, 0), this::send);
        s.offer(3, pin(3, 0), this::send);
        assertEquals(8, s.backlog());
        assertEquals(86, s.dropped(), "the flood lost its own oldest, also to make room for ports 2 and 3");
        sent.clear();
        advanceMillis(300);
        assertEquals(3, s.drain(this::send));
        assertEquals(List.of(1094L, 2000L, 3000L), sent, "round robin over the ports that wait");
        advanceMillis(10_000);
        s.drain(this::send);
        assertEquals(List.of(1094L, 2000L, 3000L, 1095L, 1096L, 1097L, 1098L, 1099L), sent);
    }

    @Test
    void aLongQuietSpellFillsTheBucketOnlyToItsDepth() {
        final PacketInScheduler s = scheduler(1000, 3);
        advanceMillis(TimeUnit.DAYS.toMillis(365));
        for (int i = 0; i < 10; i++) {
            s.offer(1, pin(1, i), this::send);
        }
        assertEquals(3, s.bypassed());
        assertEquals(3, s.backlog());
    }

    @Test
    void drainingStopsAfterABatchSoThatTheThreadServesTheRing() {
        final PacketInScheduler s = scheduler(1_000_000, 1000);
        for (int i = 0; i < 2000; i++) {
            s.offer(1, pin(1, i), this::send);
        }
        advanceMillis(1000);
        assertEquals(PacketInScheduler.DRAIN_BATCH, s.drain(this::send));
    }

    @Test
    void aLimitIsAsOvsAdjustsItAndNoneMakesNoScheduler() {
        assertEquals(PacketInLimit.NONE, PacketInLimit.of(null, 50));
        assertEquals(new PacketInLimit(1000, 250), PacketInLimit.of(1000, null));
        assertEquals(new PacketInLimit(2, 1), PacketInLimit.of(2, null));
        assertEquals(null, PacketInLimit.NONE.scheduler(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> new PacketInScheduler(0, 1, () -> 0));
    }
}
