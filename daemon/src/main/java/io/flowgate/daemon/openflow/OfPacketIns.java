package io.flowgate.daemon.openflow;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.upcall.PacketInRing;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * Packet-ins from the datapath's {@link PacketInRing} to the connected controllers, on a thread
 * of their own so that no PMD and no request waits for a controller. Each goes, unbuffered and
 * whole (a controller sends back exactly the bytes it got), to every connection that takes
 * packet-ins of its reason ({@link OfConnection#receivesAsync}: by its asynchronous
 * configuration for its role, and not a service connection that set no miss_send_len), queued without waiting: a connection whose queue is
 * full loses it (counted). A controller with a {@link PacketInLimit} gets its packet-ins through
 * its {@link PacketInScheduler}s, drained here as their tokens come. While no connection takes them the ring says nobody listens and the
 * datapath counts controller actions as drops. The PMDs keep invalid_ttl packet-ins (off in
 * OpenFlow 1.3's default asynchronous configuration) and those for a controller id other than 0
 * out of the ring.
 */
final class OfPacketIns implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("openflow");
    private static final int BURST = 64;
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A connection's two rate limits: table misses, and the rest (OVS's two pinscheds). */
    private static final boolean[] MISS_AND_ACTION = {true, false};

    private final PacketInRing ring;
    private final Collection<OfConnection> connections;
    private final Thread thread;
    private volatile boolean closed;
    /** Packet-ins a connection's full queue refused (read by tests and the log). */
    private final java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();

    OfPacketIns(final PacketInRing ring, final Collection<OfConnection> connections) {
        this.ring = ring;
        this.connections = connections;
        this.thread = Thread.ofPlatform().daemon().name("ofp-packet-in").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    listenersChanged();
                    if (ring.poll(this::dispatch, BURST) + drainLimited() == 0) {
                        LockSupport.parkNanos(IDLE_NANOS);
                    }
                } catch (RuntimeException e) {
                    // A bug building one message: that packet-in is lost, the others go on.
                    LOG.log(System.Logger.Level.ERROR, "packet-in: " + e, e);
                }
            }
        } finally {
            // Closed, or this thread died: nobody reads the ring any more, whatever connections say.
            closed = true;
            listenersChanged();
        }
    }

    /**
     * Tells the datapath whether anyone takes packet-ins now. Connections call it as they change (a
     * controller that has just said HELLO gets the next packet's packet-in, not one this thread's next
     * turn would have let through); the lock orders the calls, so the last one writes what is true.
     */
    synchronized void listenersChanged() {
        ring.listening(!closed && anyListener());
    }

    private boolean anyListener() {
        for (OfConnection c : connections) {
            if (c.receivesAsync(OfConnection.PACKET_IN, DpActions.REASON_NO_MATCH)
                    || c.receivesAsync(OfConnection.PACKET_IN, DpActions.REASON_ACTION)) {
                return true;
            }
        }
        return false;
    }

    private void dispatch(final PacketInRing.PacketIn p) {
        final boolean miss = isMiss(p.reason());
        for (OfConnection c : connections) {
            if (!c.receivesAsync(OfConnection.PACKET_IN, miss ? DpActions.REASON_NO_MATCH : DpActions.REASON_ACTION)) {
                continue;
            }
            final OFPacketIn m = message(c.factory(), p);
            final PacketInScheduler limit = c.packetInLimit(miss);
            if (limit == null) {
                send(c, m);
            } else {
                limit.offer(p.inPort(), m, x -> send(c, x));
            }
        }
    }

    /** Sends what rate-limited connections may send now of what waits; returns how many went. */
    private int drainLimited() {
        int n = 0;
        for (OfConnection c : connections) {
            for (boolean miss : MISS_AND_ACTION) {
                final PacketInScheduler limit = c.packetInLimit(miss);
                if (limit != null && limit.backlog() > 0) {
                    n += limit.drain(x -> send(c, x));
                }
            }
        }
        return n;
    }

    private boolean send(final OfConnection c, final OFMessage m) {
        if (!c.sendAsync(m)) {
            refused.increment();
            return false;
        }
        return true;
    }

    private static boolean isMiss(final int reason) {
        return reason == DpActions.REASON_NO_MATCH || reason == DpActions.REASON_EXPLICIT_MISS;
    }

    /** Packet-ins lost to connections whose queue was full. */
    long refused() {
        return refused.sum();
    }

    static OFPacketIn message(final OFFactory f, final PacketInRing.PacketIn p) {
        return f.buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setTotalLen(p.frame().length)
                .setReason(isMiss(p.reason()) ? OFPacketInReason.NO_MATCH : OFPacketInReason.ACTION)
                .setTableId(TableId.of(p.table())).setCookie(U64.of(p.cookie()))
                .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(p.inPort())).build())
                .setData(p.frame()).build();
    }

    /** Stops the thread and waits for it: after this nothing reads the ring (which the datapath then frees). */
    @Override
    public void close() {
        closed = true;
        listenersChanged(); // also when the thread never started
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
