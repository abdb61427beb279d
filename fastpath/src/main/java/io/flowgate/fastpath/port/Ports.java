package io.flowgate.fastpath.port;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opens a datapath's ports from their specs: pcap, ring and dummy ports here, DPDK ports through
 * the {@link Devices} the datapath passes in (fastpath.dpdk depends on this package, not the
 * reverse).
 */
public final class Ports {
    /** Bytes of a ring port's rings. */
    private static final int RING_BYTES = 4 << 20;

    private Ports() {
    }

    /** Opens the ports of a kind this package cannot open itself (dpdk). */
    @FunctionalInterface
    public interface Devices {
        /**
         * @param rxQueues n_rxq
         * @param mtu      mtu_request, or 0 for none
         * @param clock    replay mode (ordered delivery), or null
         */
        Port open(PortSpec spec, int rxQueues, int mtu, ReplayClock clock) throws PortException;
    }

    /**
     * Opens the port of every spec, or none: if one cannot be opened, those opened already are
     * discarded (the files they would have replaced stay as they were) and the reason is thrown.
     *
     * @param base     the directory relative file names are resolved against
     * @param ordered  replay: every input delivers in capture-time order, merged by one clock
     * @param txQueues transmit queues of each port: one per PMD that may ever exist
     * @param rxq      n_rxq by port number (1 where not given; more only for dpdk ports)
     * @param mtu      mtu_request by port number (only for dpdk ports)
     * @param devices  opens the dpdk ports, or null when there are none
     */
    public static List<Port> open(final List<PortSpec> specs, final Path base, final boolean ordered,
                                  final int txQueues, final Map<Integer, Integer> rxq, final Map<Integer, Integer> mtu,
                                  final Devices devices) throws PortException {
        final List<Port> opened = new ArrayList<>();
        final ReplayClock clock = ordered ? new ReplayClock() : null;
        final Set<Integer> seen = new HashSet<>();
        PortFiles.checkOutputsAreNotInputs(specs); // before any output is opened (truncated)
        try {
            for (PortSpec spec : specs) {
                if (!seen.add(spec.number())) {
                    throw new PortException("port " + spec.number() + " is defined twice");
                }
                final int queues = rxq.getOrDefault(spec.number(), 1);
                final Integer requested = mtu.get(spec.number());
                if (requested != null && !spec.kind().equals("dpdk")) {
                    throw new PortException("port " + spec.number() + ": mtu_request " + requested + ": a "
                            + spec.kind() + " port has no MTU (mtu_request is for dpdk ports)");
                }
                if (queues != 1 && !spec.kind().equals("dpdk")) {
                    throw new PortException("port " + spec.number() + ": n_rxq " + queues + ": a " + spec.kind()
                            + " port has one receive queue (several are for dpdk ports)");
                }
                opened.add(switch (spec.kind()) {
                    case "pcap" -> new PcapPort(spec.number(), spec.path("in", base), spec.path("out", base), clock,
                            txQueues, spec.passes(), Long.parseLong(spec.option("pps", "0")), spec.name());
                    case "ring" -> new RingPort(spec.number(), spec.value(), RING_BYTES, txQueues);
                    case "dummy" -> new DummyPort(spec.number(), spec.value(), spec.path("tx_pcap", base), txQueues);
                    case "dpdk" -> {
                        if (devices == null) {
                            throw new PortException("port " + spec.number() + ": dpdk ports need DPDK, not started");
                        }
                        yield devices.open(spec, queues, requested == null ? 0 : requested, clock);
                    }
                    default -> throw new PortException("port " + spec.number() + ": unknown port kind " + spec.kind());
                });
            }
            checkNamesAreUnique(opened);
            return opened;
        } catch (PortException | RuntimeException e) {
            for (Port p : opened) {
                p.discard(); // the files the ports would have replaced stay as they were
            }
            throw e;
        }
    }

    private static void checkNamesAreUnique(final List<Port> ports) throws PortException {
        final Map<String, Integer> names = new HashMap<>();
        for (Port p : ports) {
            final Integer other = names.putIfAbsent(p.name(), p.number());
            if (other != null) {
                throw new PortException("port " + Integer.toUnsignedString(p.number()) + ": port "
                        + Integer.toUnsignedString(other) + " is named \"" + p.name() + "\" already");
            }
        }
    }
}
