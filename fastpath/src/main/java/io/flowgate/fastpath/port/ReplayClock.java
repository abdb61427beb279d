package io.flowgate.fastpath.port;

import java.util.Arrays;

/**
 * Merges several pcap inputs by capture time: a port may deliver its next packet only when no
 * other port's next packet is earlier (ties go to the port registered first). With one PMD polling
 * the ports, the datapath sees all inputs in one time-ordered stream, as a replay must. Used only
 * by the PMD thread that polls the ports.
 */
public final class ReplayClock {
    private long[] heads = new long[0];

    /** Registers a port; returns its index. */
    public synchronized int register() {
        heads = Arrays.copyOf(heads, heads.length + 1);
        heads[heads.length - 1] = Long.MIN_VALUE;
        return heads.length - 1;
    }

    /** Publishes the capture time of a port's next packet ({@link Long#MAX_VALUE} when it has none). */
    public void head(final int index, final long timestampNanos) {
        heads[index] = timestampNanos;
    }

    /** True if the port at {@code index} may deliver a packet captured at {@code timestampNanos}. */
    public boolean mayDeliver(final int index, final long timestampNanos) {
        final long[] h = heads;
        for (int i = 0; i < h.length; i++) {
            if (i != index && (h[i] < timestampNanos || (h[i] == timestampNanos && i < index))) {
                return false;
            }
        }
        return true;
    }
}
