package io.flowgate.daemon.bridge;

import io.flowgate.daemon.reconfig.Reconfiguration;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.agent.AgentHost;
import io.flowgate.fastpath.agent.AgentThreads;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.upcall.PacketInRing;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.revalidator.Revalidator;
import io.flowgate.revalidator.Revalidators;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.slowpath.lb.ConnectionTable;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Handlers;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.upcall.UpcallCounters;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlatePorts;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.Agent;

/**
 * The whole switch, as OVS's bridge wires ofproto to its datapath: the datapath's ports and their
 * receive queues and the PMD threads, the handler threads and their rings, the ukey map, the
 * revalidators, the load balancer and the rate estimators, all built from a {@link BridgeConfig}
 * around one {@link RulePipeline}. Every PMD can send to every port; receive queues are spread
 * over the PMDs by {@link Reconfiguration}, which also changes all of this at run time.
 */
public final class Bridge implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("datapath");

    /** Room for about a thousand full-size packet-ins waiting for a slow controller. */
    private static final int PACKET_IN_RING_BYTES = 2 << 20;

    private final BridgeConfig config;
    private final RulePipeline pipeline;
    private final FlowRegistry registry = new FlowRegistry();
    private final BridgePorts ports;
    /** PMD ids (and so transmit queues per port) that may ever be in use. */
    private final int pmdSlots;
    private final Pmds pmds = new Pmds();
    private final UpcallRings rings = new UpcallRings(List.of());
    /** Packets for the controller, from every PMD (read by the OpenFlow side when it listens). */
    private final PacketInRing packetIns = new PacketInRing(PACKET_IN_RING_BYTES);
    private final AgentThreads threads;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final Udpif udpif;
    private final Handlers handlers;
    private final Revalidators revalidators;
    private final LoadBalancer loadBalancer;
    private final Reconfiguration reconfiguration;
    private final RateEstimation rates;
    private final PmdTotals counted = new PmdTotals();
    private boolean closed;

    /**
     * Most connections the connection table of a datapath with this flow-limit ceiling holds:
     * twice the ceiling, since a connection outlives its flows (FIN_WAIT, TIME_WAIT).
     */
    public static long connectionCapacity(final BridgeConfig config) {
        return 2L * Math.max(1, config.flowLimit());
    }

    public Bridge(final BridgeConfig config, final RulePipeline pipeline) throws PortException {
        this(config, pipeline, ConnectionTable.inMemory(connectionCapacity(config)));
    }

    /**
     * @param connections where select groups with a connection scheduler keep connections (a
     *                    persisted table survives a restart); the datapath closes it
     */
    public Bridge(final BridgeConfig config, final RulePipeline pipeline, final ConnectionTable connections)
            throws PortException {
        this.config = config;
        this.pipeline = pipeline;
        this.pmdSlots = Math.max(config.pmds(), Math.max(Runtime.getRuntime().availableProcessors(),
                config.pmdCpus().stream().mapToInt(c -> c + 1).max().orElse(0)));
        this.ports = BridgePorts.open(config, pmdSlots);
        this.loadBalancer = new LoadBalancer(connections, List.copyOf(pipeline.current().groups().values()),
                pipeline.current().version());
        pipeline.onChange(v -> {
            final var now = pipeline.current();
            loadBalancer.update(List.copyOf(now.groups().values()), now.version());
        });
        final Xlate xlate = new Xlate(ports, loadBalancer);
        this.udpif = new Udpif(pipeline, xlate, registry, new UkeyMap(), new FlowLimit(config.flowLimit()),
                loadBalancer);
        this.threads = new AgentThreads(config.busyPoll(), this::onError);
        this.handlers = new Handlers(udpif, pmds, rings, config.upcallRingBytes(), threads);
        this.revalidators = new Revalidators(config.revalidation(), udpif, pmds);
        this.reconfiguration = new Reconfiguration(this);
        try {
            this.rates = new RateEstimation(ports.all(), loadBalancer, EstimatorSettings.DEFAULTS, pmdSlots);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calibrating the rate estimators", e);
        }
        pipeline.onChange(v -> rates.syncGroups());
    }

    // ---- the parts ----

    public BridgeConfig config() {
        return config;
    }

    public RulePipeline pipeline() {
        return pipeline;
    }

    public FlowRegistry registry() {
        return registry;
    }

    public List<Port> ports() {
        return ports.all();
    }

    /** The ports as translation sees them (ofproto/trace and packet-outs translate as handlers do). */
    public XlatePorts xlatePorts() {
        return ports;
    }

    /** Where controller actions send packets (the OpenFlow side reads and says whether it listens). */
    public PacketInRing packetIns() {
        return packetIns;
    }

    /**
     * Sets port {@code number}'s OpenFlow configuration (XlatePorts' bits: down, no_recv, no_fwd,
     * no_flood, no_packet_in) and has every flow translated again.
     */
    public void portConfig(final int number, final int bits) throws PipelineException {
        ports.config(number, bits);
        pipeline.apply(RulePipeline.Editor::touch);
    }

    /**
     * The port a command names: by its name (as dpctl/show prints it) or its number, or null.
     * Names are unique and never numbers, so at most one port answers.
     */
    public Port port(final String text) {
        return ports.get(text);
    }

    /** The port with this number, or null. */
    public Port port(final int number) {
        return ports.get(number);
    }

    /** Every receive queue of every port. */
    public List<RxQueue> rxQueues() {
        return ports.rxQueues();
    }

    /** Replaces the receive queues of {@code port} (after its n_rxq changed). */
    public void rxQueues(final Port port, final List<RxQueue> queues) {
        ports.rxQueues(port, queues);
    }

    /** PMD ids that may be in use at once (each is a transmit queue on every port). */
    public int pmdSlots() {
        return pmdSlots;
    }

    /** The live PMDs, by id. */
    public Pmds pmdSet() {
        return pmds;
    }

    /** The live PMDs. */
    public Pmd[] pmds() {
        return pmds.all().toArray(new Pmd[0]);
    }

    /** The PMD with this id, or null. */
    public Pmd pmd(final int id) {
        return pmds.get(id);
    }

    public AgentHost threads() {
        return threads;
    }

    public Handlers handlers() {
        return handlers;
    }

    public Udpif udpif() {
        return udpif;
    }

    public UkeyMap ukeys() {
        return udpif.ukeys();
    }

    public FlowLimit flowLimit() {
        return udpif.flowLimit();
    }

    public UpcallCounters upcalls() {
        return udpif.counters();
    }

    public Revalidators revalidators() {
        return revalidators;
    }

    /** Connection scheduling of select groups (lb/show). */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /** Rate estimators of the ports, the datapath and the select groups. */
    public RateEstimation rates() {
        return rates;
    }

    /** Run-time changes: threads, PMDs, receive queues, settings. */
    public Reconfiguration reconfiguration() {
        return reconfiguration;
    }

    // ---- PMDs coming and going (through Reconfiguration) ----

    /** Creates and starts a PMD with the lowest free id, pinned to {@code cpu} if it is not -1. */
    public Pmd startPmd(final int cpu) {
        final Pmd pmd = new Pmd(pmds.freeId(), ports.all(), rings, reconfiguration.emcInsertInverse(), config.vlanLimit(),
                config.ordered(), packetIns);
        pmd.smc().enabled(reconfiguration.smcEnabled()); // before its thread starts
        if (cpu >= 0) {
            final BitSet set = new BitSet();
            set.set(cpu);
            pmd.cpus(set);
        }
        pmds.add(pmd);
        rates.pmdStarted(pmd.stats());
        threads.start(pmd, AgentHost.Kind.PMD);
        LOG.log(System.Logger.Level.INFO, String.format("PMD thread on numa_id: 0, core id: %2d created.", pmd.core()));
        return pmd;
    }

    /** Stops a PMD that polls nothing and holds no flow any more; its counters stay in the totals. */
    public void retirePmd(final Pmd pmd) {
        pmds.remove(pmd);
        threads.stop(pmd); // its last iteration runs what its mailbox still holds
        LOG.log(System.Logger.Level.INFO, String.format("PMD thread on numa_id: 0, core id: %2d destroyed.", pmd.core()));
        counted.retired(pmd);
    }

    // ---- life ----

    /** Starts the PMD, handler and revalidator threads and spreads the receive queues over the PMDs. */
    public void start() {
        io.flowgate.fastpath.pmd.TscRate.start(); // the calibration window opens with the PMDs
        for (int i = 0; i < config.pmds(); i++) {
            startPmd(config.pmdCpus().isEmpty() ? -1 : config.pmdCpus().get(i % config.pmdCpus().size()));
        }
        try {
            handlers.resize(config.handlers(), 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting handlers", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e.getMessage(), e); // growing never waits
        }
        for (Revalidator r : revalidators.agents()) {
            threads.start(r, AgentHost.Kind.REVALIDATOR);
        }
        LOG.log(System.Logger.Level.INFO, "There are " + pmds.all().size() + " pmd threads on numa node 0");
        LOG.log(System.Logger.Level.INFO, "Starting " + (handlers.size() + revalidators.agents().length)
                + " threads: " + handlers.size() + " handler(s), " + revalidators.agents().length + " revalidator(s)");
        reconfiguration.assignInitially(config.queues());
        rates.start();
    }

    /**
     * An exception escaped an agent's duty cycle. A PMD's batch, parked packets and in-flight
     * counts can no longer be trusted after that, so its first failure fails the datapath (the
     * daemon stops, non-zero, naming it); later ones are not logged again. Handlers and
     * revalidators are logged and go on.
     */
    private void onError(final Agent agent, final AgentHost.Kind kind, final Throwable t) {
        if (kind == AgentHost.Kind.PMD) {
            if (!failure.compareAndSet(null, agent.roleName() + " failed: " + t)) {
                return; // the datapath is stopping already
            }
        }
        LOG.log(System.Logger.Level.ERROR, agent.roleName() + " failed", t);
    }

    /** Why the datapath cannot go on (a PMD failed), or null while it can. */
    public String failure() {
        return failure.get();
    }

    /** True once every PMD has drained its inputs and has nothing in flight. */
    public boolean drained() {
        // Queues first: a PMD marks itself not drained before it shows as a queue's owner.
        for (RxQueue q : ports.rxQueues()) {
            if (q.owner() < 0 && q.port().receives() && !q.port().exhausted()) {
                return false; // not polled by anyone (yet)
            }
        }
        for (Pmd p : pmds.all()) {
            if (!p.drained()) {
                return false;
            }
        }
        return true;
    }

    /** Waits until {@link #drained()}; false on timeout. */
    public boolean awaitDrained(final long timeout, final TimeUnit unit) throws InterruptedException {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        int confirmations = 0;
        while (System.nanoTime() < deadline) {
            // Two consecutive drained observations, so a PMD that just finished is not mistaken.
            confirmations = drained() ? confirmations + 1 : 0;
            if (confirmations >= 2) {
                return true;
            }
            Thread.sleep(2);
        }
        return false;
    }

    /** Stops the threads and closes the ports (output files are flushed). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        revalidators.close();
        for (Revalidator r : revalidators.agents()) {
            threads.stop(r);
        }
        LOG.log(System.Logger.Level.INFO, "stopped " + revalidators.agents().length + " revalidator thread(s)");
        for (Pmd p : pmds.all()) {
            threads.stop(p);
            LOG.log(System.Logger.Level.INFO, String.format("PMD thread on numa_id: 0, core id: %2d destroyed.", p.core()));
        }
        final int handlerCount = handlers.size();
        handlers.close();
        threads.close();
        LOG.log(System.Logger.Level.INFO, "stopped " + handlerCount + " handler thread(s)");
        RuntimeException failure = null;
        try {
            ports.close(); // DPDK after them
        } catch (RuntimeException e) {
            failure = e;
        }
        rates.close();
        loadBalancer.close();
        packetIns.close(); // no PMD writes any more
        if (failure != null) {
            throw failure;
        }
    }

    /** Counters summed over the PMDs, the retired ones included. */
    public Totals totals() {
        return counted.with(pmds.all(), ports.all().size());
    }

    /** Bridge-wide counters: the PMDs' summed (per port too) and what their parsers found. */
    public record Totals(PmdStats.Snapshot counters, ParseCounters parse) {
        public long get(final PmdCounter c) {
            return counters.get(c);
        }

        public long drops(final DropReason r) {
            return counters.drops(r);
        }

        public long drops() {
            return counters.drops();
        }
    }
}
