package io.flowgate.revalidator.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Placement, estimation under churn, and reconfiguration by generation. Threads are the test's:
 * stepped by hand, or run on a clock that goes 50 times faster than the wall's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EstimatorsTest {
    /** A launcher that starts nothing: the test ticks the threads itself. */
    private static final class Stepped implements Estimators.Launcher {
        final List<EstimatorThread> started = new ArrayList<>();
        final Map<EstimatorThread, Integer> stopped = new IdentityHashMap<>();

        @Override
        public synchronized void start(final EstimatorThread thread, final EstimatorSettings settings, final String name) {
            started.add(thread);
        }

        @Override
        public synchronized void stop(final EstimatorThread thread) {
            stopped.merge(thread, 1, Integer::sum);
        }

        synchronized List<EstimatorThread> running() {
            final List<EstimatorThread> r = new ArrayList<>();
            for (EstimatorThread t : started) {
                if (!stopped.containsKey(t)) {
                    r.add(t);
                }
            }
            return r;
        }
    }

    private static Estimator estimator(final int n) {
        return new Estimator("e" + n, into -> into[StatsSource.IN_PACKETS] = n);
    }

    @Test
    void aHundredThousandAddedInBurstsOfAThousandSpreadEvenlyOverTheTicks() throws Exception {
        final Stepped threads = new Stepped();
        final int chainMax = 40; // 96,000 per thread: the burst also makes a second thread start
        try (Estimators est = new Estimators(EstimatorSettings.DEFAULTS, Calibration.of(95_000.0 / chainMax), 1, threads,
                EstimatorThread.Clock.SYSTEM)) {
            final SplittableRandom r = new SplittableRandom(1);
            int n = 0;
            for (int burst = 0; burst < 100; burst++) {
                for (int i = 0; i < 1000; i++) {
                    est.add(estimator(n++));
                }
                // Time passes between bursts: a few ticks on every thread.
                final int ticks = r.nextInt(4);
                for (EstimatorThread t : threads.running()) {
                    for (int k = 0; k < ticks; k++) {
                        t.tick();
                    }
                }
            }
            assertEquals(100_000, est.count());
            assertEquals(2, est.threads(), "the first thread filled up (96,000) and made a second start");
            for (int thread = 0; thread < 2; thread++) {
                int tmin = Integer.MAX_VALUE;
                int tmax = 0;
                for (int v : est.tickLengths(thread)) {
                    tmin = Math.min(tmin, v);
                    tmax = Math.max(tmax, v);
                }
                System.out.printf("thread %d: %d to %d estimators per tick (chain length %d)%n", thread, tmin, tmax,
                        chainMax);
                assertTrue(tmax - tmin <= chainMax, "thread " + thread + ": per-tick counts within one chain length: "
                        + tmin + ".." + tmax);
            }
            int sumMin = Integer.MAX_VALUE;
            int sumMax = 0;
            for (int v : est.tickLengths()) {
                sumMin = Math.min(sumMin, v);
                sumMax = Math.max(sumMax, v);
            }
            assertTrue(sumMax - sumMin <= 2 * chainMax, "both threads together, per tick: " + sumMin + ".." + sumMax);
        }
    }

    @Test
    void eachEstimatorIsEstimatedOncePerPeriodWhileOthersComeAndGo() throws Exception {
        final Stepped threads = new Stepped();
        try (Estimators est = new Estimators(EstimatorSettings.DEFAULTS, Calibration.of(95_000.0 / 20), 1, threads,
                EstimatorThread.Clock.SYSTEM)) {
            // Estimators that record the period of each estimation of theirs.
            final Map<Estimator, List<Long>> seen = new ConcurrentHashMap<>();
            final List<Estimator> stayers = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                stayers.add(recording(est, seen, "stay" + i));
            }
            stayers.forEach(est::add);
            final EstimatorThread thread = threads.running().getFirst();
            final AtomicLong periods = new AtomicLong();
            final Thread ticker = Thread.ofPlatform().start(() -> {
                for (int t = 0; t < Chains.TICKS * 20; t++) {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    thread.tick();
                    if (thread.chains.nextRow() == 0) {
                        periods.incrementAndGet();
                    }
                }
            });
            // Meanwhile: others added and removed, and stayers moved (removed and added back).
            final SplittableRandom r = new SplittableRandom(2);
            final List<Estimator> churn = new ArrayList<>();
            final Map<Estimator, Integer> moves = new IdentityHashMap<>();
            int n = 0;
            while (ticker.isAlive()) {
                if (churn.size() < 500 || r.nextBoolean()) {
                    final Estimator e = recording(est, seen, "churn" + n++);
                    est.add(e);
                    churn.add(e);
                } else {
                    est.remove(churn.remove(r.nextInt(churn.size())));
                }
                if ((n & 63) == 0) {
                    final Estimator moved = stayers.get(r.nextInt(stayers.size()));
                    est.remove(moved);
                    est.add(moved);
                    moves.merge(moved, 1, Integer::sum);
                }
            }
            ticker.join();
            assertEquals(20, periods.get());
            assertTrue(n > 1000, "churn while estimating: " + n + " added");
            final List<String> problems = new ArrayList<>();
            seen.forEach((e, list) -> {
                if (Set.copyOf(list).size() != list.size()) {
                    problems.add(e.name() + " estimated twice in a period: " + list);
                }
            });
            for (Estimator e : stayers) {
                // Present the whole time: once in each of the 20 periods, but a move to a row this
                // period has passed waits for the next one, and the last period may be cut short.
                final List<Long> list = seen.getOrDefault(e, List.of());
                if (list.size() < 19 - moves.getOrDefault(e, 0)) {
                    problems.add(e.name() + " (moved " + moves.getOrDefault(e, 0) + " times) estimated only in periods "
                            + list);
                }
            }
            assertEquals(List.of(), problems);
            assertEquals(2000 + churn.size(), est.count(), "every estimator still in place is counted once");
        }
    }

    /** An estimator whose source notes the period of each estimation (read on the estimating thread). */
    private static Estimator recording(final Estimators est, final Map<Estimator, List<Long>> seen, final String name) {
        final Estimator[] self = new Estimator[1];
        self[0] = new Estimator(name, into -> {
            final Chains c = self[0].chains;
            if (c != null && self[0].placed()) {
                seen.computeIfAbsent(self[0], k -> Collections.synchronizedList(new ArrayList<>())).add(c.period());
            }
        });
        return self[0];
    }

    @Test
    void aChangeDuringARestartIsAppliedAndEachStaleThreadStoppedOnce() throws Exception {
        final CountDownLatch startBlocked = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger starts = new AtomicInteger();
        final Map<EstimatorThread, EstimatorSettings> startedWith = new ConcurrentHashMap<>();
        final Map<EstimatorThread, AtomicInteger> stops = new ConcurrentHashMap<>();
        final Estimators.Launcher launcher = new Estimators.Launcher() {
            @Override
            public void start(final EstimatorThread thread, final EstimatorSettings settings, final String name) {
                // The restart for the first change blocks here, half done, until the test lets it go.
                if (starts.incrementAndGet() == 2) {
                    startBlocked.countDown();
                    try {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                startedWith.put(thread, settings);
            }

            @Override
            public void stop(final EstimatorThread thread) {
                stops.computeIfAbsent(thread, k -> new AtomicInteger()).incrementAndGet();
            }
        };
        try (Estimators est = new Estimators(EstimatorSettings.DEFAULTS, Calibration.of(1000), 1, launcher,
                EstimatorThread.Clock.SYSTEM)) {
            est.add(estimator(1)); // starts thread 0 (generation 0)
            final EstimatorThread first = startedWith.keySet().iterator().next();
            est.configure(EstimatorSettings.DEFAULTS.withCpus(cpus(0)));
            assertTrue(startBlocked.await(30, TimeUnit.SECONDS), "the restart began");
            // While the generation-1 thread is being started: another change.
            est.configure(EstimatorSettings.DEFAULTS.withCpus(cpus(1)).withNice(5));
            assertEquals(2, est.generation());
            release.countDown();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (est.generationDone() != 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(2, est.generationDone(), "the second change was applied too");
            // Threads: gen 0 (stopped once), gen 1 (stopped once), gen 2 (running, latest settings).
            final List<EstimatorThread> running = new ArrayList<>();
            for (EstimatorThread t : startedWith.keySet()) {
                final int stopped = stops.getOrDefault(t, new AtomicInteger()).get();
                assertTrue(stopped <= 1, "thread of generation " + t.generation + " stopped " + stopped + " times");
                if (stopped == 0) {
                    running.add(t);
                }
            }
            assertEquals(1, running.size(), "one thread runs: " + running.size());
            assertEquals(2, running.getFirst().generation);
            assertEquals(cpus(1), startedWith.get(running.getFirst()).cpus(), "with the latest CPU list");
            assertEquals(5, startedWith.get(running.getFirst()).nice());
            assertEquals(1, stops.get(first).get(), "the first thread stopped once");
            assertEquals(2, est.staleStops());
            assertFalse(startedWith.isEmpty());
        }
    }

    @Test
    void anAdditionRightAfterACpuChangeEndsUpInTheChainsOfTheOneRunningThread() throws Exception {
        final BitSet usable = io.flowgate.bindings.CpuAffinity.currentThread();
        for (int round = 0; round < 5; round++) {
            final Stepped threads = new Stepped();
            try (Estimators est = new Estimators(EstimatorSettings.DEFAULTS, null, 1, threads,
                    EstimatorThread.Clock.SYSTEM)) {
                // The reload for the new CPUs is queued; the addition usually gets in first and
                // starts a thread of the new generation before the recalibration replaces its chains.
                est.configure(EstimatorSettings.DEFAULTS.withCpus(cpus(usable.nextSetBit(0))));
                final Estimator e = estimator(round);
                est.add(e);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (est.generationDone() != est.generation() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(1, est.generationDone());
                final List<EstimatorThread> running = threads.running();
                assertEquals(1, running.size(), "one thread runs");
                // Later additions and removals reach the chains that thread estimates.
                final Estimator later = estimator(100 + round);
                est.add(later);
                est.remove(e);
                assertEquals(List.of(later), running.getFirst().chains.all(), "round " + round
                        + ": the running thread estimates the chains estimators are added to and removed from");
                threads.stopped.forEach((t, times) -> assertEquals(1, times, "stopped once"));
            }
        }
    }

    @Test
    void calibrationTimesAWholeChainAndFitsItInItsBudget() throws Exception {
        final Calibration c = Calibration.measure(2);
        assertTrue(c.nanosPerEstimator() > 0 && c.nanosPerEstimator() < 1_000_000, "measured: " + c);
        assertEquals(Math.max(1, (int) (Calibration.CHAIN_BUDGET_NANOS / c.nanosPerEstimator())), c.chainMax());
        assertTrue(c.chainMax() > 1, "a chain holds more than one estimator on any machine that runs this: " + c);
    }

    private static BitSet cpus(final int cpu) {
        final BitSet s = new BitSet();
        s.set(cpu);
        return s;
    }

    @Test
    void realThreadsEstimateEveryTickOnTime() throws Exception {
        // A clock 50 times the wall's: a 2 s period takes 40 ms.
        final long origin = System.nanoTime();
        final EstimatorThread.Clock fast = new EstimatorThread.Clock() {
            @Override
            public long nanoTime() {
                return origin + (System.nanoTime() - origin) * 50;
            }

            @Override
            public void park(final long nanos) {
                java.util.concurrent.locks.LockSupport.parkNanos(nanos / 50);
            }
        };
        try (Estimators est = new Estimators(EstimatorSettings.DEFAULTS, Calibration.of(1000), 1,
                Estimators.THREADS, fast)) {
            final long[] counter = new long[1];
            final Estimator e = new Estimator("fast", into -> into[StatsSource.IN_PACKETS] = counter[0]);
            est.add(e);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (e.estimations() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(e.estimations() >= 10, "estimated once per (fast) period: " + e.estimations());
            assertTrue(est.show().contains("estimator0: generation 0, 1 estimator(s)"), est.show());
        }
    }

}
