package io.flowgate.daemon.datapath;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.dpdk.DpdkPort;
import io.flowgate.fastpath.dpdk.Eal;
import io.flowgate.fastpath.dpdk.MbufPool;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.port.PcapPort;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.ReplayClock;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.revalidator.Revalidator;
import io.flowgate.revalidator.Revalidators;
import io.flowgate.slowpath.lb.ConnectionTable;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Handler;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.upcall.UpcallCounters;
import io.flowgate.slowpath.xlate.Xlate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The running datapath: its ports, PMD threads, handler rings and handler threads, the ukey map
 * and the revalidators, all built from a {@link DatapathConfig} around one {@link RulePipeline}.
 * Receive ports are spread over the PMDs in turn; every PMD can send to every port.
 */
public final class Datapath implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("datapath");
    private static final int RING_BYTES = 4 << 20;
    private final DatapathConfig config;
    private final RulePipeline pipeline;
    private final FlowRegistry registry = new FlowRegistry();
    private final List<Port> ports;
    private final UpcallRing[] rings;
    private final Pmd[] pmds;
    private final Handler[] handlers;
    private final Udpif udpif;
    private final Revalidators revalidators;
    private final List<AgentRunner> runners = new ArrayList<>();
    private boolean closed;

    public Datapath(final DatapathConfig config, final RulePipeline pipeline) throws PortException {
        this(config, pipeline, ConnectionTable.inMemory(CONNECTIONS));
    }

    /** Most connections the connection table holds. */
    public static final long CONNECTIONS = 1 << 20;

    /**
     * @param connections where select groups with a connection scheduler keep connections (a
     *                    persisted table survives a restart); the datapath closes it
     */
    public Datapath(final DatapathConfig config, final RulePipeline pipeline, final ConnectionTable connections)
            throws PortException {
        this.config = config;
        this.pipeline = pipeline;
        this.ports = openPorts(config);
        final Set<Integer> numbers = new HashSet<>();
        for (Port p : ports) {
            numbers.add(p.number());
        }
        this.rings = new UpcallRing[config.handlers()];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new UpcallRing(config.upcallRingBytes());
        }
        this.pmds = new Pmd[config.pmds()];
        for (int i = 0; i < pmds.length; i++) {
            final List<Port> rx = new ArrayList<>();
            for (int p = i; p < ports.size(); p += pmds.length) {
                rx.add(ports.get(p));
            }
            pmds[i] = new Pmd(i, ports, rx, rings, config.emcInsertInverse(), config.vlanLimit(), config.ordered());
            if (!config.pmdCpus().isEmpty()) {
                final java.util.BitSet cpu = new java.util.BitSet();
                cpu.set(config.pmdCpus().get(i % config.pmdCpus().size()));
                pmds[i].cpus(cpu);
            }
        }
        this.loadBalancer = new LoadBalancer(connections, List.copyOf(pipeline.current().groups().values()));
        pipeline.onChange(v -> loadBalancer.update(List.copyOf(pipeline.current().groups().values())));
        final Xlate xlate = new Xlate(numbers::contains, loadBalancer);
        this.udpif = new Udpif(pipeline, xlate, registry, new UkeyMap(), new FlowLimit(config.flowLimit()),
                loadBalancer);
        this.handlers = new Handler[rings.length];
        for (int i = 0; i < handlers.length; i++) {
            handlers[i] = new Handler(i, rings[i], udpif, pmds);
        }
        this.revalidators = new Revalidators(config.revalidation(), udpif, this::pmd);
    }

    /** True if the datapath has a port with this number. */
    public boolean hasPort(final int number) {
        for (Port p : ports) {
            if (p.number() == number) {
                return true;
            }
        }
        return false;
    }

    /** The PMD with this id, or null. */
    public Pmd pmd(final int id) {
        for (Pmd p : pmds) {
            if (p.id() == id) {
                return p;
            }
        }
        return null;
    }

    private final LoadBalancer loadBalancer;

    /** Connection scheduling of select groups (lb/show). */
    public LoadBalancer loadBalancer() {
        return loadBalancer;
    }

    /** DPDK's EAL and mbuf pool, when there are DPDK ports (closed after them). */
    private Eal eal;
    private MbufPool pool;

    private List<Port> openPorts(final DatapathConfig config) throws PortException {
        final List<Port> opened = new ArrayList<>();
        final ReplayClock clock = config.ordered() ? new ReplayClock() : null;
        final Set<Integer> seen = new HashSet<>();
        try {
            startDpdk(config);
            for (PortSpec spec : config.ports()) {
                if (!seen.add(spec.number())) {
                    throw new PortException("port " + spec.number() + " is defined twice");
                }
                opened.add(switch (spec.kind()) {
                    case "pcap" -> new PcapPort(spec.number(), spec.path("in", config.base()),
                            spec.path("out", config.base()), clock, config.pmds(),
                            Boolean.parseBoolean(spec.option("loop", "false")), Long.parseLong(spec.option("pps", "0")));
                    case "ring" -> new RingPort(spec.number(), spec.value(), RING_BYTES, config.pmds());
                    case "dpdk" -> {
                        final DatapathConfig.Dpdk d = config.dpdk();
                        final long expected = config.ordered() ? d.expected().getOrDefault(spec.number(), 0L) : -1;
                        yield new DpdkPort(spec.number(), spec.value(), pool, config.pmds(), new DpdkPort.Options(
                                d.rxDescriptors(), d.txDescriptors(), d.mtu(), config.ordered(), expected), clock);
                    }
                    default -> throw new PortException("port " + spec.number() + ": unknown port kind " + spec.kind());
                });
            }
            return opened;
        } catch (PortException | RuntimeException e) {
            for (Port p : opened) {
                p.close();
            }
            stopDpdk();
            throw e;
        }
    }

    /** Starts the EAL (with the DPDK ports' devices) and the mbuf pool if any port is a DPDK one. */
    private void startDpdk(final DatapathConfig config) throws PortException {
        final List<String> devices = new ArrayList<>();
        boolean pci = false;
        for (PortSpec spec : config.ports()) {
            if (spec.kind().equals("dpdk")) {
                devices.addAll(DpdkPort.ealArgs(spec.value()));
                pci |= DpdkPort.isPci(spec.value());
            }
        }
        if (devices.isEmpty()) {
            return;
        }
        final List<String> args = new ArrayList<>(config.dpdk().ealArgs().isEmpty()
                ? DatapathConfig.Dpdk.DEFAULT_EAL_ARGS : config.dpdk().ealArgs());
        if (!pci && !args.contains("--no-pci") && config.dpdk().ealArgs().isEmpty()) {
            args.add("--no-pci");
        }
        args.addAll(devices);
        eal = Eal.start(args);
        pool = MbufPool.create("flowgate_mbufs", config.dpdk().mbufs(), -1);
    }

    private void stopDpdk() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        if (eal != null) {
            eal.close();
            eal = null;
        }
    }

    public RulePipeline pipeline() {
        return pipeline;
    }

    public FlowRegistry registry() {
        return registry;
    }

    public List<Port> ports() {
        return ports;
    }

    public Pmd[] pmds() {
        return pmds.clone();
    }

    public Handler[] handlers() {
        return handlers.clone();
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

    /** Starts the PMD and handler threads. */
    public void start() {
        for (Pmd pmd : pmds) {
            final IdleStrategy idle = config.busyPoll() ? new BusySpinIdleStrategy()
                    : new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(200));
            start(new AgentRunner(idle, this::onError, null, pmd));
        }
        for (Handler h : handlers) {
            start(new AgentRunner(new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1),
                    TimeUnit.MICROSECONDS.toNanos(200)), this::onError, null, h));
        }
        for (Revalidator r : revalidators.agents()) {
            start(new AgentRunner(new BackoffIdleStrategy(10, 10, TimeUnit.MICROSECONDS.toNanos(10),
                    TimeUnit.MILLISECONDS.toNanos(5)), this::onError, null, r));
        }
    }

    private void start(final AgentRunner runner) {
        runners.add(runner);
        AgentRunner.startOnThread(runner, r -> {
            final Thread t = new Thread(r, runner.agent().roleName());
            t.setDaemon(true);
            return t;
        });
    }

    private void onError(final Throwable t) {
        LOG.log(System.Logger.Level.ERROR, Thread.currentThread().getName() + " failed", t);
    }

    /** True once every PMD has drained its inputs and has nothing in flight. */
    public boolean drained() {
        for (Pmd p : pmds) {
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
        // Revalidators first: one may be waiting for a PMD to acknowledge a removal.
        revalidators.close();
        for (AgentRunner r : runners) {
            r.close();
        }
        RuntimeException failure = null;
        for (Port p : ports) {
            try {
                p.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        for (UpcallRing r : rings) {
            r.close();
        }
        stopDpdk();
        loadBalancer.close();
        if (failure != null) {
            throw failure;
        }
    }

    /** Counters summed over the PMDs. */
    public Totals totals() {
        final long[] counts = new long[PmdCounter.values().length];
        final long[] rx = new long[ports.size()];
        final long[] tx = new long[ports.size()];
        final long[] rxBytes = new long[ports.size()];
        final long[] txBytes = new long[ports.size()];
        final ParseCounters parse = new ParseCounters();
        for (Pmd p : pmds) {
            final PmdStats.Snapshot s = p.stats().snapshot();
            for (int i = 0; i < counts.length; i++) {
                counts[i] += s.counts()[i];
            }
            for (int i = 0; i < rx.length; i++) {
                rx[i] += s.portRx()[i];
                tx[i] += s.portTx()[i];
                rxBytes[i] += s.portRxBytes()[i];
                txBytes[i] += s.portTxBytes()[i];
            }
            p.parseCounters().addTo(parse);
        }
        return new Totals(counts, rx, tx, rxBytes, txBytes, parse);
    }

    /** Datapath-wide counters. */
    public record Totals(long[] counts, long[] portRx, long[] portTx, long[] portRxBytes, long[] portTxBytes,
                         ParseCounters parse) {
        public long get(final PmdCounter c) {
            return counts[c.ordinal()];
        }

        public long drops(final DropReason r) {
            return switch (r) {
                case ACTION -> get(PmdCounter.DROP_ACTION);
                case CONTROLLER -> get(PmdCounter.DROP_CONTROLLER);
                case RX_INVALID -> get(PmdCounter.DROP_RX_INVALID);
                case UPCALL_LOST -> get(PmdCounter.DROP_UPCALL_LOST);
                case INVALID_PORT -> get(PmdCounter.DROP_INVALID_PORT);
                case TX_FAILED -> get(PmdCounter.DROP_TX_FAILED);
            };
        }

        public long drops() {
            long d = 0;
            for (DropReason r : DropReason.values()) {
                d += drops(r);
            }
            return d;
        }
    }
}
