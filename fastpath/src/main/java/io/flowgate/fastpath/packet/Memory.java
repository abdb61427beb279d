package io.flowgate.fastpath.packet;

import java.lang.foreign.MemorySegment;

/**
 * The whole address space as one segment. Packets live at absolute addresses, in Flowgate's own
 * buffers or in DPDK mbufs alike, and the fast path reads them through this segment at
 * {@code address}; the code that reads checks lengths itself (see the parser).
 */
public final class Memory {
    /** Every address, from 0 to {@code Long.MAX_VALUE}. */
    @SuppressWarnings("restricted") // the point of this class; readers check lengths (see above)
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Memory() {
    }
}
