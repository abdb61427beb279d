package io.flowgate.fastpath.dpdk;

import io.flowgate.bindings.flowgate_shim_h;
import io.flowgate.bindings.rte_mbuf;
import io.flowgate.bindings.rte_mbuf_h;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.port.TxQueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One PMD's transmit queue on a {@link DpdkPort}: mbufs gathered during a batch, sent in one burst
 * at its end (or when {@value #BURST} are waiting). Only its PMD uses it; padded so that two PMDs'
 * queues never share a cache line.
 */
@SuppressWarnings("unused")
final class DpdkTxQueue implements TxQueue {
    /** Mbufs a queue gathers at most before it sends them. */
    static final int BURST = 64;
    @SuppressWarnings("restricted") // mbufs are read by address, as in rte_mbuf
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private long p01, p02, p03, p04, p05, p06, p07;
    private final short portId;
    private final short queue;
    private final long poolAddress;
    private final long mbufs;
    private int count;
    private int refused;
    private long refusedBytes;
    private long p11, p12, p13, p14, p15, p16, p17;

    /**
     * @param mbufs       an array of {@value #BURST} mbuf pointers, the queue's own
     * @param poolAddress the pool that packets from the slow path are copied into
     */
    DpdkTxQueue(final short portId, final short queue, final long mbufs, final long poolAddress) {
        this.portId = portId;
        this.queue = queue;
        this.mbufs = mbufs;
        this.poolAddress = poolAddress;
    }

    @Override
    public boolean sendBuffer(final PacketBatch batch, final int i) {
        final long m = batch.takeMbuf(i);
        if (m == 0) {
            return false; // not received from a DPDK port: it is copied
        }
        reframe(batch, i, m);
        enqueue(m);
        return true;
    }

    /**
     * The run of a batch's packets that one output sends, at once: the loop that queues their
     * mbufs calls nothing (a burst comes between chunks of it), so the JIT keeps the queue's and
     * the batch's fields in registers across it.
     */
    @Override
    public int sendBuffers(final PacketBatch batch, final int[] pkts, final int n) {
        int j = 0;
        while (j < n) {
            final int c = count;
            final int room = Math.min(n - j, BURST - c);
            final long at = mbufs + 8L * c;
            int taken = 0;
            while (taken < room) {
                final int i = pkts[j + taken];
                final long m = batch.takeMbuf(i);
                if (m == 0) {
                    break;
                }
                reframe(batch, i, m);
                ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8L * taken, m);
                taken++;
            }
            count = c + taken;
            j += taken;
            if (c + taken == BURST) {
                refused += burst();
            }
            if (taken < room) {
                break;
            }
        }
        return j;
    }

    /** A tag was pushed or popped on packet {@code i}: the frame moved within its mbuf {@code m}. */
    private static void reframe(final PacketBatch batch, final int i, final long m) {
        if (batch.reframed(i)) {
            final long buf = rte_mbuf.buf_addr(m);
            final int len = batch.length(i);
            rte_mbuf.data_off(m, (int) (batch.address(i) - buf));
            rte_mbuf.data_len(m, len);
            rte_mbuf.pkt_len(m, len);
        }
    }

    @Override
    public boolean send(final MemorySegment memory, final long address, final int length,
                        final long timestampNanos) {
        final long m = flowgate_shim_h.fg_pktmbuf_alloc(poolAddress);
        if (m == 0) {
            return false;
        }
        final long data = rte_mbuf.buf_addr(m) + rte_mbuf.data_off(m);
        if (length > rte_mbuf.buf_len(m) - rte_mbuf.data_off(m)) {
            flowgate_shim_h.fg_pktmbuf_free(m);
            return false;
        }
        MemorySegment.copy(memory, address, ALL, data, length);
        rte_mbuf.data_len(m, length);
        rte_mbuf.pkt_len(m, length);
        enqueue(m);
        return true;
    }

    private void enqueue(final long m) {
        final int c = count;
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, mbufs + 8L * c, m);
        count = c + 1;
        if (c + 1 == BURST) {
            refused += burst();
        }
    }

    /** Sends what the queue holds; frees and returns what the device refused. */
    int burst() {
        final int c = count;
        if (c == 0) {
            return 0;
        }
        final int sent = flowgate_shim_h.fg_tx_burst(portId, queue, mbufs, (short) c) & 0xFFFF;
        count = 0;
        if (sent < c) {
            for (int i = sent; i < c; i++) {
                refusedBytes += rte_mbuf.pkt_len(ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, mbufs + 8L * i));
            }
            rte_mbuf_h.rte_pktmbuf_free_bulk(mbufs + 8L * sent, c - sent);
        }
        return c - sent;
    }

    @Override
    public int flush() {
        final int r = refused + burst();
        refused = 0;
        return r;
    }

    @Override
    public long takeRefusedBytes() {
        final long b = refusedBytes;
        refusedBytes = 0;
        return b;
    }
}
