package io.flowgate.daemon.datapath;

import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.ofproto.TrieField;

import java.nio.file.Path;
import java.util.List;

/**
 * How to build a datapath.
 *
 * @param base           directory that relative file names in port specs are resolved against
 * @param ordered        keep every port's output in input order (replay); see {@code Pmd}
 * @param busyPoll       PMDs spin when idle (production); otherwise they back off (tests, replay)
 */
public record DatapathConfig(List<PortSpec> ports, Path base, int pmds, int handlers, int emcInsertInverse,
                             int vlanLimit, boolean ordered, boolean busyPoll, int upcallRingBytes,
                             TrieField[] prefixes) {
    public static final int DEFAULT_UPCALL_RING_BYTES = 8 << 20;

    public DatapathConfig {
        ports = List.copyOf(ports);
        if (pmds < 1) {
            throw new IllegalArgumentException("pmds must be at least 1, not " + pmds);
        }
        if (handlers < 1) {
            throw new IllegalArgumentException("n-handlers must be at least 1, not " + handlers);
        }
    }

    /** One PMD, one handler, OVS's EMC probability and vlan-limit, backing off when idle. */
    public static DatapathConfig of(final List<PortSpec> ports, final Path base, final boolean ordered) {
        return new DatapathConfig(ports, base, 1, 1, Emc.DEFAULT_INSERT_INVERSE, FlowExtractor.DEFAULT_VLAN_LIMIT,
                ordered, false, DEFAULT_UPCALL_RING_BYTES, TrieField.DEFAULT);
    }

    public DatapathConfig withPmds(final int n) {
        return new DatapathConfig(ports, base, n, handlers, emcInsertInverse, vlanLimit, ordered, busyPoll,
                upcallRingBytes, prefixes);
    }

    public DatapathConfig withHandlers(final int n) {
        return new DatapathConfig(ports, base, pmds, n, emcInsertInverse, vlanLimit, ordered, busyPoll,
                upcallRingBytes, prefixes);
    }

    public DatapathConfig withEmcInsertInverse(final int inverse) {
        return new DatapathConfig(ports, base, pmds, handlers, inverse, vlanLimit, ordered, busyPoll,
                upcallRingBytes, prefixes);
    }

    public DatapathConfig withBusyPoll(final boolean busy) {
        return new DatapathConfig(ports, base, pmds, handlers, emcInsertInverse, vlanLimit, ordered, busy,
                upcallRingBytes, prefixes);
    }
}
