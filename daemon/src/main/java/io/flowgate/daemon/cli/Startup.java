package io.flowgate.daemon.cli;

import static io.flowgate.daemon.config.Settings.*;

import io.flowgate.daemon.config.ConfigException;
import io.flowgate.daemon.config.ConfigFile;
import io.flowgate.daemon.config.SettingValues;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.daemon.openflow.OfTarget;
import io.flowgate.daemon.openflow.PacketInLimit;
import io.flowgate.daemon.reconfig.OtherConfig;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.slowpath.lb.ConnTimeouts;
import io.flowgate.slowpath.classifier.TrieField;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code flowgate run} starts with: the settings of {@link io.flowgate.daemon.config.Settings}
 * as given (command line, else configuration file, else default), the ports and their settings,
 * and the datapath's configuration made of them.
 */
record Startup(Map<Integer, PortSpec> ports, Path flows, Path groups, Path rundir, Path pidFile, TrieField[] prefixes,
               BridgeConfig bridge, String controlGroup, Path logFile, Path stateDir, ConnTimeouts lbTimeouts,
               boolean expireNodestConn, EstimatorSettings estimator, List<OfTarget> ofp,
               List<OfTarget> controllers, PacketInLimit packetInLimit) {

    /**
     * @param config   the --config file as given, for messages
     * @param portArgs the --port options
     * @param portSets the --port-set options
     */
    static Startup of(final SettingValues v, final Path config, final List<String> portArgs,
                      final List<String> portSets, final Path relativeTo, final String pidfile) throws ConfigException, PortException {
        final ConfigFile file = v.file();
        final Map<Integer, PortSpec> specs = ports(file, portArgs, relativeTo);
        if (specs.isEmpty()) {
            throw new ConfigException("no ports: give --port N=SPEC"
                    + (file == null ? "" : " or port.N = SPEC in " + config));
        }
        final Path flows = v.get(FLOWS);
        // A switch a controller programs starts with empty tables, as OVS's; otherwise an empty
        // switch is more likely a forgotten option than a wish to drop every packet.
        if (flows == null && v.get(CONTROLLER).isEmpty()) {
            throw new ConfigException("no rules: give --flows FILE"
                    + (file == null ? "" : " or flows = FILE in " + config)
                    + ", or --controller TARGET for a controller to program the switch");
        }
        if (v.given(PMD_CPUS) && v.given(PMD_CPU_MASK)) {
            throw new ConfigException("give pmd-cpus (a list) or pmd-cpu-mask (a hex mask), not both");
        }
        // A PMD pinned where it cannot run would forward nothing: the CPUs are checked now.
        final BitSet cpuSet = v.given(PMD_CPU_MASK) ? v.get(PMD_CPU_MASK)
                : v.given(PMD_CPUS) ? v.get(PMD_CPUS) : new BitSet();
        final List<Integer> cpus = cpuSet.stream().boxed().toList();
        // With a mask, one PMD per CPU (as OVS); with a list, --pmds of them pinned in turn.
        final int pmds = v.given(PMD_CPU_MASK) ? cpus.size() : v.get(PMDS);
        final String idle = v.get(PMD_IDLE) != null ? v.get(PMD_IDLE)
                : specs.values().stream().anyMatch(p -> p.kind().equals("dpdk")) ? "spin" : "backoff";
        final int handlers = v.get(HANDLERS);
        final int revalidators = v.get(REVALIDATORS);
        final int maxIdle = v.get(MAX_IDLE);
        final int flowLimit = v.get(FLOW_LIMIT);
        final int emc = v.get(EMC_INSERT_INV_PROB);
        final int vlans = v.get(VLAN_LIMIT);
        final List<String> eal = v.get(DPDK_ARGS);
        final int mbufs = v.get(MBUFS);
        final BridgeConfig.Queues queues = queues(v, file, portSets, specs);
        final BridgeConfig dc = BridgeConfig.of(List.copyOf(specs.values()), null, false).with(c -> {
            c.pmds = pmds;
            c.pmdCpus = cpus;
            c.busyPoll = idle.equals("spin");
            c.handlers = handlers;
            c.revalidation = new RevalidatorSettings(revalidators, maxIdle,
                    RevalidatorSettings.DEFAULTS.minRevalidatePps());
            c.flowLimit = flowLimit;
            c.emcInsertInverse = emc;
            c.vlanLimit = vlans;
            c.dpdk = new BridgeConfig.Dpdk(eal, mbufs, 1024, 1024, 0, Map.of());
            c.queues = queues;
        });
        final Path rundir = v.get(RUNDIR);
        final Map<String, Object> estimator = new HashMap<>(); // null values: inherit
        for (var s : List.of(ESTIMATOR_CPUS, ESTIMATOR_NICE, RUN_ESTIMATION)) {
            estimator.put(s.key(), v.get(s));
        }
        final Path pidPath = PidFile.of(rundir, pidfile);
        // As OVS's bridge listens on RUNDIR/BRIDGE.mgmt: "ovs-ofctl show NAME" finds it with OVS_RUNDIR set.
        final List<OfTarget> ofp = v.get(OFP) != null ? v.get(OFP)
                : List.of(OfTarget.management(rundir, PidFile.daemonName(pidPath)));
        return new Startup(specs, flows, v.get(GROUPS), rundir, pidPath, v.get(PREFIXES), dc,
                v.get(CONTROL_GROUP), v.get(LOG_FILE), v.get(STATE_DIR), v.get(LB_TIMEOUTS), v.get(EXPIRE_NODEST_CONN),
                OtherConfig.estimator(EstimatorSettings.DEFAULTS, estimator), ofp, v.get(CONTROLLER),
                PacketInLimit.of(v.get(CONTROLLER_RATE_LIMIT), v.get(CONTROLLER_BURST_LIMIT)));
    }

    /** The file's port.N = SPEC, then --port N=SPEC over them. */
    private static Map<Integer, PortSpec> ports(final ConfigFile file, final List<String> portArgs,
                                                final Path relativeTo) throws ConfigException, PortException {
        final Map<Integer, PortSpec> specs = new TreeMap<>();
        if (file != null) {
            for (Map.Entry<Integer, String> e : file.ports().entrySet()) {
                try {
                    specs.put(e.getKey(), PortSpec.parse(e.getKey(), e.getValue()).resolve(file.base()));
                } catch (PortException ex) {
                    throw new ConfigException(file.where("port." + Integer.toUnsignedString(e.getKey())) + ": "
                            + ex.getMessage());
                }
            }
        }
        final Map<Integer, String> given = new TreeMap<>();
        for (String p : portArgs) {
            final PortSpec ps = PortSpec.parseNumbered(p);
            final String earlier = given.put(ps.number(), p);
            if (earlier != null) {
                throw new ConfigException("port " + Integer.toUnsignedString(ps.number()) + " given twice (--port "
                        + earlier + " and --port " + p + ")");
            }
            specs.put(ps.number(), ps.resolve(relativeTo != null ? relativeTo : Path.of("").toAbsolutePath()));
        }
        return specs;
    }

    /**
     * The receive queues: n_rxq, pmd-rxq-affinity and mtu_request per port (the file's port.N.KEY,
     * then --port-set N:KEY=VALUE), pmd-rxq-assign and pmd-rxq-isolate.
     */
    @SuppressWarnings("unchecked")
    private static BridgeConfig.Queues queues(final SettingValues v, final ConfigFile file,
                                                final List<String> portSets, final Map<Integer, PortSpec> specs)
            throws ConfigException {
        final Map<Integer, Integer> rxq = new TreeMap<>();
        final Map<Integer, Map<Integer, Integer>> affinity = new TreeMap<>();
        final Map<Integer, Integer> mtu = new TreeMap<>();
        final List<String[]> all = new ArrayList<>();
        if (file != null) {
            file.portSettings().forEach((key, value) -> all.add(new String[] {key, value, file.where(key)}));
        }
        for (String p : portSets) {
            final int colon = p.indexOf(':');
            final int eq = p.indexOf('=');
            if (colon <= 0 || eq < colon) {
                throw new ConfigException("--port-set \"" + p + "\": expected N:KEY=VALUE, as in 1:n_rxq=2");
            }
            all.add(new String[] {"port." + p.substring(0, colon) + "." + p.substring(colon + 1, eq),
                    p.substring(eq + 1), "--port-set"});
        }
        for (String[] setting : all) {
            final String key = setting[0];
            final int dot = key.indexOf('.', 5);
            final int port;
            try {
                port = Integer.parseUnsignedInt(key.substring(5, dot));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new ConfigException(setting[2] + ": \"" + key + "\": expected port.N.KEY with a port number N");
            }
            if (!specs.containsKey(port)) {
                throw new ConfigException(setting[2] + ": " + key + ": there is no port " + port);
            }
            final String name = key.substring(dot + 1);
            try {
                final Object value = OtherConfig.parsePort(name, setting[1]);
                switch (name) {
                    case "n_rxq" -> rxq.put(port, (Integer) value);
                    case "mtu_request" -> mtu.put(port, (Integer) value);
                    default -> affinity.put(port, (Map<Integer, Integer>) value);
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(setting[2] + ": port " + port + ": " + e.getMessage());
            }
        }
        return new BridgeConfig.Queues(v.get(PMD_RXQ_ASSIGN), v.get(PMD_RXQ_ISOLATE), rxq, affinity, mtu);
    }
}
