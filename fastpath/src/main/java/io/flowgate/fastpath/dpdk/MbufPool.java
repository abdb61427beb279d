package io.flowgate.fastpath.dpdk;

import io.flowgate.bindings.rte_mbuf_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A pool of packet buffers (mbufs) that receive queues fill and transmit queues empty. */
public final class MbufPool implements AutoCloseable {
    /** Room for a 1518-byte frame and the 128-byte headroom, as DPDK's default. */
    public static final int DATA_ROOM = 2176;
    /** Per-lcore cache (DPDK's usual 256). */
    public static final int CACHE = 256;

    private final String name;
    private final MemorySegment pool;
    private boolean closed;

    private MbufPool(final String name, final MemorySegment pool) {
        this.name = name;
        this.pool = pool;
    }

    /** Creates a pool of {@code count} mbufs on NUMA socket {@code socket} (-1: any). */
    public static MbufPool create(final String name, final int count, final int socket) throws DpdkException {
        final MemorySegment mp;
        try (Arena arena = Arena.ofConfined()) {
            mp = rte_mbuf_h.rte_pktmbuf_pool_create(arena.allocateFrom(name), count, CACHE, (short) 0,
                    (short) DATA_ROOM, socket);
        }
        if (mp.equals(MemorySegment.NULL)) {
            throw new DpdkException("cannot create mbuf pool " + name + " of " + count + " mbufs: "
                    + Eal.strerror(io.flowgate.bindings.flowgate_shim_h.fg_errno())
                    + " (fewer mbufs, or more memory with -m / hugepages)");
        }
        return new MbufPool(name, mp);
    }

    public String name() {
        return name;
    }

    public MemorySegment pointer() {
        return pool;
    }

    public long address() {
        return pool.address();
    }

    /** Mbufs free right now. */
    public int available() {
        return rte_mbuf_h.rte_mempool_avail_count(pool);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            rte_mbuf_h.rte_mempool_free(pool);
        }
    }
}
