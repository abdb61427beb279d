package io.flowgate.daemon.openflow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import org.projectfloodlight.openflow.protocol.OFMessage;

/**
 * A controller's packet-in rate limit, as OVS's pinsched ({@code controller_rate_limit} and
 * {@code controller_burst_limit}): a token bucket of {@code burst} packets filled at {@code rate}
 * packets a second. While tokens last and nothing waits, a packet-in goes at once ("bypassed");
 * otherwise it waits in a queue of its input port ("queued") and the queues are drained round
 * robin as tokens come, so that one port flooding the controller does not starve the others.
 * With {@code burst} packets waiting, a new one first drops the head of the longest queue
 * ("dropped"). Used by the packet-in thread only; the counters are read by others.
 */
final class PacketInScheduler {
    /** Packets drained per call at most, as OVS's pinsched_run (the thread has other work too). */
    static final int DRAIN_BATCH = 50;

    private final long rate;
    private final long burstMilli;
    private final LongSupplier nanoClock;
    /** In thousandths of a packet, as OVS's token bucket counts. */
    private long tokensMilli;
    /** When tokens were last added; {@link #NEVER} until the first packet-in, which finds the bucket full (as OVS's). */
    private long lastFillNanos = NEVER;
    private static final long NEVER = Long.MIN_VALUE;
    /** Per input port, in the order the ports first queued; drained round robin from {@code next}. */
    private final Map<Integer, ArrayDeque<OFMessage>> queues = new HashMap<>();
    private final List<Integer> order = new ArrayList<>();
    private int next;
    private volatile int backlog;
    private volatile long bypassed;
    private volatile long queued;
    private volatile long dropped;

    /**
     * @param rate  packets a second, at least 1
     * @param burst packets queued at most (and the bucket's depth), at least 1
     */
    PacketInScheduler(final long rate, final long burst, final LongSupplier nanoClock) {
        if (rate < 1 || burst < 1) {
            throw new IllegalArgumentException("rate " + rate + " and burst " + burst + " must be at least 1");
        }
        this.rate = rate;
        this.burstMilli = burst * 1000;
        this.nanoClock = nanoClock;
    }

    /** Sends {@code m} through {@code send} now if the rate allows and nothing waits, else queues it. */
    void offer(final int inPort, final OFMessage m, final Predicate<OFMessage> send) {
        if (backlog == 0 && token()) {
            bypassed++;
            send.test(m);
            return;
        }
        if ((long) backlog * 1000 >= burstMilli) {
            dropLongest();
        }
        ArrayDeque<OFMessage> q = queues.get(inPort);
        if (q == null) {
            q = new ArrayDeque<>();
            queues.put(inPort, q);
            order.add(inPort);
        }
        q.add(m);
        backlog++;
        queued++;
    }

    /** Sends queued packet-ins the tokens allow, at most {@link #DRAIN_BATCH}; returns how many. */
    int drain(final Predicate<OFMessage> send) {
        int n = 0;
        while (backlog > 0 && n < DRAIN_BATCH && token()) {
            if (next >= order.size()) {
                next = 0;
            }
            final int port = order.get(next);
            final ArrayDeque<OFMessage> q = queues.get(port);
            send.test(q.poll());
            backlog--;
            n++;
            if (q.isEmpty()) {
                queues.remove(port);
                order.remove(next); // the next port slides into this position
            } else {
                next++;
            }
        }
        return n;
    }

    private boolean token() {
        final long now = nanoClock.getAsLong();
        if (tokensMilli < 1000) {
            final long elapsedMillis = lastFillNanos == NEVER ? burstMilli : (now - lastFillNanos) / 1_000_000;
            if (elapsedMillis > 0) {
                // Capped before multiplying: a long quiet spell fills the bucket, never overflows it.
                tokensMilli = Math.min(burstMilli, tokensMilli + Math.min(elapsedMillis, burstMilli / rate + 1) * rate);
                lastFillNanos = now;
            }
        }
        if (tokensMilli >= 1000) {
            tokensMilli -= 1000;
            return true;
        }
        return false;
    }

    /** Drops the oldest packet-in of the longest queue (one of the longest at random, as OVS). */
    private void dropLongest() {
        int longest = -1;
        int ties = 0;
        for (int i = 0; i < order.size(); i++) {
            final int n = queues.get(order.get(i)).size();
            if (longest < 0 || n > queues.get(order.get(longest)).size()) {
                longest = i;
                ties = 1;
            } else if (n == queues.get(order.get(longest)).size() && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                longest = i;
            }
        }
        final Integer port = order.get(longest);
        final ArrayDeque<OFMessage> q = queues.get(port);
        q.poll();
        backlog--;
        dropped++;
        if (q.isEmpty()) {
            queues.remove(port);
            order.remove(longest);
            if (next > longest) {
                next--;
            }
        }
    }

    /** Packet-ins waiting now. */
    int backlog() {
        return backlog;
    }

    /** OVS's packet-in-TYPE-bypassed: sent at once, the rate not exceeded. */
    long bypassed() {
        return bypassed;
    }

    /** OVS's packet-in-TYPE-queued: made to wait. */
    long queued() {
        return queued;
    }

    /** OVS's packet-in-TYPE-dropped: waited, then dropped for a fuller queue's sake. */
    long dropped() {
        return dropped;
    }
}
