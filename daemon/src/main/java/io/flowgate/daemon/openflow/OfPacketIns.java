package io.flowgate.daemon.openflow;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.upcall.PacketInRing;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.projectfloodlight.openflow.protocol.OFFactory;
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
 * asynchronous messages ({@link OfConnection#receivesAsync}: not a slave, not a service
 * connection that set no miss_send_len), queued without waiting: a connection whose queue is
 * full loses it (counted). While no connection takes them the ring says nobody listens and the
 * datapath counts controller actions as drops. The PMDs keep invalid_ttl packet-ins (off in
 * OpenFlow 1.3's default asynchronous configuration) and those for a controller id other than 0
 * out of the ring.
 */
final class OfPacketIns implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("openflow");
    private static final int BURST = 64;
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

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
                    ring.listening(anyListener());
                    if (ring.poll(this::dispatch, BURST) == 0) {
                        LockSupport.parkNanos(IDLE_NANOS);
                    }
                } catch (RuntimeException e) {
                    // A bug building one message: that packet-in is lost, the others go on.
                    LOG.log(System.Logger.Level.ERROR, "packet-in: " + e, e);
                }
            }
        } finally {
            ring.listening(false);
        }
    }

    private boolean anyListener() {
        for (OfConnection c : connections) {
            if (c.receivesAsync()) {
                return true;
            }
        }
        return false;
    }

    private void dispatch(final PacketInRing.PacketIn p) {
        for (OfConnection c : connections) {
            if (c.receivesAsync() && !c.sendAsync(message(c.factory(), p))) {
                refused.increment();
            }
        }
    }

    /** Packet-ins lost to connections whose queue was full. */
    long refused() {
        return refused.sum();
    }

    static OFPacketIn message(final OFFactory f, final PacketInRing.PacketIn p) {
        return f.buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setTotalLen(p.frame().length)
                .setReason(p.reason() == DpActions.REASON_NO_MATCH || p.reason() == DpActions.REASON_EXPLICIT_MISS
                        ? OFPacketInReason.NO_MATCH : OFPacketInReason.ACTION)
                .setTableId(TableId.of(p.table())).setCookie(U64.of(p.cookie()))
                .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(p.inPort())).build())
                .setData(p.frame()).build();
    }

    /** Stops the thread and waits for it: after this nothing reads the ring (which the datapath then frees). */
    @Override
    public void close() {
        closed = true;
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
