package io.flowgate.daemon.openflow;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.upcall.PacketInRing;

import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.projectfloodlight.openflow.protocol.OFControllerRole;
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
 * whole (a controller sends back exactly the bytes it got), to every connection that wants it
 * under OpenFlow 1.3's default asynchronous configuration: not to a slave, and only for the
 * reasons no_match and action (invalid_ttl is off by default). While no connection is up the
 * ring says nobody listens and the datapath counts controller actions as drops, as before.
 */
final class OfPacketIns implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("openflow");
    private static final int BURST = 64;
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final PacketInRing ring;
    private final Collection<OfConnection> connections;
    private final Thread thread;
    private volatile boolean closed;

    OfPacketIns(final PacketInRing ring, final Collection<OfConnection> connections) {
        this.ring = ring;
        this.connections = connections;
        this.thread = Thread.ofPlatform().daemon().name("ofp-packet-in").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (!closed) {
            ring.listening(anyReady());
            if (ring.poll(this::dispatch, BURST) == 0) {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
        ring.listening(false);
    }

    private boolean anyReady() {
        for (OfConnection c : connections) {
            if (c.ready()) {
                return true;
            }
        }
        return false;
    }

    private void dispatch(final PacketInRing.PacketIn p) {
        if (p.reason() == DpActions.REASON_INVALID_TTL) {
            return; // off in OpenFlow 1.3's default asynchronous configuration
        }
        for (OfConnection c : connections) {
            if (!c.ready() || c.role() == OFControllerRole.ROLE_SLAVE || p.controllerId() != 0) {
                continue;
            }
            try {
                c.send(message(c.factory(), p));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.INFO, c + ": packet-in not sent (" + e.getMessage() + "); closing");
                c.close();
            }
        }
    }

    static OFPacketIn message(final OFFactory f, final PacketInRing.PacketIn p) {
        return f.buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setTotalLen(p.frame().length)
                .setReason(p.reason() == DpActions.REASON_NO_MATCH ? OFPacketInReason.NO_MATCH
                        : OFPacketInReason.ACTION)
                .setTableId(TableId.of(p.table())).setCookie(U64.of(p.cookie()))
                .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(p.inPort())).build())
                .setData(p.frame()).build();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
