package io.flowgate.fastpath.pmd;

/**
 * Whether the PMD probes its EMC, chosen by measuring both ways on its own traffic.
 *
 * <p>Why: an EMC probe compares whole keys in a table of about a megabyte. With few flows it
 * stays in cache and a hit saves the signature cache's probe and the megaflow's match check;
 * with ten thousand flows or more it thrashes (a hit rate of 66 % with 10,000 5-tuples, 8 % with
 * 100,000) and each probe is a cache miss the signature cache then pays again. OVS leaves that
 * choice to the operator (emc-insert-inv-prob=0 wins on such traffic); here the PMD tries both,
 * about once a second, and keeps the cheaper: {@value #TRIAL_ITERATIONS} busy iterations with
 * probes, as many without, compared by busy nanoseconds per packet. The EMC is still filled while
 * it is not probed, so that the next trial with probes finds what it would have held.
 *
 * <p>Only which caches a packet visits changes: every path ends at the same megaflow. PMD thread
 * only.
 */
final class EmcChoice {
    static final int TRIAL_ITERATIONS = 256;
    /** Probing stops only when that saves at least 1/16 of the cost per packet (noise is not a reason). */
    private static final int MARGIN_SHIFT = 4;

    private static final int HOLDING = 0;
    private static final int TRIAL_PROBING = 1;
    private static final int TRIAL_SKIPPING = 2;

    private int phase = HOLDING;
    private int left;
    private long nanos;
    private long packets;
    private long probingNanos;
    private long probingPackets;
    private boolean probe = true;
    /** The next sample is of an iteration before the trials began: not theirs. */
    private boolean discard;

    /** Whether packets are looked up in the EMC now. */
    boolean probe() {
        return probe;
    }

    /** Starts a pair of trials unless one is under way (about once a second). */
    void retry() {
        if (phase == HOLDING) {
            start(TRIAL_PROBING);
            discard = true;
        }
    }

    private void start(final int trial) {
        phase = trial;
        probe = trial == TRIAL_PROBING;
        left = TRIAL_ITERATIONS;
        nanos = 0;
        packets = 0;
    }

    /**
     * The last iteration, run as the last call said, took {@code busyNanos} for {@code n}
     * received packets (0 for an idle one, or one whose time is not known: no sample).
     *
     * @return whether to probe the EMC in this iteration
     */
    boolean iteration(final long busyNanos, final int n) {
        if (discard) {
            discard = false;
            return probe;
        }
        if (phase == HOLDING || n == 0 || busyNanos == 0) {
            return probe;
        }
        nanos += busyNanos;
        packets += n;
        if (--left > 0) {
            return probe;
        }
        if (phase == TRIAL_PROBING) {
            probingNanos = nanos;
            probingPackets = packets;
            start(TRIAL_SKIPPING);
        } else {
            // Per packet, cross-multiplied: skipping wins if skip/skipPk < (probe/probePk) * (1 - 1/16).
            final long skipping = nanos * probingPackets;
            final long probing = probingNanos * packets;
            probe = skipping >= probing - (probing >> MARGIN_SHIFT);
            phase = HOLDING;
        }
        return probe;
    }
}
