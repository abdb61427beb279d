package io.flowgate.daemon.control;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

/**
 * Event counters with their recent rates, as OVS's coverage/show prints them: each counter is
 * sampled every 5 seconds and the averages over the last 5 seconds, minute and hour are kept.
 */
final class Coverage {
    static final long PERIOD_MILLIS = 5_000;
    private static final int MINUTE = 12;
    private static final int HOUR = 720;

    private final Map<String, LongSupplier> counters = new LinkedHashMap<>();
    private final Map<String, long[]> history = new LinkedHashMap<>();
    private int samples;

    synchronized void add(final String name, final LongSupplier counter) {
        counters.put(name, counter);
        history.put(name, new long[HOUR + 1]);
    }

    /** Takes a sample (every {@value #PERIOD_MILLIS} ms). */
    synchronized void sample() {
        final int slot = samples % (HOUR + 1);
        for (Map.Entry<String, LongSupplier> e : counters.entrySet()) {
            history.get(e.getKey())[slot] = e.getValue().getAsLong();
        }
        samples++;
    }

    private long ago(final long[] h, final int periods) {
        final int back = Math.min(periods, samples - 1);
        if (back <= 0) {
            return h[(samples - 1 + HOUR + 1) % (HOUR + 1)];
        }
        return h[((samples - 1 - back) % (HOUR + 1) + HOUR + 1) % (HOUR + 1)];
    }

    synchronized String show() {
        final CRC32 crc = new CRC32();
        for (String name : counters.keySet()) {
            crc.update(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        final StringBuilder s = new StringBuilder(String.format(
                "Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=%08x:%n", crc.getValue()));
        final List<String> neverHit = new ArrayList<>();
        for (Map.Entry<String, LongSupplier> e : counters.entrySet()) {
            final long now = e.getValue().getAsLong();
            if (now == 0) {
                neverHit.add(e.getKey());
                continue;
            }
            final long[] h = history.get(e.getKey());
            final double s5 = samples == 0 ? 0 : (now - ago(h, 1)) / 5.0;
            final double m = samples == 0 ? 0 : (now - ago(h, MINUTE)) / 60.0;
            final double hr = samples == 0 ? 0 : (now - ago(h, HOUR)) / 3600.0;
            s.append(String.format("%-24s %5.1f/sec %9.3f/sec %13.4f/sec   total: %d%n", e.getKey(), s5, m, hr, now));
        }
        s.append(neverHit.size()).append(" events never hit\n");
        return s.toString();
    }
}
