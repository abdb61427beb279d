package io.flowgate.daemon.reconfig;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.fastpath.agent.AgentHost;
import io.flowgate.fastpath.dpdk.DpdkException;
import io.flowgate.fastpath.dpdk.DpdkPort;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.pmd.PmdPause;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.revalidator.Revalidator;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Changes a running datapath without losing, repeating, purging or reordering anything: handler
 * and revalidator counts, the PMD set (pmd-cpu-mask), receive queues (n_rxq, pmd-rxq-affinity,
 * rebalancing), and the EMC, idle and flow-limit settings. One change at a time, on the caller's
 * thread (the control socket's), which may wait; no agent ever does.
 *
 * <p>How a receive queue moves from one PMD to another without losing or reordering a packet:
 * {@link QueueMove}. The rest stays one file above 400 lines: each public method is one change,
 * made under this object's lock over the same state (assignment mode, isolation, affinity, the
 * journal), and they call each other (a new n_rxq reassigns queues; pmd-cpu-mask moves them).
 */
public final class Reconfiguration {
    private static final System.Logger LOG = System.getLogger("reconfig");
    /** How long one step may wait for a PMD, handler or revalidator before the change reports failure. */
    public static final long TIMEOUT_MILLIS = 30_000;

    private final Bridge dp;
    private final QueueMove mover;
    // Read by config/show and pmd-rxq-show while a change may be under way: volatile, not locked.
    private volatile String assignMode = BridgeConfig.Queues.DEFAULTS.assign();
    private volatile boolean isolate = true;
    private volatile int emcInsertInverse;
    private volatile boolean smcEnabled = true;
    /** pmd-rxq-affinity by port number (queue id to core), kept for queues made again by n_rxq. */
    private final Map<Integer, Map<Integer, Integer>> affinity = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> journal = new ArrayList<>();

    /** The bridge this reconfigures. */
    public Bridge bridge() {
        return dp;
    }

    public Reconfiguration(final Bridge dp) {
        this.dp = dp;
        this.mover = new QueueMove(dp);
        this.emcInsertInverse = dp.config().emcInsertInverse();
    }

    public int emcInsertInverse() {
        return emcInsertInverse;
    }

    public boolean smcEnabled() {
        return smcEnabled;
    }

    /** What the last changes did, newest last (for tests and the log). */
    public List<String> journal() {
        synchronized (journal) {
            return List.copyOf(journal);
        }
    }

    private void note(final String what) {
        LOG.log(System.Logger.Level.INFO, what);
        synchronized (journal) {
            journal.add(what);
            if (journal.size() > 100) {
                journal.removeFirst();
            }
        }
    }

    public String assignMode() {
        return assignMode;
    }

    public boolean isolate() {
        return isolate;
    }

    /** pmd-rxq-affinity of a port, as set. */
    public Map<Integer, Integer> affinity(final Port port) {
        return Map.copyOf(affinity.getOrDefault(port.number(), Map.of()));
    }

    // ---- at start ----

    /** Spreads the receive queues over the PMDs for the first time. */
    public synchronized void assignInitially(final BridgeConfig.Queues queues) {
        assignMode = queues.assign();
        isolate = queues.isolate();
        for (Map.Entry<Integer, Map<Integer, Integer>> e : queues.affinity().entrySet()) {
            affinity.put(e.getKey(), Map.copyOf(e.getValue()));
        }
        applyAffinity();
        try {
            reassign();
        } catch (TimeoutException | InterruptedException e) {
            throw new IllegalStateException("no queue is polled yet, so nothing waits: " + e, e);
        }
    }

    // ---- threads ----

    /** n-handler-threads. */
    public synchronized void handlers(final int n) throws TimeoutException, InterruptedException {
        final long start = System.nanoTime();
        final int before = dp.handlers().size();
        dp.handlers().resize(n, TIMEOUT_MILLIS);
        note("n-handler-threads " + before + " -> " + n + " in " + millisSince(start) + " ms");
    }

