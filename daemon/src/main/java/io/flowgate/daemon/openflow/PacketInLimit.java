package io.flowgate.daemon.openflow;

import java.util.function.LongSupplier;

/**
 * The packet-in rate limit of each controller connection (OVS's {@code controller_rate_limit} and
 * {@code controller_burst_limit}), or none.
 *
 * @param rate  packets a second, 0 for no limit
 * @param burst packets that may wait (and the bucket's depth)
 */
public record PacketInLimit(int rate, int burst) {
    public static final PacketInLimit NONE = new PacketInLimit(0, 0);

    /** From the settings, as OVS adjusts them: no rate, no limit; no burst, a quarter of the rate (at least 1). */
    public static PacketInLimit of(final Integer rate, final Integer burst) {
        if (rate == null || rate <= 0) {
            return NONE;
        }
        return new PacketInLimit(rate, burst != null && burst > 0 ? burst : Math.max(1, rate / 4));
    }

    /** A scheduler for one kind of packet-in of one connection, or null without a limit. */
    PacketInScheduler scheduler(final LongSupplier nanoClock) {
        return rate == 0 ? null : new PacketInScheduler(rate, burst, nanoClock);
    }

    @Override
    public String toString() {
        return rate == 0 ? "none" : rate + " packet-ins/s, burst " + burst;
    }
}
