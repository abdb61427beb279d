package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.action.Outputs;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.TxQueue;
import io.flowgate.fastpath.upcall.PacketInRing;

import java.util.Arrays;

import org.agrona.collections.Int2IntHashMap;

/**
 * A PMD's transmit side: its own transmit queue on every port (the queue numbered by the PMD's
 * id), filled while a batch executes and flushed once per port at the end of the PMD's iteration,
 * so each port gets one send per batch. Counts what it sends and what the devices refuse in the
 * PMD's counters. PMD thread only.
 */
final class TxQueues implements Outputs {
    private final Port[] ports;
    private final TxQueue[] queues;
    private final Int2IntHashMap slotOf = new Int2IntHashMap(-1);
    /** Port number to slot for small port numbers (the usual case): an array read, not a hash lookup. */
    private final int[] slotByPort = new int[256];
    private final boolean[] used;
    private final PmdStats stats;
    private final int[] one = new int[1];
    /** Where controller actions send packets, or null (none: they go nowhere). */
    private final PacketInRing packetIns;

    TxQueues(final Port[] ports, final int queue, final PmdStats stats, final PacketInRing packetIns) {
        this.ports = ports;
        this.stats = stats;
        this.packetIns = packetIns;
        this.queues = new TxQueue[ports.length];
        this.used = new boolean[ports.length];
        Arrays.fill(slotByPort, -1);
        for (int i = 0; i < ports.length; i++) {
            final Port p = ports[i];
            if (p.txQueues() <= queue) {
                throw new IllegalArgumentException("port " + p.name() + " has " + p.txQueues()
                        + " transmit queue(s); PMD " + queue + " needs queue " + queue);
            }
            queues[i] = p.txQueue(queue);
            slotOf.put(p.number(), i);
            if (p.number() >= 0 && p.number() < slotByPort.length) {
                slotByPort[p.number()] = i;
            }
        }
    }

    /** The slot of port number {@code port} (the index of its counters), or -1. */
    int slot(final int port) {
        return port >= 0 && port < slotByPort.length ? slotByPort[port] : slotOf.get(port);
    }

    Port port(final int slot) {
        return ports[slot];
    }

    @Override
    public void output(final int port, final PacketBatch b, final int i, final boolean last) {
        one[0] = i;
        output(port, b, one, 1, last);
    }

    @Override
    public void output(final int port, final PacketBatch b, final int[] pkts, final int n, final boolean last) {
        final int slot = slot(port);
        final long[] c = stats.counts;
        if (slot < 0) {
            c[PmdStats.index(DropReason.INVALID_PORT)] += n;
            return;
        }
        final TxQueue q = queues[slot];
        // A packet's last output hands its mbuf over (zero copy), the run at once; others are copied.
        final int handed = last ? q.sendBuffers(b, pkts, n) : 0;
        int sent = handed;
        long bytes = 0;
        for (int j = 0; j < handed; j++) {
            bytes += b.length(pkts[j]);
        }
        for (int j = handed; j < n; j++) {
            final int i = pkts[j];
            final int len = b.length(i);
            if ((last && b.mbuf(i) != 0 && q.sendBuffer(b, i)) || q.send(Memory.ALL, b.address(i), len, b.timestamp(i))) {
                sent++;
                bytes += len;
            } else {
                c[PmdStats.index(DropReason.TX_FAILED)]++;
                stats.portTxDropped[slot]++;
            }
        }
        c[PmdCounter.TX_PACKETS.ordinal()] += sent;
        stats.portTx[slot] += sent;
        stats.portTxBytes[slot] += bytes;
        used[slot] |= sent > 0;
    }

    @Override
    public boolean controller(final PacketBatch b, final int[] pkts, final int n, final long action,
                              final long cookie) {
        final PacketInRing ring = packetIns;
        if (ring == null || !ring.listening() || DpActions.userspaceReason(action) == DpActions.REASON_INVALID_TTL
                || DpActions.userspaceControllerId(action) != 0) {
            // Nobody takes it: invalid_ttl is off in OpenFlow 1.3's default asynchronous
            // configuration, and controller ids other than 0 are not assigned.
            return false;
        }
        final long[] c = stats.counts;
        for (int j = 0; j < n; j++) {
            final int i = pkts[j];
            if (ring.offer(b.inPort(), action, cookie, Memory.ALL, b.address(i), b.length(i))) {
                c[PmdCounter.PACKET_INS.ordinal()]++;
            } else {
                c[PmdCounter.PACKET_IN_OVERFLOWS.ordinal()]++;
            }
        }
        return true;
    }

    @Override
    public void drop(final PacketBatch b, final int i, final DropReason reason) {
        stats.counts[PmdStats.index(reason)]++;
        if (reason == DropReason.RX_INVALID || reason == DropReason.UPCALL_LOST) {
            final int slot = slot(b.inPort());
            if (slot >= 0) {
                stats.portRxDropped[slot]++; // the port received it, the datapath could not take it
            }
        }
    }

    /** Pushes every queue that got packets to its device; counts what the devices refused. */
    void flush() {
        final boolean[] u = used;
        for (int s = 0; s < u.length; s++) {
            if (u[s]) {
                u[s] = false;
                stats.counts[PmdCounter.TX_BATCHES.ordinal()]++;
                final int refused = queues[s].flush();
                if (refused > 0) {
                    // Counted as sent when queued; the device refused them at the burst.
                    stats.counts[PmdCounter.TX_PACKETS.ordinal()] -= refused;
                    stats.portTx[s] -= refused;
                    stats.counts[PmdCounter.DROP_TX_FAILED.ordinal()] += refused;
                    stats.portTxDropped[s] += refused;
                    stats.portTxBytes[s] -= queues[s].takeRefusedBytes();
                }
            }
        }
    }
}
