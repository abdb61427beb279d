package io.flowgate.daemon.cli;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.daemon.config.ConfigException;
import io.flowgate.daemon.config.ConfigFile;
import io.flowgate.daemon.control.ControlSocket;
import io.flowgate.daemon.log.Vlog;
import io.flowgate.daemon.datapath.Datapath;
import io.flowgate.daemon.datapath.DatapathConfig;
import io.flowgate.daemon.datapath.Summary;
import io.flowgate.daemon.reconfig.OtherConfig;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.PcapPort;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.lb.ConnTimeouts;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.slowpath.lb.ConnectionTable;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.syntax.SyntaxException;
import io.flowgate.slowpath.upcall.FlowLimit;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flowgate run}: the long-running datapath. It forwards until SIGTERM or SIGINT, then
 * stops the PMDs, writes out every output file and exits 0. Pcap inputs are replayed once, at full
 * speed; the daemon stays up after they end. Settings come from the command line, a configuration
 * file ({@code --config}), or both, the command line winning.
 */
@Command(name = "run", description = "Run the datapath until SIGTERM or SIGINT.")
final class RunCommand implements Callable<Integer> {
    static final Set<String> CONFIG_KEYS = Set.of("flows", "groups", "rundir", "pmds", "handlers", "revalidators",
            "max-idle", "flow-limit", "emc-insert-inv-prob", "prefixes", "vlan-limit", "pmd-idle", "pmd-cpus",
            "control-group", "log-file", "dpdk-args", "mbufs", "state-dir", "n-handler-threads",
            "n-revalidator-threads", "pmd-cpu-mask", "pmd-rxq-assign", "pmd-rxq-isolate", "lb-timeouts",
            "expire-nodest-conn", "estimator-cpus", "estimator-nice", "run-estimation");
    /** Settings known by two names: Flowgate's first, OVS's other_config name second. */
    static final Map<String, String> ALIASES = Map.of("handlers", "n-handler-threads", "revalidators",
            "n-revalidator-threads");
    static final Path DEFAULT_RUNDIR = Path.of("/var/run/flowgate");
    private static final System.Logger LOG = System.getLogger("daemon");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "settings file: KEY = VALUE lines, port.N = SPEC")
    Path config;

    @Option(names = "--port", paramLabel = "N=SPEC",
            description = "port N: dpdk:DEVARGS (a PCI address or a vdev such as net_af_packet0,iface=eth1),"
                    + " pcap:in=FILE[,out=FILE], ring:NAME or dummy:NAME[,tx_pcap=FILE] (fed by netdev-dummy/receive;"
                    + " repeatable; replaces port.N of the config)")
    List<String> ports = new ArrayList<>();

    @Option(names = "--flows", paramLabel = "FILE", description = "rules (ovs-ofctl flows-file syntax)")
    Path flows;

    @Option(names = "--groups", paramLabel = "FILE", description = "groups (ovs-ofctl add-groups syntax)")
    Path groups;

    @Option(names = "--rundir", paramLabel = "DIR",
            description = "directory for the pid file and the control socket (default: /var/run/flowgate)")
    Path rundir;

    @Option(names = "--pidfile", arity = "0..1", fallbackValue = PidFile.NAME, paramLabel = "FILE",
            description = "write the pid to FILE, relative to the run directory (default, and --pidfile alone:"
                    + " RUNDIR/flowgate.pid); the control socket is RUNDIR/NAME.PID.ctl, NAME being FILE's name"
                    + " without .pid (ovs-appctl -t NAME)")
    String pidfile;

    @Option(names = "--detach", description = "run in the background: return once the daemon answers on its control"
            + " socket (its standard error goes to RUNDIR/NAME.stderr), or fail with its error; the daemon's working"
            + " directory is / (relative names given are resolved first)")
    boolean detach;

    @Option(names = "--no-chdir", description = "with --detach, keep the working directory instead of changing to /")
    boolean noChdir;

    @Option(names = "--monitor", description = "run the daemon under a monitor process that starts it again if it"
            + " crashes (dies of SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGPIPE, SIGALRM, SIGXCPU or SIGXFSZ),"
            + " at most once every 10 s, and passes SIGTERM, SIGINT and SIGHUP on to it; with --detach the"
            + " background process is the monitor")
    boolean monitor;

    /** Set by --detach for the background process: where relative names were given. */
    @Option(names = "--relative-to", hidden = true, paramLabel = "DIR")
    Path relativeTo;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "keep the connection table of select groups here (connections.dat), so that connections"
                    + " keep their buckets across restarts (default: in memory only)")
    Path stateDir;

    @Option(names = "--pmds", paramLabel = "N", description = "PMD threads (default: 1)")
    Integer pmds;

    @Option(names = {"--handlers", "--n-handler-threads"}, paramLabel = "N",
            description = "upcall handler threads (default: 1)")
    Integer handlers;

    @Option(names = {"--revalidators", "--n-revalidator-threads"}, paramLabel = "N",
            description = "revalidator threads (default: 1)")
    Integer revalidators;

    @Option(names = "--pmd-cpu-mask", paramLabel = "MASK",
            description = "one PMD pinned to each CPU of this hex mask, as OVS's pmd-cpu-mask (0x6: CPUs 1 and 2)")
    String pmdCpuMask;

    @Option(names = "--pmd-rxq-assign", paramLabel = "MODE",
            description = "how receive queues are spread over PMDs: cycles (default), roundrobin or group")
    String rxqAssign;

    @Option(names = "--pmd-rxq-isolate", paramLabel = "BOOL",
            description = "a PMD with a pinned queue polls no other (default: true; false only with group)")
    String rxqIsolate;

    @Option(names = "--port-set", paramLabel = "N:KEY=VALUE",
            description = "a port's setting: n_rxq=N (dpdk ports) or pmd-rxq-affinity=QUEUE:CORE,... (repeatable;"
                    + " port.N.KEY = VALUE in the config file)")
    List<String> portSettings = new ArrayList<>();

    @Option(names = "--lb-timeouts", paramLabel = "STATE=SECONDS,...",
            description = "how long a select group's connection lives in each state after its last packet, e.g."
                    + " tcp=900,tcpfin=120,udp=300,time_wait=120 (default: IPVS's)")
    String lbTimeouts;

    @Option(names = "--expire-nodest-conn", paramLabel = "BOOL",
            description = "drop a removed bucket's connections at their next packet (default: false: they keep"
                    + " going to it until they end)")
    String expireNodest;

    @Option(names = "--estimator-cpus", paramLabel = "LIST",
            description = "CPUs of the rate estimator threads, a CPU list such as 0-1,3 (default: any)")
    String estimatorCpus;

    @Option(names = "--estimator-nice", paramLabel = "N",
            description = "nice value of the rate estimator threads, -20..19 (default: inherited)")
    String estimatorNice;

    @Option(names = "--run-estimation", paramLabel = "BOOL",
            description = "estimate rates of ports, groups and buckets (default: true)")
    String runEstimation;

    @Option(names = "--max-idle", paramLabel = "MS", description = "delete flows idle this long (default: 10000)")
    Integer maxIdle;

    @Option(names = "--flow-limit", paramLabel = "N", description = "most datapath flows (default: 200000)")
    Integer flowLimit;

    @Option(names = "--emc-insert-inv-prob", paramLabel = "N",
            description = "insert into the EMC 1 in N times, 0 disables it (default: 100)")
    Integer emcInverse;

    @Option(names = "--prefixes", paramLabel = "FIELDS", description = "prefix-trie fields (default: nw_dst,nw_src)")
    String prefixes;

    @Option(names = "--vlan-limit", paramLabel = "N", description = "VLAN headers to parse, 1 or 2 (default: 1)")
    Integer vlanLimit;

    @Option(names = "--control-group", paramLabel = "GROUP",
            description = "also let this group use the control socket (default: the daemon's user and root only)")
    String controlGroup;

    @Option(names = "--log-file", paramLabel = "FILE", description = "also log to FILE (vlog/set file:LEVEL changes it)")
    Path logFile;

    @Option(names = {"-v", "--verbose"}, paramLabel = "SPEC", arity = "0..1", fallbackValue = "",
            description = "log levels and formats as OVS's -v and vlog/set: [MODULE][:DESTINATION][:LEVEL] (destinations"
                    + " console, syslog, file; levels off, emer, err, warn, info, dbg), PATTERN:DESTINATION:FORMAT or"
                    + " FACILITY:NAME, e.g. -vconsole:off -vfile:dbg -vsyslog:info; -v alone: everything at dbg"
                    + " (repeatable)")
    List<String> verbose = new ArrayList<>();

    @Option(names = "--syslog-method", paramLabel = "METHOD",
            description = "where the syslog destination writes: libc (default: /dev/log), unix:PATH, udp:IP:PORT or null")
    String syslogMethod;

    @Option(names = "--syslog-target", paramLabel = "IP:PORT",
            description = "also send syslog lines over UDP in RFC 5424 format (deprecated in OVS for --syslog-method)")
    String syslogTarget;

    @Option(names = "--dpdk-args", paramLabel = "ARGS",
            description = "DPDK EAL arguments, e.g. \"-l 0 --socket-mem 1024\" (default: -l 0 --no-huge -m 512"
                    + " --no-shconf --no-telemetry; the ports' devices are added)")
    String dpdkArgs;

    @Option(names = "--mbufs", paramLabel = "N", description = "mbufs in the DPDK pool (default: 16383)")
    Integer mbufs;

    @Option(names = "--pmd-cpus", paramLabel = "LIST",
            description = "pin PMD threads to these CPUs, one each in turn (e.g. 2,3 or 2-3; default: not pinned)")
    String pmdCpus;

    @Option(names = "--pmd-idle", paramLabel = "MODE",
            description = "what an idle PMD does: spin (lowest latency, a full core) or backoff "
                    + "(default: spin with DPDK ports, backoff otherwise)")
    String pmdIdle;

    /** The settings after merging the command line over the configuration file. */
    private record Settings(Map<Integer, PortSpec> ports, Path flows, Path groups, Path rundir, Path pidFile,
                            int pmds, int handlers,
                            int revalidators, int maxIdle, int flowLimit, int emcInverse, TrieField[] prefixes,
                            int vlanLimit, boolean spin, List<Integer> pmdCpus, String controlGroup, Path logFile,
                            List<String> dpdkArgs, int mbufs, Path stateDir, DatapathConfig.Queues queues,
                            ConnTimeouts lbTimeouts, boolean expireNodestConn, EstimatorSettings estimator) {
    }

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final String logError = logging();
        if (logError != null) {
            err.println("flowgate: " + logError);
            return 1;
        }
        final Settings s;
        final RulePipeline pipeline;
        try {
            s = settings();
            if (monitor && !detach) {
                // The monitor itself: the daemon it starts loads the rules (and says what is wrong).
                return Monitor.run(s.rundir(), s.pidFile(), err);
            }
            pipeline = RuleFiles.load(s.flows(), s.groups(), s.prefixes());
        } catch (ConfigException | PortException | SyntaxException | PipelineException e) {
            err.println("flowgate: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("flowgate: " + FlowgateCommand.describe(e));
            return 1;
        }
        if (detach) {
            return Detach.run(s.rundir(), s.pidFile(), !noChdir, monitor, out, err);
        }
        final PidFile pid;
        try {
            pid = PidFile.acquire(s.rundir(), s.pidFile());
        } catch (IOException e) {
            err.println("flowgate: " + e.getMessage());
            return 1;
        }
        try (pid) {
            if (s.logFile() != null) {
                try {
                    Vlog.get().logFile(s.logFile()); // first: the ports' lines go to it too
                } catch (IOException e) {
                    err.println("flowgate: " + FlowgateCommand.describe(e));
                    return 1;
                }
            }
            LOG.log(System.Logger.Level.INFO, "flowgate " + io.flowgate.daemon.Version.get() + " starting: "
                    + s.ports().size() + " port(s), " + s.pmds() + " PMD(s)" + (s.pmdCpus().isEmpty() ? ""
                    : " on CPUs " + s.pmdCpus()) + ", " + s.handlers() + " handler(s), " + s.revalidators()
                    + " revalidator(s), flow-limit " + s.flowLimit() + ", max-idle " + s.maxIdle() + " ms, pmd-idle "
                    + (s.spin() ? "spin" : "backoff") + ", rundir " + s.rundir());
            LOG.log(System.Logger.Level.INFO, "flows file " + s.flows() + ": " + pipeline.current().rules().size()
                    + " rule(s)" + (s.groups() == null ? "" : "; groups file " + s.groups() + ": "
                    + pipeline.current().groups().size() + " group(s)"));
            final DatapathConfig dc = DatapathConfig.of(List.copyOf(s.ports().values()), null, false)
                    .withPmds(s.pmds()).withHandlers(s.handlers()).withEmcInsertInverse(s.emcInverse())
                    .withVlanLimit(s.vlanLimit()).withBusyPoll(s.spin())
                    .withRevalidation(new RevalidatorSettings(s.revalidators(), s.maxIdle(),
                            RevalidatorSettings.DEFAULTS.minRevalidatePps()))
                    .withFlowLimit(s.flowLimit()).withPmdCpus(s.pmdCpus())
                    .withDpdk(new DatapathConfig.Dpdk(s.dpdkArgs(), s.mbufs(), 1024, 1024, 0, Map.of()))
                    .withQueues(s.queues());
            final ConnectionTable connections;
            try {
                connections = s.stateDir() == null ? ConnectionTable.inMemory(Datapath.connectionCapacity(dc))
                        : ConnectionTable.open(s.stateDir(), Datapath.connectionCapacity(dc));
            } catch (IOException | RuntimeException e) {
                err.println("flowgate: state-dir " + s.stateDir() + ": cannot open the connection table: "
                        + FlowgateCommand.describe(e));
                return 1;
            }
            final Datapath dp;
            try {
                dp = new Datapath(dc, pipeline, connections);
                dp.loadBalancer().timeouts(s.lbTimeouts());
                dp.loadBalancer().expireNodestConn(s.expireNodestConn());
                dp.rates().estimators().configure(s.estimator());
            } catch (PortException e) {
                connections.close();
                err.println("flowgate: " + e.getMessage());
                return 1;
            }
            return serve(dp, s, pid, out, err);
        }
    }

    /** -v, --syslog-method and --syslog-target, in OVS's order: the method first, then the levels. */
    private String logging() {
        final Vlog vlog = Vlog.get();
        if (syslogMethod != null) {
            final String e = vlog.syslogMethod(syslogMethod);
            if (e != null) {
                return e;
            }
        }
        for (String v : verbose) {
            final String e = vlog.verbosity(v);
            if (e != null) {
                return e;
            }
        }
        return syslogTarget == null ? null : vlog.syslogTarget(syslogTarget);
    }

    /**
     * Tells systemd (a {@code Type=notify} unit sets NOTIFY_SOCKET) how the daemon is doing, as
     * sd_notify(3) does; without the variable, nothing.
     */
    private static void notifySystemd(final String state, final PrintWriter err) {
        final String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return;
        }
        try {
            io.flowgate.bindings.UnixDatagram.send(socket, state);
        } catch (RuntimeException e) {
            err.println("flowgate: sd_notify to " + socket + ": " + e.getMessage());
        }
    }

    /** SIGHUP: the rule and group files again; an error is reported and changes nothing. */
    private static void reload(final Datapath dp, final Settings s, final PrintWriter err) {
        try {
            final String what = RuleFiles.reload(dp.pipeline(), s.flows(), s.groups());
            err.println("flowgate: SIGHUP: reloaded the rules: " + what);
            LOG.log(System.Logger.Level.INFO, "SIGHUP: reloaded the rules: " + what);
        } catch (IOException e) {
            err.println("flowgate: SIGHUP: " + FlowgateCommand.describe(e) + "; the rules are unchanged");
        } catch (SyntaxException | PipelineException e) {
            err.println("flowgate: SIGHUP: " + e.getMessage() + "; the rules are unchanged");
        }
        err.flush();
    }

    private int serve(final Datapath dp, final Settings s, final PidFile pid, final PrintWriter out,
                      final PrintWriter err)
            throws InterruptedException {
        final StopSignals signals = StopSignals.install();
        final long start = System.nanoTime();
        final Set<Port> reported = new HashSet<>();
        int status = 0;
        ControlSocket control = null;
        try {
            dp.start();
            control = new ControlSocket(s.rundir(), PidFile.daemonName(s.pidFile()), dp,
                    () -> signals.request("exit command"), s.controlGroup());
            control.start();
            pid.ready(); // the pid file appears once the control socket answers
            notifySystemd("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=forwarding\n", err);
            err.printf("flowgate: running as pid %d with %d port(s), %d PMD(s), %d handler(s); control socket %s;"
                            + " SIGTERM or SIGINT stops it%n", ProcessHandle.current().pid(), dp.ports().size(),
                    s.pmds(), s.handlers(), control.path());
            err.flush();
            boolean announced = !hasPcapInput(dp);
            String failed = null;
            while (failed == null && !signals.await(200, TimeUnit.MILLISECONDS)) {
                if (signals.takeReload()) {
                    reload(dp, s, err);
                }
                reportPortFailures(dp, reported, err);
                if (!announced && pcapInputsDone(dp)) {
                    announced = true;
                    err.printf("flowgate: pcap inputs replayed (%d packets received); still running%n",
                            dp.totals().get(PmdCounter.RX_PACKETS));
                    err.flush();
                }
                failed = dp.failure();
            }
            if (failed != null) {
                // A PMD whose duty cycle threw may hold packets it will never send: stop, loudly.
                err.println("flowgate: " + failed + "; stopping");
                status = 1;
            } else {
                err.println("flowgate: " + signals.received() + ": stopping");
            }
            err.flush();
            LOG.log(failed != null ? System.Logger.Level.ERROR : System.Logger.Level.INFO, failed != null
                    ? failed + "; stopping" : signals.received() + ": stopping");
            notifySystemd("STOPPING=1\n", err);
        } catch (IOException e) {
            err.println("flowgate: " + FlowgateCommand.describe(e));
            status = 1;
        } finally {
            if (control != null) {
                control.close();
            }
            dp.close();
        }
        if (reportPortFailures(dp, reported, err)) {
            status = 1;
        }
        out.print(Summary.of(dp, System.nanoTime() - start).text());
        out.flush();
        LOG.log(System.Logger.Level.INFO, "exiting" + (status == 0 ? "" : " with status " + status));
        return status;
    }

    /**
     * Reports, once each, pcap ports that failed (a truncated or unreadable input, an output that
     * cannot be written) as soon as it happens, not only at shutdown.
     *
     * @return true if any port has failed, reported now or before
     */
    static boolean reportPortFailures(final Datapath dp, final Set<Port> reported, final PrintWriter err) {
        for (Port p : dp.ports()) {
            if (p instanceof PcapPort pcap && pcap.failure() != null && reported.add(p)) {
                err.println("flowgate: port " + p.number() + ": " + pcap.failure().getMessage());
                err.flush();
            }
        }
        return !reported.isEmpty();
    }

    private static boolean hasPcapInput(final Datapath dp) {
        return dp.ports().stream().anyMatch(p -> p instanceof PcapPort && p.receives());
    }

    /** Every pcap input has been read and every PMD has finished with what it received. */
    private static boolean pcapInputsDone(final Datapath dp) {
        for (Port p : dp.ports()) {
            if (p instanceof PcapPort && p.receives() && !p.exhausted()) {
                return false;
            }
        }
        final Datapath.Totals t = dp.totals();
        return t.get(PmdCounter.MISSES) == t.get(PmdCounter.PACKET_OUTS);
    }

    private Settings settings() throws IOException, ConfigException, PortException {
        final ConfigFile file = config == null ? null : ConfigFile.read(given(config), CONFIG_KEYS);
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
        for (String p : ports) {
            final PortSpec ps = PortSpec.parseNumbered(p);
            final String earlier = given.put(ps.number(), p);
            if (earlier != null) {
                throw new ConfigException("port " + Integer.toUnsignedString(ps.number()) + " given twice (--port "
                        + earlier + " and --port " + p + ")");
            }
            specs.put(ps.number(), ps.resolve(relativeTo != null ? relativeTo : Path.of("").toAbsolutePath()));
        }
        if (specs.isEmpty()) {
            throw new ConfigException("no ports: give --port N=SPEC" + (file == null ? "" : " or port.N = SPEC in " + config));
        }
        final Path flowsFile = flows != null ? given(flows) : file == null ? null : file.path("flows");
        if (flowsFile == null) {
            throw new ConfigException("no rules: give --flows FILE" + (file == null ? "" : " or flows = FILE in " + config));
        }
        final Path groupsFile = groups != null ? given(groups) : file == null ? null : file.path("groups");
        final Path dir = rundir != null ? given(rundir) : file != null && file.get("rundir") != null
                ? file.path("rundir") : DEFAULT_RUNDIR;
        final int handlerCount = number("handlers", handlers, file, 1, 1, 64);
        final int revalidatorCount = number("revalidators", revalidators, file, 1, 1, 64);
        final int idle = number("max-idle", maxIdle, file, (int) RevalidatorSettings.DEFAULTS.maxIdleMillis(), 1,
                Integer.MAX_VALUE);
        final int limit = number("flow-limit", flowLimit, file, FlowLimit.DEFAULT_CEILING, 1, Integer.MAX_VALUE);
        final int emc = number("emc-insert-inv-prob", emcInverse, file, Emc.DEFAULT_INSERT_INVERSE, 0, Integer.MAX_VALUE);
        final int vlans = number("vlan-limit", vlanLimit, file, FlowExtractor.DEFAULT_VLAN_LIMIT, 1,
                FlowExtractor.MAX_VLAN_LIMIT);
        final String prefixText = prefixes != null ? prefixes : file != null && file.get("prefixes") != null
                ? file.get("prefixes") : "nw_dst,nw_src";
        final TrieField[] tries = RuleFiles.tries(Arrays.asList(prefixText.split(",")));
        final boolean anyDpdk = specs.values().stream().anyMatch(p -> p.kind().equals("dpdk"));
        final String pmdIdleMode = pmdIdle != null ? pmdIdle : file != null && file.get("pmd-idle") != null
                ? file.get("pmd-idle") : anyDpdk ? "spin" : "backoff";
        if (!pmdIdleMode.equals("spin") && !pmdIdleMode.equals("backoff")) {
            throw new ConfigException(origin("pmd-idle", pmdIdle, file) + "pmd-idle must be spin or backoff, not \""
                    + pmdIdleMode + "\"");
        }
        final String cpuText = pmdCpus != null ? pmdCpus : file != null ? file.get("pmd-cpus") : null;
        final String maskText = pmdCpuMask != null ? pmdCpuMask : file != null ? file.get("pmd-cpu-mask") : null;
        if (cpuText != null && maskText != null) {
            throw new ConfigException("give pmd-cpus (a list) or pmd-cpu-mask (a hex mask), not both");
        }
        final List<Integer> cpus = new ArrayList<>();
        try {
            // A PMD pinned where it cannot run would forward nothing: refuse to start instead.
            if (cpuText != null) {
                CpuAffinity.requireUsable(CpuAffinity.parseList(cpuText)).stream().forEach(cpus::add);
            } else if (maskText != null) {
                CpuAffinity.requireUsable(CpuAffinity.parseMask(maskText)).stream().forEach(cpus::add);
            }
        } catch (IllegalArgumentException e) {
            final String key = cpuText != null ? "pmd-cpus" : "pmd-cpu-mask";
            throw new ConfigException(origin(key, cpuText != null ? pmdCpus : pmdCpuMask, file) + key + ": "
                    + e.getMessage());
        }
        // With a mask, one PMD per CPU (as OVS); with a list, --pmds of them pinned in turn.
        final int pmdCount = maskText != null ? cpus.size() : number("pmds", pmds, file, 1, 1, 64);
        final String group = controlGroup != null ? controlGroup : file == null ? null : file.get("control-group");
        if (group != null) {
            try {
                java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                throw new ConfigException(origin("control-group", controlGroup, file) + "no such group \"" + group
                        + "\"");
            }
        }
        final Path log = logFile != null ? given(logFile) : file == null ? null : file.path("log-file");
        final String ealText = dpdkArgs != null ? dpdkArgs : file == null ? null : file.get("dpdk-args");
        final List<String> eal = ealText == null || ealText.isBlank() ? List.of() : List.of(ealText.strip().split("\\s+"));
        final int mbufCount = number("mbufs", mbufs, file, DatapathConfig.Dpdk.DEFAULTS.mbufs(), 1024, 1 << 24);
        return new Settings(specs, flowsFile, groupsFile, dir, PidFile.of(dir, pidfile), pmdCount, handlerCount, revalidatorCount, idle, limit,
                emc, tries, vlans, pmdIdleMode.equals("spin"), cpus, group, log, eal, mbufCount,
                stateDir != null ? given(stateDir) : file == null ? null : file.path("state-dir"), queues(file, specs),
                connectionSettings(file).timeouts(), connectionSettings(file).expireNodest(), estimatorSettings(file));
    }

    /**
     * A name from the command line as the operator meant it: relative to where they ran flowgate,
     * which is not the working directory of a daemon started by --detach (it is /).
     */
    private Path given(final Path p) {
        return p == null || relativeTo == null ? p : relativeTo.resolve(p);
    }

    /** estimator-cpus, estimator-nice, run-estimation: command line, else file, else defaults. */
    private EstimatorSettings estimatorSettings(final ConfigFile file) throws ConfigException {
        final Map<String, Object> values = new java.util.HashMap<>();
        final String[][] given = {{"estimator-cpus", estimatorCpus}, {"estimator-nice", estimatorNice},
                {"run-estimation", runEstimation}};
        try {
            for (String[] g : given) {
                final String text = g[1] != null ? g[1] : file == null ? null : file.get(g[0]);
                if (text != null) {
                    values.put(g[0], OtherConfig.parse(g[0], text));
                }
            }
            return OtherConfig.estimator(EstimatorSettings.DEFAULTS, values);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private record ConnectionSettings(ConnTimeouts timeouts, boolean expireNodest) {
    }

    /** lb-timeouts and expire-nodest-conn: command line, else file, else IPVS's defaults. */
    private ConnectionSettings connectionSettings(final ConfigFile file) throws ConfigException {
        final String t = lbTimeouts != null ? lbTimeouts : file == null ? null : file.get("lb-timeouts");
        final String n = expireNodest != null ? expireNodest : file == null ? null : file.get("expire-nodest-conn");
        try {
            return new ConnectionSettings(
                    t == null ? ConnTimeouts.defaults() : (ConnTimeouts) OtherConfig.parse("lb-timeouts", t),
                    n != null && (Boolean) OtherConfig.parse("expire-nodest-conn", n));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** n_rxq, pmd-rxq-affinity and mtu_request per port, pmd-rxq-assign and pmd-rxq-isolate: file, then command line. */
    @SuppressWarnings("unchecked")
    private DatapathConfig.Queues queues(final ConfigFile file, final Map<Integer, PortSpec> specs)
            throws ConfigException {
        final Map<Integer, Integer> rxq = new TreeMap<>();
        final Map<Integer, Map<Integer, Integer>> affinity = new TreeMap<>();
        final Map<Integer, Integer> mtu = new TreeMap<>();
        final List<String[]> all = new ArrayList<>();
        if (file != null) {
            file.portSettings().forEach((key, value) -> all.add(new String[] {key, value, file.where(key)}));
        }
        for (String p : portSettings) {
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
                final Object v = io.flowgate.daemon.reconfig.OtherConfig.parsePort(name, setting[1]);
                if (name.equals("n_rxq")) {
                    rxq.put(port, (Integer) v);
                } else if (name.equals("mtu_request")) {
                    mtu.put(port, (Integer) v);
                } else {
                    affinity.put(port, (Map<Integer, Integer>) v);
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(setting[2] + ": port " + port + ": " + e.getMessage());
            }
        }
        final String assign = rxqAssign != null ? rxqAssign : file != null && file.get("pmd-rxq-assign") != null
                ? file.get("pmd-rxq-assign") : DatapathConfig.Queues.DEFAULTS.assign();
        final String isolate = rxqIsolate != null ? rxqIsolate : file != null && file.get("pmd-rxq-isolate") != null
                ? file.get("pmd-rxq-isolate") : "true";
        try {
            io.flowgate.daemon.reconfig.OtherConfig.parse("pmd-rxq-assign", assign);
            io.flowgate.daemon.reconfig.OtherConfig.parse("pmd-rxq-isolate", isolate);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        return new DatapathConfig.Queues(assign, isolate.equals("true"), rxq, affinity, mtu);
    }

    /** A whole-number setting from the command line, else the file, else the default, within bounds. */
    private static int number(final String name, final Integer cli, final ConfigFile file, final int dflt,
                              final int min, final int max) throws ConfigException {
        final String alias = ALIASES.get(name);
        if (alias != null && file != null && file.get(name) != null && file.get(alias) != null) {
            final String line = file.where(name);
            throw new ConfigException(file.where(alias) + ": " + alias + " is the same setting as " + name
                    + ", already set on line " + line.substring(line.lastIndexOf(':') + 1));
        }
        final String key = alias != null && file != null && file.get(alias) != null ? alias : name;
        final int value;
        if (cli != null) {
            value = cli;
        } else if (file != null && file.get(key) != null) {
            try {
                value = Integer.parseInt(file.get(key));
            } catch (NumberFormatException e) {
                throw new ConfigException(file.where(key) + ": " + key + " must be a whole number, not \""
                        + file.get(key) + "\"");
            }
        } else {
            value = dflt;
        }
        if (value < min || value > max) {
            throw new ConfigException(origin(key, cli, file) + key + " must be between " + min + " and " + max
                    + ", not " + value);
        }
        return value;
    }

    private static String origin(final String key, final Object cli, final ConfigFile file) {
        return cli == null && file != null && file.get(key) != null ? file.where(key) + ": " : "--" + key + ": ";
    }
}
