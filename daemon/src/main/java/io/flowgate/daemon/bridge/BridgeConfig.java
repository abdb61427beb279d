package io.flowgate.daemon.bridge;

import io.flowgate.fastpath.dpdk.DpdkSettings;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.upcall.FlowLimit;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * How to build a datapath.
 *
 * @param base            directory that relative file names in port specs are resolved against
 * @param handlers        upcall handler threads (n-handler-threads)
 * @param ordered         keep every port's output in input order (replay); see {@code Pmd}
 * @param busyPoll        PMDs spin when idle (production); otherwise they back off (tests, replay)
 * @param revalidation    revalidator threads, max-idle, min-revalidate-pps
 * @param flowLimit       the ceiling of the dynamic flow limit (flow-limit)
 * @param pmdCpus         CPUs for the PMD threads, one each in turn (pmd-cpu-mask); empty: not pinned
 * @param dpdk            how DPDK ports are set up (used only when there are some)
 * @param queues          receive queues per port and how they are spread over the PMDs
 */
public record BridgeConfig(List<PortSpec> ports, Path base, int pmds, int handlers, int emcInsertInverse,
                             int vlanLimit, boolean ordered, boolean busyPoll, int upcallRingBytes,
                             RevalidatorSettings revalidation, int flowLimit, List<Integer> pmdCpus, Dpdk dpdk,
                             Queues queues) {
    /**
     * Receive queues.
     *
     * @param assign   how unpinned queues are spread over the PMDs: cycles (OVS's default: busiest
     *                 first, over the PMDs up and down), roundrobin, or group (least loaded PMD)
     * @param isolate  a PMD that has a pinned queue polls no other (pmd-rxq-isolate; false only with group)
     * @param rxq      n_rxq by port number (1 where not given)
     * @param affinity pmd-rxq-affinity by port number: queue id to core
     */
    public record Queues(String assign, boolean isolate, java.util.Map<Integer, Integer> rxq,
                         java.util.Map<Integer, java.util.Map<Integer, Integer>> affinity,
                         java.util.Map<Integer, Integer> mtu) {
        public static final Queues DEFAULTS = new Queues("cycles", true, java.util.Map.of(), java.util.Map.of(),
                java.util.Map.of());

        public Queues {
            rxq = java.util.Map.copyOf(rxq);
            affinity = java.util.Map.copyOf(affinity);
            mtu = java.util.Map.copyOf(mtu);
        }
    }

    /**
     * DPDK settings.
     *
     * @param ealArgs  EAL arguments (the devices' -a/--vdev arguments are added), or empty for
     *                 the defaults that work without hugepages: {@link #DEFAULT_EAL_ARGS}
     * @param mbufs    mbufs in the pool
     * @param expected replay: packets each input port will deliver (net_pcap does not say when it ends)
     */
    public record Dpdk(List<String> ealArgs, int mbufs, int rxDescriptors, int txDescriptors, int mtu,
                       java.util.Map<Integer, Long> expected) {
        public static final List<String> DEFAULT_EAL_ARGS = DpdkSettings.DEFAULT_EAL_ARGS;
        public static final Dpdk DEFAULTS = new Dpdk(List.of(), 16383, 1024, 1024, 0, java.util.Map.of());

        public Dpdk {
            ealArgs = List.copyOf(ealArgs);
            expected = java.util.Map.copyOf(expected);
        }

        /** The settings fastpath's DPDK set-up takes (all but the replay's expected counts). */
        public DpdkSettings settings() {
            return new DpdkSettings(ealArgs, mbufs, rxDescriptors, txDescriptors, mtu);
        }
    }

    public static final int DEFAULT_UPCALL_RING_BYTES = 8 << 20;

    public BridgeConfig {
        ports = List.copyOf(ports);
        pmdCpus = List.copyOf(pmdCpus);
        dpdk = dpdk == null ? Dpdk.DEFAULTS : dpdk;
        queues = queues == null ? Queues.DEFAULTS : queues;
        if (pmds < 1) {
            throw new IllegalArgumentException("pmds must be at least 1, not " + pmds);
        }
        if (handlers < 1) {
            throw new IllegalArgumentException("n-handlers must be at least 1, not " + handlers);
        }
    }

    /** One PMD, one handler, one revalidator, OVS's defaults otherwise, backing off when idle. */
    public static BridgeConfig of(final List<PortSpec> ports, final Path base, final boolean ordered) {
        return new BridgeConfig(ports, base, 1, 1, Emc.DEFAULT_INSERT_INVERSE, FlowExtractor.DEFAULT_VLAN_LIMIT,
                ordered, false, DEFAULT_UPCALL_RING_BYTES, RevalidatorSettings.DEFAULTS, FlowLimit.DEFAULT_CEILING, List.of(),
                Dpdk.DEFAULTS, Queues.DEFAULTS);
    }

    /**
     * A copy with some components changed, e.g. {@code config.with(c -> c.pmds = 2)}: the
     * constructor is called in one place, however many components a caller sets.
     */
    public BridgeConfig with(final Consumer<Builder> change) {
        final Builder b = new Builder(this);
        change.accept(b);
        return b.build();
    }

    /** The components of a config being changed by {@link #with}; checked when it builds. */
    public static final class Builder {
        public List<PortSpec> ports;
        public Path base;
        public int pmds;
        public int handlers;
        public int emcInsertInverse;
        public int vlanLimit;
        public boolean ordered;
        public boolean busyPoll;
        public int upcallRingBytes;
        public RevalidatorSettings revalidation;
        public int flowLimit;
        public List<Integer> pmdCpus;
        public Dpdk dpdk;
        public Queues queues;

        private Builder(final BridgeConfig c) {
            ports = c.ports;
            base = c.base;
            pmds = c.pmds;
            handlers = c.handlers;
            emcInsertInverse = c.emcInsertInverse;
            vlanLimit = c.vlanLimit;
            ordered = c.ordered;
            busyPoll = c.busyPoll;
            upcallRingBytes = c.upcallRingBytes;
            revalidation = c.revalidation;
            flowLimit = c.flowLimit;
            pmdCpus = c.pmdCpus;
            dpdk = c.dpdk;
            queues = c.queues;
        }

        private BridgeConfig build() {
            return new BridgeConfig(ports, base, pmds, handlers, emcInsertInverse, vlanLimit, ordered, busyPoll,
                    upcallRingBytes, revalidation, flowLimit, pmdCpus, dpdk, queues);
        }
    }
}
