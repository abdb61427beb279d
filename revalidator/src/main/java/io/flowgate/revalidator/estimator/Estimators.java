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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

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
 *
 * <p>One file above 400 lines: the settings, their generation, the threads and the reload thread
 * are one state machine, described above; the estimators' arithmetic is in {@link Estimator}, placement in
 * {@link Chains}.
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
    /** Settings and the generation they belong to, replaced together (under configLock). */
    private record Config(EstimatorSettings settings, long generation) {
    }

    private final Object configLock = new Object();
    private volatile Config config;
    private final AtomicLong genIdDone = new AtomicLong();
    /** A reload is queued and has not begun: further changes need not queue another. */
    private final AtomicBoolean reloadQueued = new AtomicBoolean();
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
        this.config = new Config(Objects.requireNonNull(settings, "settings"), 0);
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
            final Config cfg = config;
            if (slot == null && slots.size() < cfg.settings().maxThreads()) {
                slot = new Slot(new Chains(slots.size(), calibration.chainMax()));
                slots.add(slot);
                addSlot = slots.size() - 1;
                if (!launch(slot, cfg)) {
                    queueReload(true); // its estimators wait for a thread: try again shortly
                }
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
        return config.settings();
    }

    /**
     * Applies new settings: a new CPU list or nice value restarts the threads (by generation);
     * switching estimation on or off takes effect at the next tick.
     */
    public void configure(final EstimatorSettings next) {
        update(old -> next);
    }

    /**
     * Changes the settings as {@code change} says, atomically with respect to other changes (two
     * operators setting different keys at once both win).
     */
    public EstimatorSettings update(final UnaryOperator<EstimatorSettings> change) {
        final boolean restart;
        final EstimatorSettings next;
        synchronized (configLock) {
            final Config old = config;
            next = change.apply(old.settings());
            restart = !Objects.equals(old.settings().cpus(), next.cpus())
                    || !Objects.equals(old.settings().nice(), next.nice());
            config = new Config(next, restart ? old.generation() + 1 : old.generation());
        }
        if (restart) {
            queueReload(false);
        }
        return next;
    }

    private void queueReload(final boolean later) {
        if (closed || !reloadQueued.compareAndSet(false, true)) {
            return; // one pending pass applies whatever is newest when it runs
        }
        if (later) {
            reloader.schedule(this::reload, 100, TimeUnit.MILLISECONDS);
        } else {
            reloader.execute(this::reload);
        }
    }

    /** The configuration generation; threads of an older one are being restarted. */
    public long generation() {
        return config.generation();
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
        reloadQueued.set(false); // from here on a change queues another pass
        final Config cfg = config; // settings and generation read together
        final long gen = cfg.generation();
        boolean retry = false;
        try {
            synchronized (mutex) {
                if (closed) {
                    return;
                }
                final boolean recalibrate = !fixedCalibration && !Objects.equals(cfg.settings().cpus(), calibratedFor);
                for (Slot s : slots) {
                    // A new calibration replaces every chain: no thread may go on with an old one,
                    // even one started for this generation already (by an addition).
                    if (s.thread != null && (recalibrate || s.thread.generation != gen)) {
                        launcher.stop(s.thread);
                        s.thread = null;
                        stops.incrementAndGet();
                    }
                }
                if (recalibrate) {
                    recalibrate(cfg.settings());
                }
                for (Slot s : slots) {
                    if (s.thread == null && !launch(s, cfg)) {
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
        if (config.generation() != gen) {
            queueReload(false); // a change arrived while this one was applied
        } else if (retry) {
            queueReload(true);
        }
    }

    /** With every thread stopped: measures again and spreads the estimators over chains of the new length. */
    private void recalibrate(final EstimatorSettings now) throws InterruptedException {
        calibratedFor = now.cpus();
        // Measured where the estimators will run, as IPVS measures in its first kthread; if the
        // CPUs cannot be used, measured here (the old figure is kept only if measuring fails).
        final BitSet before = now.cpus() == null ? null : CpuAffinity.currentThread();
        try {
            if (before != null) {
                CpuAffinity.pinCurrentThread(now.cpus());
            }
            calibration = Calibration.measure(counters);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "estimator calibration on CPUs " + now.cpus() + " failed: "
                    + e.getMessage() + "; measuring unpinned");
            calibration = Calibration.measure(counters);
        } finally {
            if (before != null) {
                try {
                    CpuAffinity.pinCurrentThread(before);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "estimator reload thread: " + e.getMessage());
                }
            }
        }
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

    private boolean launch(final Slot s, final Config cfg) {
        if (closed) {
            return false;
        }
        final EstimatorThread t = new EstimatorThread(s.chains, cfg.generation(), clock, () -> config.settings().run());
        try {
            launcher.start(t, cfg.settings(), "estimator" + s.chains.id);
            s.thread = t;
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            // (An OutOfMemoryError here is "unable to create native thread": try again later.)
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
            final Config cfg = config;
            final EstimatorSettings now = cfg.settings();
            s.append(String.format("estimation: %s, generation %d (applied %d), cpus %s, nice %s%n",
                    now.run() ? "on" : "off", cfg.generation(), genIdDone.get(),
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
    public void close() {
        closed = true;
        reloader.shutdownNow();
        synchronized (mutex) {
            for (Slot s : slots) {
                if (s.thread != null) {
                    try {
                        launcher.stop(s.thread);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // the thread is told to stop; not waited for
                    }
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
