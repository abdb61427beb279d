package io.flowgate.slowpath.ofproto;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Packet, byte and last-used counters of a rule or group bucket. Revalidators push megaflow stats
 * deltas here (several revalidators may do so at once, hence atomics; this is never touched on
 * the per-packet path). Survives a rule being carried into a new pipeline version unchanged.
 */
public final class RuleStats {
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong lastUsedMillis = new AtomicLong();

    public void add(final long packetDelta, final long byteDelta, final long usedMillis) {
        if (packetDelta != 0) {
            packets.addAndGet(packetDelta);
            bytes.addAndGet(byteDelta);
        }
        lastUsedMillis.accumulateAndGet(usedMillis, Math::max);
    }

    public long packets() {
        return packets.get();
    }

    public long bytes() {
        return bytes.get();
    }

    /** Wall-clock milliseconds of the last packet, 0 if none. */
    public long lastUsedMillis() {
        return lastUsedMillis.get();
    }
}
