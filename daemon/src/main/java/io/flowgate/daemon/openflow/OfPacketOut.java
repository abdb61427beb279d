package io.flowgate.daemon.openflow;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * PACKET_OUT: the controller's frame with its actions, translated as a rule's actions would be
 * (so {@code output:TABLE} runs the pipeline from table 0 as if the frame had arrived on the
 * packet-out's in_port, and FLOOD, ALL and IN_PORT mean what they mean in rules), then sent by a
 * PMD as the answer to an upcall is. Flowgate buffers nothing, so a buffer id other than
 * NO_BUFFER is OFPBRC_BUFFER_UNKNOWN, as OVS answers for a buffer it no longer has.
 */
final class OfPacketOut {
    /** OpenFlow 1.3's in_port for a frame that came from the controller, and for "none". */
    static final int IN_PORT_CONTROLLER = 0xFFFF_FFFD;
    static final int IN_PORT_ANY = 0xFFFF_FFFF;
    private static final long MAILBOX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Bridge dp;
    private final Xlate xlate;
    private final ParseCounters parseCounters = new ParseCounters();

    OfPacketOut(final Bridge dp) {
        this.dp = dp;
        this.xlate = new Xlate(dp.xlatePorts(), null);
    }

    /** Sends the packet-out's frame (the calling connection's thread; waits while the PMD's mailbox is full). */
    void send(final OFPacketOut po) throws OfError {
        if (!po.getBufferId().equals(OFBufferId.NO_BUFFER)) {
            throw OfError.badRequest(OfError.BadRequest.BUFFER_UNKNOWN, "buffer " + po.getBufferId().getInt()
                    + ": Flowgate buffers no packets (send the frame with buffer_id NO_BUFFER)");
        }
        final int inPort = inPort(po.getInPort());
        final byte[] frame = po.getData();
        final long[] key = new long[FlowKey.WORDS];
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment m = arena.allocate(Math.max(frame.length, 1));
            MemorySegment.copy(frame, 0, m, ValueLayout.JAVA_BYTE, 0, frame.length);
            final long offsets = new FlowExtractor(parseCounters, dp.config().vlanLimit())
                    .extract(m, 0, frame.length, inPort, key, 0);
            if (offsets == FlowExtractor.DROP) {
                throw OfError.badRequest(OfError.BadRequest.BAD_PACKET, "a " + frame.length
                        + "-byte frame is not an Ethernet frame Flowgate can send");
            }
        }
        final List<OfAction> actions = OfActions.fromPacketOut(po.getActions(), key);
        final XlateResult r = xlate.translateActions(dp.pipeline().current(), key, actions);
        // Rules and groups the frame went through count it, as a missed packet is counted.
        r.credit(1, frame.length, System.currentTimeMillis());
        final Pmd[] pmds = dp.pmds();
        if (pmds.length == 0) {
            throw OfError.badRequest(OfError.BadRequest.EPERM, "no PMD is running to send the packet");
        }
        final PmdCommand out = new PmdCommand.PacketOut(inPort, 0, 0, 0, 0, null, frame, r.actions(),
                System.currentTimeMillis() * 1_000_000L, false);
        final long deadline = System.nanoTime() + MAILBOX_WAIT_NANOS;
        while (!pmds[0].offer(out)) {
            if (System.nanoTime() > deadline) {
                throw OfError.badRequest(OfError.BadRequest.EPERM, "the datapath is too busy to take the packet");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** The packet-out's in_port: a port number, or CONTROLLER (or ANY) for a frame from nowhere. */
    private int inPort(final OFPort port) throws OfError {
        if (port.equals(OFPort.CONTROLLER)) {
            return IN_PORT_CONTROLLER;
        } else if (port.equals(OFPort.ANY)) {
            return IN_PORT_ANY;
        }
        final long n = Integer.toUnsignedLong(port.getPortNumber());
        if (n == 0 || n > 0xFFFF_FF00L) {
            throw OfError.badRequest(OfError.BadRequest.BAD_PORT, "packet-out in_port " + port
                    + " (a port number, CONTROLLER or ANY)");
        }
        return (int) n;
    }
}
