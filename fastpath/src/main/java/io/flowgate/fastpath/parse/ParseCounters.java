package io.flowgate.fastpath.parse;

/**
 * One counter per {@link ParseAnomaly}. Written by a single thread (the PMD that owns the parser),
 * with plain increments; other threads read a slightly stale value through {@link #get}.
 */
public final class ParseCounters {
    private static final ParseAnomaly[] ANOMALIES = ParseAnomaly.values();

    private final long[] counts = new long[ANOMALIES.length];

    void increment(final ParseAnomaly anomaly) {
        counts[anomaly.ordinal()]++;
    }

    public long get(final ParseAnomaly anomaly) {
        return counts[anomaly.ordinal()];
    }

    /** Sum over every anomaly except later fragments, which are not malformed. */
    public long malformed() {
        long sum = 0;
        for (ParseAnomaly a : ANOMALIES) {
            if (a != ParseAnomaly.IP_LATER_FRAGMENT) {
                sum += counts[a.ordinal()];
            }
        }
        return sum;
    }

    public void clear() {
        java.util.Arrays.fill(counts, 0);
    }

    /** Adds every counter of {@code other} to this one. */
    public void addTo(final ParseCounters total) {
        for (int i = 0; i < counts.length; i++) {
            total.counts[i] += counts[i];
        }
    }
}