    /** n-revalidator-threads: takes effect between two rounds. */
    public synchronized void revalidators(final int n) throws TimeoutException, InterruptedException {
        final long start = System.nanoTime();
        final int before = dp.revalidators().active();
        for (Revalidator r : dp.revalidators().resize(n)) {
            dp.threads().start(r, AgentHost.Kind.REVALIDATOR);
        }
        for (Revalidator r : dp.revalidators().awaitResized(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            dp.threads().stop(r);
        }
        note("n-revalidator-threads " + before + " -> " + n + " in " + millisSince(start) + " ms");
    }

    // ---- settings the PMDs and revalidators read ----

    /** emc-insert-inv-prob, applied by each PMD on its own thread. */
    public synchronized void emcInsertInverse(final int inverse) {
        onEveryPmd(p -> p.emc().insertInverse(inverse));
        emcInsertInverse = inverse;
        note("emc-insert-inv-prob " + inverse);
    }

    /** smc-enable, applied by each PMD on its own thread (off empties the cache). */
    public synchronized void smcEnable(final boolean on) {
        onEveryPmd(p -> p.smc().enabled(on));
        smcEnabled = on;
        note("smc-enable " + on);
    }

    /** Runs {@code action} on each PMD's own thread, between its batches. */
    private void onEveryPmd(final java.util.function.Consumer<Pmd> action) {
        final Outbox outbox = new Outbox(dp.pmdSet());
        for (Pmd p : dp.pmds()) {
            outbox.send(p.id(), new PmdCommand.Run(() -> action.accept(p)));
        }
        QueueMove.deliver(outbox);
    }

    public synchronized void maxIdle(final long millis) {
        dp.revalidators().maxIdle(millis);
        note("max-idle " + millis + " ms");
    }

    public synchronized void flowLimit(final int ceiling) {
        dp.flowLimit().ceiling(ceiling);
        note("flow-limit " + ceiling);
    }

    // ---- PMDs ----

    /**
     * The PMD set (pmd-cpu-mask): one PMD pinned to each of {@code cpus}. New PMDs start first,
     * the queues are spread over the new set (moves), and PMDs no longer wanted retire with
     * nothing left on them.
     *
     * @throws IllegalArgumentException naming what cannot be: a CPU this process may not use,
     *                                  more PMDs than transmit queues
     */
    public synchronized void pmdCpus(final BitSet cpus) throws TimeoutException, InterruptedException {
        final long start = System.nanoTime();
        final BitSet allowed = CpuAffinity.currentThread();
        final BitSet missing = (BitSet) cpus.clone();
        missing.andNot(allowed);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("pmd-cpu-mask " + CpuAffinity.toMask(cpus) + ": CPU(s) " + missing
                    + " are not available to this process (it may use " + allowed + ")");
        }
        final Map<Integer, Pmd> byCore = new HashMap<>();
        for (Pmd p : dp.pmds()) {
            byCore.put(p.core(), p);
        }
        final List<Pmd> keep = new ArrayList<>();
        final List<Pmd> retire = new ArrayList<>();
        for (Pmd p : dp.pmds()) {
            if (cpus.get(p.core()) && byCore.get(p.core()) == p) {
                keep.add(p);
            } else {
                retire.add(p);
            }
        }
        final int wanted = cpus.cardinality();
        if (keep.size() + retire.size() + (wanted - keep.size()) > dp.pmdSlots()) {
            throw new IllegalArgumentException("pmd-cpu-mask " + CpuAffinity.toMask(cpus) + ": " + wanted
                    + " PMDs beside the " + retire.size() + " leaving need more than the " + dp.pmdSlots()
                    + " transmit queues per port Flowgate set up");
        }
        final List<Pmd> added = new ArrayList<>();
        try {
            for (int cpu = cpus.nextSetBit(0); cpu >= 0; cpu = cpus.nextSetBit(cpu + 1)) {
                if (byCore.get(cpu) == null || !keep.contains(byCore.get(cpu))) {
                    added.add(dp.startPmd(cpu));
                }
            }
        } catch (IllegalArgumentException e) {
            for (Pmd p : added) {
                dp.retirePmd(p); // nothing was moved to it yet
            }
            throw new IllegalArgumentException("pmd-cpu-mask " + CpuAffinity.toMask(cpus) + ": " + e.getMessage());
        }
        for (Pmd p : keep) {
            if (p.cpus() == null) {
                // Kept by its core number but not pinned yet: pin it on its own thread.
                final BitSet one = new BitSet();
                one.set(p.core());
                p.cpus(one);
                QueueMove.send(dp, p, new PmdCommand.Run(() -> CpuAffinity.pinCurrentThread(one)));
            }
        }
        final List<Pmd> target = new ArrayList<>(keep);
        target.addAll(added);
        reassign(target);
        for (Pmd p : retire) {
            final List<DpFlow> left = new ArrayList<>();
            for (DpFlow f : dp.registry().view()) {
                if (f.pmdId() == p.id()) {
                    left.add(f);
                }
            }
            dp.revalidators().flusher().remove(left);
            dp.retirePmd(p);
        }
        note("pmd-cpu-mask " + CpuAffinity.toMask(cpus) + ": " + added.size() + " PMD(s) started, " + retire.size()
                + " retired, in " + millisSince(start) + " ms");
    }

