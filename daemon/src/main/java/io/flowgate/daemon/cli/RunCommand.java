package io.flowgate.daemon.cli;

import io.flowgate.daemon.config.ConfigException;
import io.flowgate.daemon.config.ConfigFile;
import io.flowgate.daemon.config.SettingValues;
import io.flowgate.daemon.config.Settings;
import io.flowgate.daemon.control.ControlSocket;
import io.flowgate.daemon.openflow.OfServer;
import io.flowgate.daemon.openflow.OfSwitch;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.daemon.bridge.Summary;
import io.flowgate.daemon.log.Vlog;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.PcapPort;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.slowpath.lb.ConnectionTable;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
@Command(name = "run", description = "Run the datapath until SIGTERM or SIGINT.",
        modelTransformer = SettingOptions.Run.class)
final class RunCommand implements Callable<Integer> {
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

    @Option(names = "--port-set", paramLabel = "N:KEY=VALUE",
            description = "a port's setting: n_rxq=N (dpdk ports) or pmd-rxq-affinity=QUEUE:CORE,... (repeatable;"
                    + " port.N.KEY = VALUE in the config file)")
    List<String> portSettings = new ArrayList<>();

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

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final String logError = logging();
        if (logError != null) {
            err.println("flowgate: " + logError);
            return 1;
        }
        final Startup s;
        try {
            final ConfigFile file = config == null ? null
                    : ConfigFile.read(relativeTo == null ? config : relativeTo.resolve(config), Settings.fileKeys());
            final SettingValues values = new SettingValues(SettingOptions.given(spec, Settings.atStart()), file,
                    relativeTo);
            s = Startup.of(values, config, ports, portSettings, relativeTo, pidfile);
        } catch (ConfigException | PortException | IOException e) {
            return FlowgateCommand.fail(err, e);
        }
        if (monitor && !detach) {
            // The monitor itself: the daemon it starts loads the rules (and says what is wrong).
            return Monitor.run(s.rundir(), s.pidFile(), err);
        }
        final RulePipeline pipeline = RuleFiles.load(s.flows(), s.groups(), s.prefixes(), err);
        if (pipeline == null) {
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
            final BridgeConfig dc = s.bridge();
            LOG.log(System.Logger.Level.INFO, "flowgate " + io.flowgate.daemon.Version.get() + " starting: "
                    + s.ports().size() + " port(s), " + dc.pmds() + " PMD(s)" + (dc.pmdCpus().isEmpty() ? ""
                    : " on CPUs " + dc.pmdCpus()) + ", " + dc.handlers() + " handler(s), "
                    + dc.revalidation().revalidators() + " revalidator(s), flow-limit " + dc.flowLimit() + ", max-idle "
                    + dc.revalidation().maxIdleMillis() + " ms, pmd-idle " + (dc.busyPoll() ? "spin" : "backoff")
                    + ", rundir " + s.rundir());
            LOG.log(System.Logger.Level.INFO, (s.flows() == null ? "no flows file (tables empty until a controller"
                    + " programs them)" : "flows file " + s.flows() + ": " + pipeline.current().rules().size()
                    + " rule(s)") + (s.groups() == null ? "" : "; groups file " + s.groups() + ": "
                    + pipeline.current().groups().size() + " group(s)"));
            final ConnectionTable connections;
            try {
                connections = s.stateDir() == null ? ConnectionTable.inMemory(Bridge.connectionCapacity(dc))
                        : ConnectionTable.open(s.stateDir(), Bridge.connectionCapacity(dc));
            } catch (IOException | RuntimeException e) {
                err.println("flowgate: state-dir " + s.stateDir() + ": cannot open the connection table: "
                        + FlowgateCommand.describe(e));
                return 1;
            }
            final Bridge dp;
            try {
                dp = new Bridge(dc, pipeline, connections);
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
    private static void reload(final Bridge dp, final Startup s, final PrintWriter err) {
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

    private int serve(final Bridge dp, final Startup s, final PidFile pid, final PrintWriter out,
                      final PrintWriter err)
            throws InterruptedException {
        final StopSignals signals = StopSignals.install();
        final long start = System.nanoTime();
        final Set<Port> reported = new HashSet<>();
        int status = 0;
        ControlSocket control = null;
        OfServer openflow = null;
        try {
            dp.start();
            control = new ControlSocket(s.rundir(), PidFile.daemonName(s.pidFile()), dp,
                    () -> signals.request("exit command"), s.controlGroup());
            control.start();
            if (!s.ofp().isEmpty() || !s.controllers().isEmpty()) {
                openflow = new OfServer(new OfSwitch(dp, datapathId(s)), s.ofp(), s.controllers(), s.packetInLimit());
                openflow.start();
                control.openflow(openflow);
            }
            pid.ready(); // the pid file appears once the control socket answers
            notifySystemd("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=forwarding\n", err);
            err.printf("flowgate: running as pid %d with %d port(s), %d PMD(s), %d handler(s); control socket %s;"
                            + " SIGTERM or SIGINT stops it%n", ProcessHandle.current().pid(), dp.ports().size(),
                    s.bridge().pmds(), s.bridge().handlers(), control.path());
            if (openflow != null) {
                err.printf("flowgate: OpenFlow on %s%n", String.join(", ", openflow.listening()));
            }
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
            if (openflow != null) {
                openflow.close();
            }
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
     * The datapath id OpenFlow reports: 48 bits (as OVS's, which are its bridge's MAC address) from
     * the host and the daemon's name, so the same daemon keeps its id across restarts.
     */
    private static long datapathId(final Startup s) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        final String name = host + "/" + PidFile.daemonName(s.pidFile());
        return java.util.UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .getLeastSignificantBits() & 0xFFFF_FFFF_FFFFL;
    }

    /**
     * Reports, once each, pcap ports that failed (a truncated or unreadable input, an output that
     * cannot be written) as soon as it happens, not only at shutdown.
     *
     * @return true if any port has failed, reported now or before
     */
    static boolean reportPortFailures(final Bridge dp, final Set<Port> reported, final PrintWriter err) {
        for (Port p : dp.ports()) {
            if (p instanceof PcapPort pcap && pcap.failure() != null && reported.add(p)) {
                err.println("flowgate: port " + p.number() + ": " + pcap.failure().getMessage());
                err.flush();
            }
        }
        return !reported.isEmpty();
    }

    private static boolean hasPcapInput(final Bridge dp) {
        return dp.ports().stream().anyMatch(p -> p instanceof PcapPort && p.receives());
    }

    /** Every pcap input has been read and every PMD has finished with what it received. */
    private static boolean pcapInputsDone(final Bridge dp) {
        for (Port p : dp.ports()) {
            if (p instanceof PcapPort && p.receives() && !p.exhausted()) {
                return false;
            }
        }
        final Bridge.Totals t = dp.totals();
        return t.get(PmdCounter.MISSES) == t.get(PmdCounter.PACKET_OUTS);
    }
}
