package io.flowgate.revalidator.estimator;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The duty cycle of one estimator thread (IPVS's {@code ip_vs_estimation_kthread}): wake every
 * 40 ms tick, estimate that tick's row of chains, move on to the next row. A thread that wakes
 * late catches up tick by tick; one that fell more than 8 ticks behind (suspended, starved)
 * starts afresh from now rather than estimating in a burst.
 */
final class EstimatorThread implements Runnable {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2000) / Chains.TICKS;

    final Chains chains;
    final long generation;
    private final Clock clock;
    private final BooleanSupplier run;
    private final long[] scratch = new long[StatsSource.FIELDS];
    private volatile boolean stopping;
    private long deadline;
    /** Ticks done, estimators estimated (racy reads for estimator/show). */
    private volatile long ticks;
    private volatile long estimated;
    volatile Thread thread;

    /** Time for estimator threads: the system's, or a test's. */
    public interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void park(final long nanos) {
                LockSupport.parkNanos(nanos);
            }
        };

        long nanoTime();

        /** Sleeps about {@code nanos} of this clock's time (may return early). */
        void park(long nanos);
    }

    EstimatorThread(final Chains chains, final long generation, final Clock clock, final BooleanSupplier run) {
        this.chains = chains;
        this.generation = generation;
        this.clock = clock;
        this.run = run;
        this.deadline = clock.nanoTime();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (!stopping) {
            final long now = clock.nanoTime();
            long gap = deadline - now;
            if (gap > 0) {
                if (gap > TICK_NANOS) {
                    deadline = now + TICK_NANOS;
                    gap = TICK_NANOS;
                }
                clock.park(gap);
                continue;
            }
            if (gap < -8 * TICK_NANOS) {
                deadline = now;
            }
            tick();
            deadline += TICK_NANOS;
        }
    }

    /** One tick: estimate the current row (if estimation is on), then point at the next. */
    void tick() {
        if (run.getAsBoolean()) {
            estimated += chains.estimateNextRow(scratch);
        } else {
            chains.skipNextRow();
        }
        ticks = ticks + 1;
    }

    long ticks() {
        return ticks;
    }

    long estimated() {
        return estimated;
    }

    void stop() {
        stopping = true;
        final Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