    // ---- receive queues ----

    /** dpif-netdev/pmd-rxq-rebalance: the queues spread again by their measured load. */
    public synchronized void rebalance() throws TimeoutException, InterruptedException {
        final long start = System.nanoTime();
        final int moved = reassign();
        note("pmd-rxq-rebalance: " + moved + " queue(s) moved in " + millisSince(start) + " ms");
    }

    /** pmd-rxq-assign. */
    public synchronized void assignMode(final String mode) throws TimeoutException, InterruptedException {
        if (!RxqScheduler.MODES.contains(mode)) {
            throw new IllegalArgumentException("pmd-rxq-assign must be one of " + RxqScheduler.MODES + ", not \""
                    + mode + "\"");
        }
        assignMode = mode;
        reassign();
    }

    /** pmd-rxq-isolate (false is honoured with pmd-rxq-assign=group only, as in OVS). */
    public synchronized void isolate(final boolean value) throws TimeoutException, InterruptedException {
        isolate = value;
        reassign();
    }

    /** pmd-rxq-affinity of a port: queue id to core; the queues move where they now belong. */
    public synchronized void affinity(final Port port, final Map<Integer, Integer> queueToCore)
            throws TimeoutException, InterruptedException {
        for (int q : queueToCore.keySet()) {
            if (q < 0 || q >= port.rxQueueCount()) {
                throw new IllegalArgumentException("pmd-rxq-affinity: port " + port.name() + " has no rx queue " + q
                        + " (it has " + port.rxQueueCount() + ")");
            }
        }
        final long start = System.nanoTime();
        affinity.put(port.number(), Map.copyOf(queueToCore));
        applyAffinity();
        final int moved = reassign(List.of(dp.pmds()), true);
        note("pmd-rxq-affinity of " + port.name() + ": " + moved + " queue(s) moved in " + millisSince(start) + " ms");
    }

    private void applyAffinity() {
        for (RxQueue q : dp.rxQueues()) {
            q.affinity(affinity.getOrDefault(q.port().number(), Map.of()).getOrDefault(q.id(), -1));
        }
    }

    /**
     * n_rxq of a DPDK port: its queues are handed back by their PMDs, every PMD pauses while the
     * device is set up again (nothing may send through it meanwhile), and the new queues are
     * spread over the PMDs. They are not prewarmed: RSS spreads the flows anew, so no PMD knows
     * which flows a new queue will bring; the port's megaflows stay where they are and idle out
     * where no traffic comes for them. If the device refuses, it is set up as it was and its
     * queues are polled again.
     */
    public synchronized void rxQueues(final Port port, final int n) throws TimeoutException, InterruptedException,
            DpdkException {
        if (!(port instanceof DpdkPort dpdk)) {
            throw new IllegalArgumentException("port " + port.name() + ": a " + port.type()
                    + " port has one receive queue (n_rxq is for dpdk ports)");
        }
        final String refusal = dpdk.refusesRxQueues(n);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        if (n == port.rxQueueCount()) {
            return;
        }
        final long start = System.nanoTime();
        try {
            for (RxQueue q : dp.rxQueues()) {
                if (q.port() == port && q.owner() >= 0) {
                    mover.release(q, dp.pmd(q.owner()));
                }
            }
            whilePaused(() -> dpdk.rxQueues(n)); // on failure the port is set up as it was
        } catch (DpdkException | TimeoutException | RuntimeException e) {
            reassign(); // the queues released so far are polled again
            throw e;
        }
        final List<RxQueue> queues = new ArrayList<>();
        for (int i = 0; i < port.rxQueueCount(); i++) {
            queues.add(new RxQueue(port, i));
        }
        dp.rxQueues(port, queues);
        applyAffinity();
        reassign();
        note("n_rxq of " + port.name() + ": " + n + " queue(s) in " + millisSince(start) + " ms");
    }

