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

    /** DPDK's RTE_PKTMBUF_HEADROOM: the data room's part in front of the frame. */
    public static final int HEADROOM = 128;
    /** The largest MTU a port may ask for (OVS's netdev-dpdk limit). */
    public static final int MAX_MTU = 9702;

    private final String name;
    private final MemorySegment pool;
    private final int dataRoom;
    private boolean closed;

    private MbufPool(final String name, final MemorySegment pool, final int dataRoom) {
        this.name = name;
        this.pool = pool;
        this.dataRoom = dataRoom;
    }

    /** Creates a pool of {@code count} mbufs on NUMA socket {@code socket} (-1: any), of DPDK's default size. */
    public static MbufPool create(final String name, final int count, final int socket) throws DpdkException {
        return create(name, count, socket, DATA_ROOM);
    }

    /**
     * The data room for frames of {@code mtu} (as OVS sizes its mbufs: the largest frame, with
     * Ethernet header, CRC and two VLAN tags, rounded up to 1 KB, plus the headroom); never less
     * than DPDK's default.
     */
    public static int dataRoomFor(final int mtu) {
        return Math.max(DATA_ROOM, (frameFor(mtu) + 1023) / 1024 * 1024 + HEADROOM);
    }

    /** The longest frame an {@code mtu} lets in: Ethernet header, CRC and two VLAN tags on top. */
    public static int frameFor(final int mtu) {
        return mtu + 14 + 4 + 8;
    }

    /** Creates a pool whose mbufs have {@code dataRoom} bytes (headroom included). */
    public static MbufPool create(final String name, final int count, final int socket, final int dataRoom)
            throws DpdkException {
        final MemorySegment mp;
        try (Arena arena = Arena.ofConfined()) {
            mp = rte_mbuf_h.rte_pktmbuf_pool_create(arena.allocateFrom(name), count, CACHE, (short) 0,
                    (short) dataRoom, socket);
        }
        if (mp.equals(MemorySegment.NULL)) {
            throw new DpdkException("cannot create mbuf pool " + name + " of " + count + " mbufs: "
                    + Eal.strerror(io.flowgate.bindings.flowgate_shim_h.fg_errno())
                    + " (fewer mbufs, or more memory with -m / hugepages)");
        }
        return new MbufPool(name, mp, dataRoom);
    }

    /** Bytes of frame one mbuf holds (its data room less the headroom). */
    public int frameRoom() {
        return dataRoom - HEADROOM;
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
