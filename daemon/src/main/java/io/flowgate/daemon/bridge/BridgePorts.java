package io.flowgate.daemon.bridge;

import io.flowgate.fastpath.dpdk.DpdkPort;
import io.flowgate.fastpath.dpdk.DpdkRuntime;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortFiles;
import io.flowgate.fastpath.port.Ports;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.slowpath.xlate.XlatePorts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A datapath's ports and their receive queues: opened from its {@link BridgeConfig} (the DPDK
 * ones through {@link DpdkRuntime}), found by name or number, closed with DPDK after them.
 */
final class BridgePorts implements AutoCloseable, XlatePorts {
    private static final System.Logger LOG = System.getLogger("datapath");

    private final List<Port> ports;
    private final Set<Integer> numbers;
    private final int[] sorted;
    /** OpenFlow configuration bits of the ports that have any (PORT_MOD); read by every translation. */
    private final Map<Integer, Integer> config = new ConcurrentHashMap<>();
    /** DPDK's EAL and mbuf pool, when there are DPDK ports (closed after them), or null. */
    private final DpdkRuntime dpdk;
    private volatile List<RxQueue> rxQueues;

    private BridgePorts(final List<Port> ports, final DpdkRuntime dpdk) {
        this.ports = List.copyOf(ports);
        this.numbers = ports.stream().map(Port::number).collect(Collectors.toUnmodifiableSet());
        this.sorted = numbers.stream().mapToInt(Integer::intValue).sorted().toArray();
        this.dpdk = dpdk;
        this.rxQueues = queuesOf(ports);
    }

    /**
     * Opens the ports of {@code config}, each with {@code pmdSlots} transmit queues; if one cannot
     * be opened, those opened already are discarded and DPDK is closed.
     */
    static BridgePorts open(final BridgeConfig config, final int pmdSlots) throws PortException {
        // Before DPDK starts: its EAL probes net_pcap devices, which create their tx_pcap files.
        PortFiles.checkOutputsAreNotInputs(config.ports());
        final BridgeConfig.Dpdk d = config.dpdk();
        final DpdkRuntime dpdk = DpdkRuntime.start(d.settings(), config.ports(),
                config.queues().mtu().values().stream().mapToInt(Integer::intValue).max().orElse(0));
        final List<Port> ports;
        try {
            ports = Ports.open(config.ports(), config.base(), config.ordered(), pmdSlots, config.queues().rxq(),
                    config.queues().mtu(), dpdk == null ? null : (spec, rxq, mtu, clock) -> dpdk.open(spec, rxq, mtu,
                            config.pmds(), pmdSlots, config.ordered() ? d.expected().getOrDefault(spec.number(), 0L)
                                    : -1, clock));
        } catch (PortException | RuntimeException e) {
            if (dpdk != null) {
                dpdk.close();
            }
            throw e;
        }
        for (Port p : ports) {
            LOG.log(System.Logger.Level.INFO, added(p));
        }
        return new BridgePorts(ports, dpdk);
    }

    private static List<RxQueue> queuesOf(final List<Port> ports) {
        final List<RxQueue> q = new ArrayList<>();
        for (Port p : ports) {
            if (p.receives()) {
                for (int i = 0; i < p.rxQueueCount(); i++) {
                    q.add(new RxQueue(p, i));
                }
            }
        }
        return List.copyOf(q);
    }

    /** The port's line in the log as it is added: what it is, its queues, and for DPDK its driver and link. */
    static String added(final Port p) {
        final StringBuilder s = new StringBuilder("added interface ").append(p.name()).append(" on port ")
                .append(Integer.toUnsignedString(p.number())).append(" (").append(p.spec()).append("): ");
        if (p instanceof DpdkPort d) {
            final long speed = d.linkSpeed();
            s.append("driver ").append(d.driver()).append(", ").append(p.rxQueueCount()).append(" rx queue(s), ")
                    .append(p.txQueues()).append(" tx queue(s), mtu ").append(d.mtu()).append(", link ")
                    .append(speed < 0 ? "down" : "up at " + speed + " Mbps");
        } else {
            s.append(p.type()).append(", ").append(p.receives() ? p.rxQueueCount() : 0).append(" rx queue(s)");
        }
        return s.toString();
    }

    List<Port> all() {
        return ports;
    }

    /** True if there is a port with this number (a hash lookup: translation asks for every output). */
    @Override
    public boolean exists(final int number) {
        return numbers.contains(number);
    }

    @Override
    public int[] numbers() {
        return sorted;
    }

    @Override
    public int config(final int port) {
        return config.getOrDefault(port, 0);
    }

    /** Sets a port's OpenFlow configuration bits (PORT_MOD); flows see it once translated again. */
    void config(final int port, final int bits) {
        config.put(port, bits);
    }

    /** The port named {@code text} (its name, or its number), or null. */
    Port get(final String text) {
        for (Port p : ports) {
            if (p.name().equals(text) || Integer.toUnsignedString(p.number()).equals(text)) {
                return p;
            }
        }
        return null;
    }

    /** The port with this number, or null. */
    Port get(final int number) {
        for (Port p : ports) {
            if (p.number() == number) {
                return p;
            }
        }
        return null;
    }

    List<RxQueue> rxQueues() {
        return rxQueues;
    }

    /** Replaces the receive queues of {@code port} (after its n_rxq changed). */
    void rxQueues(final Port port, final List<RxQueue> queues) {
        final List<RxQueue> next = new ArrayList<>();
        for (RxQueue q : rxQueues) {
            if (q.port() != port) {
                next.add(q);
            }
        }
        next.addAll(queues);
        rxQueues = List.copyOf(next);
    }

    /** Closes every port (output files are flushed), then DPDK; throws the first port's failure at the end. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (Port p : ports) {
            try {
                p.close();
                LOG.log(System.Logger.Level.INFO, "deleted interface " + p.name() + " on port "
                        + Integer.toUnsignedString(p.number()));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (dpdk != null) {
            dpdk.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