    /**
     * mtu_request of a DPDK port: every PMD pauses (nothing may receive from or send through the
     * device meanwhile) while the device is stopped, given its MTU and started again.
     */
    public synchronized void mtu(final Port port, final int mtu) throws TimeoutException, InterruptedException,
            DpdkException {
        if (!(port instanceof DpdkPort dpdk)) {
            throw new IllegalArgumentException("port " + port.name() + ": a " + port.type()
                    + " port has no MTU (mtu_request is for dpdk ports)");
        }
        final String refusal = dpdk.refusesMtu(mtu);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        if (mtu == dpdk.mtuRequest()) {
            return;
        }
        final long start = System.nanoTime();
        whilePaused(() -> dpdk.mtu(mtu)); // on failure the device is set up as it was
        note("mtu_request of " + port.name() + ": " + mtu + " in " + millisSince(start) + " ms");
    }

    /** A change of a device that no PMD may poll or send through while it is made. */
    private interface DeviceChange {
        void make() throws DpdkException;
    }

    /** Makes {@code change} with every PMD paused between iterations. */
    private void whilePaused(final DeviceChange change) throws TimeoutException, InterruptedException, DpdkException {
        final List<Pmd> all = List.of(dp.pmds());
        final PmdPause pause = new PmdPause(all.size());
        for (Pmd p : all) {
            QueueMove.send(dp, p, new PmdCommand.Pause(pause));
        }
        try {
            if (!pause.awaitPaused(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new TimeoutException("the PMDs did not pause");
            }
            change.make();
        } finally {
            pause.resume();
        }
    }

    // ---- placing queues ----

    private int reassign() throws TimeoutException, InterruptedException {
        return reassign(List.of(dp.pmds()), false);
    }

    private int reassign(final List<Pmd> pmds) throws TimeoutException, InterruptedException {
        return reassign(pmds, false);
    }

    /**
     * Spreads the queues over {@code pmds} and moves every queue whose PMD changes; returns how
     * many moved. With {@code keepPlaced}, a queue stays where it is unless it has to go (it is
     * pinned elsewhere, or its PMD is gone or now isolated for another's pinned queue): an
     * affinity change moves what it names and no more; spreading by load is rebalancing's job.
     */
    private int reassign(final List<Pmd> pmds, final boolean keepPlaced) throws TimeoutException,
            InterruptedException {
        final Map<Integer, Pmd> byCore = new HashMap<>();
        final List<Integer> cores = new ArrayList<>();
        for (Pmd p : pmds) {
            if (byCore.putIfAbsent(p.core(), p) == null) {
                cores.add(p.core());
            }
        }
        final RxqScheduler.Assignment a = RxqScheduler.assign(dp.rxQueues(), cores, assignMode, isolate);
        a.warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING, w));
        a.info().forEach(i -> LOG.log(System.Logger.Level.INFO, i));
        final java.util.Set<Integer> isolated = RxqScheduler.isolatedCores(dp.rxQueues(), cores, assignMode, isolate);
        int moved = 0;
        for (RxQueue q : dp.rxQueues()) {
            final Pmd from = q.owner() < 0 ? null : dp.pmd(q.owner());
            final boolean pinnedHere = from != null && q.affinity() >= 0 && q.affinity() == from.core();
            final boolean unpinned = q.affinity() < 0 || !byCore.containsKey(q.affinity());
            final boolean stays = keepPlaced && from != null && pmds.contains(from)
                    && (pinnedHere || (unpinned && !isolated.contains(from.core())));
            final Pmd to = stays ? from : byCore.get(a.coreOf(q));
            if (to != from) {
                move(q, from, to);
                moved++;
            }
        }
        return moved;
    }

    /** Moves queue {@code q} from PMD {@code from} to PMD {@code to} (either may be null: not polled). */
    private void move(final RxQueue q, final Pmd from, final Pmd to) throws TimeoutException, InterruptedException {
        final long start = System.nanoTime();
        final String done = mover.move(q, from, to);
        note(String.format("port '%s' rx queue %d: core %s -> core %s in %d ms, %s", q.port().name(), q.id(),
                from == null ? "-" : from.core(), to == null ? "-" : to.core(), millisSince(start), done));
    }

    private static long millisSince(final long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
