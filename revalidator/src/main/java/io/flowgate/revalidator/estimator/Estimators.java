package io.flowgate.revalidator.estimator;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.bindings.ThreadNice;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The estimator threads and what they estimate, following the design IPVS merged in Linux 6.2.
 *
 * <p>Estimators are added to the newest thread that has room ({@link Chains} places them); a
 * thread that is full makes the next one start, up to 4 per CPU of {@code estimator-cpus}; past
 * that, the least loaded thread takes more than its share. Threads start with the first estimator.
 *
 * <p>Reconfiguration by generation (IPVS's {@code est_genid} / {@code est_genid_done}): a change of
 * CPUs or nice value bumps {@link #generation()} and queues a reload on a single reload thread. A
 * reload stops each thread started under an older generation and starts it again with the
 * settings of the generation it read; when it finds that the generation moved on meanwhile (a
 * change arrived during the restart), it runs again, so no change is lost and each stale thread
 * is stopped once. A thread that cannot start is tried again 100 ms later. A new CPU list reruns
 * the calibration (with every thread stopped) and redistributes the estimators over chains of
 * the new length.
 */
public final class Estimators implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("estimator");

    /** How threads are started and stopped: real threads, or the test's. */
    public interface Launcher {
        /** Runs {@code thread} on a new thread with {@code settings}' CPUs and nice value. */
        void start(EstimatorThread thread, EstimatorSettings settings, String name);

        /** Stops it and waits until it has. */
        void stop(EstimatorThread thread) throws InterruptedException;
    }

    private static final class Slot {
        Chains chains;
        EstimatorThread thread;

        Slot(final Chains chains) {
            this.chains = chains;
        }
    }

    private final Object mutex = new Object();
    private final List<Slot> slots = new ArrayList<>();
    private final AtomicLong genId = new AtomicLong();
    private final AtomicLong genIdDone = new AtomicLong();
    private final AtomicLong stops = new AtomicLong();
    private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "estimator-reload");
        t.setDaemon(true);
        return t;
    });
    private final Launcher launcher;
    private final EstimatorThread.Clock clock;
    private final int counters;
    private final boolean fixedCalibration;
    private final long[] scratch = new long[StatsSource.FIELDS];
    private volatile EstimatorSettings settings;
    private Calibration calibration;
    private BitSet calibratedFor;
    private int addSlot;
    private volatile boolean closed;

    /**
     * @param calibration what a chain holds, or null to measure it now (and again when the CPU list changes)
     * @param counters    per-PMD counter sets a source sums, for the calibration
     */
    public Estimators(final EstimatorSettings settings, final Calibration calibration, final int counters,
                      final Launcher launcher, final EstimatorThread.Clock clock) throws InterruptedException {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.launcher = launcher;
        this.clock = clock;
        this.counters = counters;
        this.fixedCalibration = calibration != null;
        this.calibration = calibration != null ? calibration : Calibration.cached(counters);
        this.calibratedFor = settings.cpus();
    }

    /** Estimators on real threads, calibrated here. */
    public static Estimators start(final EstimatorSettings settings, final int counters) throws InterruptedException {
        return new Estimators(settings, null, counters, THREADS, EstimatorThread.Clock.SYSTEM);
    }

    /** Starts estimating {@code e}, from its counters as they are now. */
    public void add(final Estimator e) {
        synchronized (mutex) {
            if (e.placed()) {
                throw new IllegalStateException(e + " is estimated already");
            }
            e.start(scratch);
            Slot slot = addSlot < slots.size() ? slots.get(addSlot) : null;
            if (slot == null || slot.chains.full()) {
                slot = null;
                for (int i = 0; i < slots.size() && slot == null; i++) {
                    if (!slots.get(i).chains.full()) {
                        slot = slots.get(i);
                        addSlot = i;
                    }
                }
            }
            if (slot == null && slots.size() < settings.maxThreads()) {
                slot = new Slot(new Chains(slots.size(), calibration.chainMax()));
                slots.add(slot);
                addSlot = slots.size() - 1;
                launch(slot, genId.get());
            }
            if (slot == null) {
                // Every thread full and no more allowed: the least loaded one takes it.
                slot = slots.getFirst();
                for (Slot s : slots) {
                    if (s.chains.count() < slot.chains.count()) {
                        slot = s;
                    }
                }
            }
            slot.chains.add(e, true);
        }
    }

    /** Stops estimating {@code e} (safe while its chain is being estimated). */
    public void remove(final Estimator e) {
        synchronized (mutex) {
            final Chains c = e.chains;
            if (c != null) {
                c.remove(e);
            }
        }
    }

    public EstimatorSettings settings() {
        return settings;
    }

    /**
     * Applies new settings: a new CPU list or nice value restarts the threads (by generation);
     * switching estimation on or off takes effect at the next tick.
     */
    public void configure(final EstimatorSettings next) {
        final EstimatorSettings old = settings;
        settings = next;
        if (!Objects.equals(old.cpus(), next.cpus()) || !Objects.equals(old.nice(), next.nice())) {
            genId.incrementAndGet();
            reloader.execute(this::reload);
        }
    }

    /** The configuration generation; threads of an older one are being restarted. */
    public long generation() {
        return genId.get();
    }

    /** The generation the last reload applied. */
    public long generationDone() {
        return genIdDone.get();
    }

    /** Threads stopped because their generation was stale, since the start. */
    public long staleStops() {
        return stops.get();
    }

    private void reload() {
        final long gen = genId.get();
        boolean retry = false;
        try {
            synchronized (mutex) {
                if (closed) {
                    return;
                }
                for (Slot s : slots) {
                    if (s.thread != null && s.thread.generation != gen) {
                        launcher.stop(s.thread);
                        s.thread = null;
                        stops.incrementAndGet();
                    }
                }
                final EstimatorSettings now = settings;
                if (!fixedCalibration && !Objects.equals(now.cpus(), calibratedFor)) {
                    recalibrate(now);
                }
                for (Slot s : slots) {
                    if (s.thread == null && !launch(s, gen)) {
                        retry = true;
                    }
                }
                genIdDone.set(gen);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "estimator reload failed; trying again", e);
            retry = true;
        }
        if (closed) {
            return;
        }
        if (gen != genId.get()) {
            reloader.execute(this::reload); // a change arrived while this one was applied
        } else if (retry) {
            reloader.schedule(this::reload, 100, TimeUnit.MILLISECONDS);
        }
    }

    /** With every thread stopped: measures again and spreads the estimators over chains of the new length. */
    private void recalibrate(final EstimatorSettings now) throws InterruptedException {
        // Measured where the estimators will run, as IPVS measures in its first kthread.
        final BitSet before = now.cpus() == null ? null : CpuAffinity.currentThread();
        try {
            if (before != null) {
                CpuAffinity.pinCurrentThread(now.cpus());
            }
            calibration = Calibration.measure(counters);
        } finally {
            if (before != null) {
                CpuAffinity.pinCurrentThread(before);
            }
        }
        calibratedFor = now.cpus();
        final List<Estimator> all = new ArrayList<>();
        for (Slot s : slots) {
            all.addAll(s.chains.all());
            s.chains = new Chains(s.chains.id, calibration.chainMax());
        }
        for (Estimator e : all) {
            e.chains = null;
            e.row = -1;
            e.chain = -1;
            e.replaced();
        }
        int slot = 0;
        for (Estimator e : all) {
            while (slot < slots.size() - 1 && slots.get(slot).chains.full()) {
                slot++;
            }
            slots.get(slot).chains.add(e, true);
        }
    }

    private boolean launch(final Slot s, final long gen) {
        if (closed) {
            return false;
        }
        final EstimatorThread t = new EstimatorThread(s.chains, gen, clock, () -> settings.run());
        try {
            launcher.start(t, settings, "estimator" + s.chains.id);
            s.thread = t;
            return true;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "estimator thread " + s.chains.id + " did not start; trying again", e);
            return false;
        }
    }

    /** Estimators per tick row, summed over threads (tests and estimator/show). */
    public int[] tickLengths() {
        synchronized (mutex) {
            final int[] sum = new int[Chains.TICKS];
            for (Slot s : slots) {
                final int[] t = s.chains.tickLengths();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += t[i];
                }
            }
            return sum;
        }
    }

    /** Estimators per tick row of thread {@code thread}. */
    public int[] tickLengths(final int thread) {
        synchronized (mutex) {
            return slots.get(thread).chains.tickLengths();
        }
    }

    public Calibration calibration() {
        synchronized (mutex) {
            return calibration;
        }
    }

    public int threads() {
        synchronized (mutex) {
            return slots.size();
        }
    }

    public int count() {
        synchronized (mutex) {
            int n = 0;
            for (Slot s : slots) {
                n += s.chains.count();
            }
            return n;
        }
    }

    /** CPU time of each running estimator thread, in nanoseconds (-1 where unknown). */
    public long[] threadCpuNanos() {
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        synchronized (mutex) {
            final long[] cpu = new long[slots.size()];
            for (int i = 0; i < cpu.length; i++) {
                final EstimatorThread t = slots.get(i).thread;
                final Thread th = t == null ? null : t.thread;
                cpu[i] = th == null ? -1 : mx.getThreadCpuTime(th.threadId());
            }
            return cpu;
        }
    }

    /** What estimator/show prints. */
    public String show() {
        final StringBuilder s = new StringBuilder();
        synchronized (mutex) {
            final EstimatorSettings now = settings;
            s.append(String.format("estimation: %s, generation %d (applied %d), cpus %s, nice %s%n",
                    now.run() ? "on" : "off", genId.get(), genIdDone.get(),
                    now.cpus() == null ? "any" : CpuAffinity.toList(now.cpus()),
                    now.nice() == null ? "inherited" : now.nice()));
            s.append(String.format("calibration: %.0f ns per estimator, chain length %d, %d per tick, %d per thread%n",
                    calibration.nanosPerEstimator(), calibration.chainMax(),
                    Chains.CHAINS_PER_TICK * calibration.chainMax(),
                    Chains.TICKS * Chains.CHAINS_PER_TICK * calibration.chainMax()));
            s.append(String.format("threads: %d (at most %d), period 2 s in %d ticks of %d ms%n", slots.size(),
                    now.maxThreads(), Chains.TICKS, TimeUnit.NANOSECONDS.toMillis(EstimatorThread.TICK_NANOS)));
            final long[] cpu = threadCpuNanos();
            for (int i = 0; i < slots.size(); i++) {
                final Slot sl = slots.get(i);
                final EstimatorThread t = sl.thread;
                final int[] ticks = sl.chains.tickLengths();
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (int n : ticks) {
                    min = Math.min(min, n);
                    max = Math.max(max, n);
                }
                s.append(String.format("  estimator%d: %s, %d estimator(s), %d-%d per tick, chain length %d, ticks %d,"
                                + " cpu %d ms%n", sl.chains.id,
                        t == null ? "stopped" : "generation " + t.generation, sl.chains.count(), min, max,
                        sl.chains.chainMax, t == null ? 0 : t.ticks(),
                        cpu[i] < 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(cpu[i])));
            }
        }
        return s.toString();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        reloader.shutdownNow();
        synchronized (mutex) {
            for (Slot s : slots) {
                if (s.thread != null) {
                    launcher.stop(s.thread);
                    s.thread = null;
                }
            }
        }
    }

    /** Real platform threads: pinned to the CPU list and niced as set, then the duty cycle. */
    public static final Launcher THREADS = new Launcher() {
        @Override
        public void start(final EstimatorThread thread, final EstimatorSettings settings, final String name) {
            final BitSet cpus = settings.cpus();
            final Integer nice = settings.nice();
            final Thread t = new Thread(() -> {
                try {
                    if (cpus != null) {
                        CpuAffinity.pinCurrentThread(cpus);
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, name + ": " + e.getMessage());
                }
                try {
                    if (nice != null) {
                        ThreadNice.setCurrentThread(nice);
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, name + ": " + e.getMessage());
                }
                thread.run();
            }, name);
            t.setDaemon(true);
            thread.thread = t;
            t.start();
        }

        @Override
        public void stop(final EstimatorThread thread) throws InterruptedException {
            thread.stop();
            final Thread t = thread.thread;
            if (t != null) {
                t.join();
            }
        }
    };
}
