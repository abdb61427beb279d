package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.port.LoadHistory;
import io.flowgate.fastpath.port.RxQueue;

import java.util.Arrays;

/**
 * A PMD's sense of time: one clock read per iteration, which ends the previous iteration (its
 * time is busy or idle) and dates this one's packets and megaflow hits (an idle iteration reads
 * the clock once more as it ends, so that the idle strategy's sleep is told apart, as OVS's
 * pmd-perf-show tells sleep iterations); the busy time of an
 * iteration split over the receive queues that had packets in it, by their packets; and every
 * {@value LoadHistory#INTERVAL_MILLIS} ms a load interval closed for the PMD and its queues
 * (what pmd-rxq-show and rebalancing read). PMD thread only.
 */
final class PmdClock {
    private static final long RANK_INTERVAL_NANOS = 1_000_000_000L;
    private static final long SAMPLE_INTERVAL_NANOS = LoadHistory.INTERVAL_MILLIS * 1_000_000L;

    private final LoadHistory history = new LoadHistory();
    /** A gap this long after an idle iteration is a sleep (Agrona's back-off parks for 1 us at least). */
    private static final long MIN_SLEEP_NANOS = 1_000;

    private long iterationStart;
    /** How long the last iteration took if it was busy, else 0. */
    private long lastBusyNanos;
    private long idleEnd;
    private boolean lastBusy;
    private long lastRankNanos;
    private long lastSampleNanos;
    /** Wall-clock epoch nanoseconds minus {@link System#nanoTime()}, recalibrated every second. */
    private long wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    private long wallNanos;
    private RxQueue[] busyQueues = new RxQueue[4];
    private int[] busyPackets = new int[4];
    private int busyCount;

    /**
     * Starts an iteration: charges the last one's time, closes a load interval when one is due.
     *
     * @return true if a second has passed since the last ranking (time to re-rank subtables)
     */
    boolean start(final long[] counts, final RxQueue[] polled) {
        final long now = System.nanoTime();
        lastBusyNanos = 0;
        if (iterationStart != 0) {
            final long elapsed = now - iterationStart;
            if (lastBusy) {
                lastBusyNanos = elapsed;
                counts[PmdCounter.BUSY_NANOS.ordinal()] += elapsed;
                chargeQueues(elapsed);
            } else {
                final long asleep = now - idleEnd;
                if (asleep >= MIN_SLEEP_NANOS) { // parked by the idle strategy, not just looping
                    counts[PmdCounter.SLEEP_ITERATIONS.ordinal()]++;
                    counts[PmdCounter.SLEEP_NANOS.ordinal()] += asleep;
                    counts[PmdCounter.IDLE_NANOS.ordinal()] += elapsed - asleep;
                } else {
                    counts[PmdCounter.IDLE_NANOS.ordinal()] += elapsed;
                }
            }
        } else {
            lastSampleNanos = now;
        }
        iterationStart = now;
        if (now - lastSampleNanos > SAMPLE_INTERVAL_NANOS) {
            for (RxQueue q : polled) {
                q.sample(now - lastSampleNanos);
            }
            history.sample(counts[PmdCounter.BUSY_NANOS.ordinal()], now - lastSampleNanos);
            lastSampleNanos = now;
        }
        boolean rank = false;
        if (now - lastRankNanos > RANK_INTERVAL_NANOS) {
            lastRankNanos = now;
            wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - now;
            rank = true;
        }
        wallNanos = now + wallOffsetNanos;
        return rank;
    }

    /** How long the iteration before this one took, if it was busy; else 0. */
    long lastBusyNanos() {
        return lastBusyNanos;
    }

    /** Wall-clock epoch nanoseconds of this iteration. */
    long wallNanos() {
        return wallNanos;
    }

    /** Wall-clock milliseconds of this iteration (megaflow "used" times). */
    long nowMillis() {
        return wallNanos / 1_000_000L;
    }

    /** Ends an iteration: was it busy? (counted in {@code counts}) */
    void end(final boolean busy, final long[] counts) {
        lastBusy = busy;
        if (!busy) {
            // A second clock read on idle iterations only: what follows until the next one is sleep.
            idleEnd = System.nanoTime();
        }
        counts[(busy ? PmdCounter.BUSY_ITERATIONS : PmdCounter.IDLE_ITERATIONS).ordinal()]++;
    }

    /** After a pause: that time is neither busy nor idle, nor any queue's (one may have moved meanwhile). */
    void forget() {
        iterationStart = 0;
        Arrays.fill(busyQueues, 0, busyCount, null);
        busyCount = 0;
    }

    /** Queue {@code q} had {@code n} packets in this iteration. */
    void busy(final RxQueue q, final int n) {
        if (busyCount == busyQueues.length) {
            busyQueues = Arrays.copyOf(busyQueues, busyCount * 2);
            busyPackets = Arrays.copyOf(busyPackets, busyCount * 2);
        }
        busyQueues[busyCount] = q;
        busyPackets[busyCount++] = n;
    }

    private void chargeQueues(final long elapsed) {
        if (busyCount == 1) { // one queue had it all (the usual case): no division
            busyQueues[0].busy(elapsed);
            busyQueues[0] = null;
            busyCount = 0;
            return;
        }
        long total = 0;
        for (int i = 0; i < busyCount; i++) {
            total += busyPackets[i];
        }
        for (int i = 0; i < busyCount; i++) {
            busyQueues[i].busy(elapsed * busyPackets[i] / Math.max(1, total));
            busyQueues[i] = null;
        }
        busyCount = 0;
    }

    LoadHistory history() {
        return history;
    }
}
