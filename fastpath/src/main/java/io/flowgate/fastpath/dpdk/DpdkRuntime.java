package io.flowgate.fastpath.dpdk;

import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.ReplayClock;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * DPDK as a datapath's DPDK ports need it: the EAL, started with their devices, and the one mbuf
 * pool they share. It opens those ports, and is closed after them.
 */
public final class DpdkRuntime implements AutoCloseable {
    private static final Pattern PCI = Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");

    private final DpdkSettings settings;
    private final Eal eal;
    private final MbufPool pool;

    private DpdkRuntime(final DpdkSettings settings, final Eal eal, final MbufPool pool) {
        this.settings = settings;
        this.eal = eal;
        this.pool = pool;
    }

    /**
     * Starts the EAL with the devices of the dpdk specs among {@code specs}, and the pool: its
     * mbufs hold the longest frame {@code largestMtu} lets in, so one pool serves every port.
     *
     * @return null if no spec is a DPDK one (nothing is started)
     */
    public static DpdkRuntime start(final DpdkSettings settings, final List<PortSpec> specs, final int largestMtu)
            throws DpdkException {
        final List<String> devices = new ArrayList<>();
        boolean pci = false;
        for (PortSpec spec : specs) {
            if (spec.kind().equals("dpdk")) {
                devices.addAll(ealArgs(spec.value()));
                pci |= isPci(spec.value());
            }
        }
        if (devices.isEmpty()) {
            return null;
        }
        final List<String> args = new ArrayList<>(settings.ealArgs().isEmpty()
                ? DpdkSettings.DEFAULT_EAL_ARGS : settings.ealArgs());
        if (!pci && !args.contains("--no-pci") && settings.ealArgs().isEmpty()) {
            args.add("--no-pci");
        }
        args.addAll(devices);
        final Eal eal = Eal.start(args);
        try {
            return new DpdkRuntime(settings, eal, MbufPool.create("flowgate_mbufs", settings.mbufs(), -1,
                    MbufPool.dataRoomFor(largestMtu)));
        } catch (DpdkException | RuntimeException e) {
            eal.close();
            throw e;
        }
    }

    /** The EAL arguments that make a port spec's device exist: {@code -a PCI} or {@code --vdev=DEVARGS}. */
    static List<String> ealArgs(final String devargs) {
        return isPci(devargs) ? List.of("-a", devargs) : List.of("--vdev=" + devargs);
    }

    /** True if a spec names a PCI device (so the EAL must scan PCI). */
    static boolean isPci(final String devargs) {
        return PCI.matcher(DpdkPort.deviceName(devargs)).matches();
    }

    /**
     * Opens the DPDK port of {@code spec}: its device set up with the settings' descriptors,
     * {@code rxQueues} receive queues and an MTU, on the shared pool.
     *
     * @param mtu         mtu_request, or 0 for the settings' MTU
     * @param minTxQueues one per PMD that exists at the start: the device must have that many
     * @param maxTxQueues one per PMD that may ever exist: as many as the device has, up to this
     * @param expected    replay: packets the input will deliver (net_pcap does not say when it ends), or -1
     * @param clock       replay mode (ordered delivery, capture timestamps asked for), or null
     */
    public DpdkPort open(final PortSpec spec, final int rxQueues, final int mtu, final int minTxQueues,
                         final int maxTxQueues, final long expected, final ReplayClock clock) throws DpdkException {
        final DpdkPort port = new DpdkPort(spec.number(), spec.name(), spec.value(), pool, minTxQueues, maxTxQueues,
                new DpdkPort.Options(1, settings.rxDescriptors(), settings.txDescriptors(),
                        mtu == 0 ? settings.mtu() : mtu, clock != null, expected), clock);
        if (rxQueues != 1) {
            try {
                final String refusal = port.refusesRxQueues(rxQueues);
                if (refusal != null) {
                    throw new DpdkException(refusal);
                }
                port.rxQueues(rxQueues);
            } catch (DpdkException | RuntimeException e) {
                port.discard();
                throw e;
            }
        }
        return port;
    }

    /** Frees the pool and cleans the EAL up (after every port is closed). Idempotent. */
    @Override
    public void close() {
        pool.close();
        eal.close();
    }
}
