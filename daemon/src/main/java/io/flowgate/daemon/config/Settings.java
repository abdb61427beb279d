package io.flowgate.daemon.config;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.daemon.openflow.OfTarget;
import io.flowgate.daemon.reconfig.RxqScheduler;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.slowpath.lb.ConnTimeouts;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.upcall.FlowLimit;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of {@code flowgate run}, each declared once: the command line's options, the
 * configuration file's keys, the defaults, {@code config/set} and {@code config/show} (for those
 * that change at run time) and the table of docs/deploy.md all come from here.
 */
public final class Settings {
    public static final Setting<Path> FLOWS = path("flows", "FILE", null, null, "rules (ovs-ofctl flows-file syntax)");
    public static final Setting<Path> GROUPS = path("groups", "FILE", null, null,
            "groups (ovs-ofctl add-groups syntax)");
    public static final Setting<Path> RUNDIR = path("rundir", "DIR", "/var/run/flowgate", null,
            "directory for the pid file and the control socket");
    public static final Setting<Path> STATE_DIR = path("state-dir", "DIR", null, "in memory only",
            "keep the connection table of select groups here (connections.dat), so that connections keep their"
                    + " buckets across restarts");
    public static final Setting<Integer> PMDS = number("pmds", "N", 1, 64, 1, "PMD threads");
    public static final Setting<Integer> HANDLERS = number("handlers n-handler-threads", "N", 1, 64, 1,
            "upcall handler threads").shownAs(dp -> Integer.toString(dp.handlers().size()));
    public static final Setting<Integer> REVALIDATORS = number("revalidators n-revalidator-threads", "N", 1, 64, 1,
            "revalidator threads").shownAs(dp -> Integer.toString(dp.revalidators().active()));
    public static final Setting<BitSet> PMD_CPU_MASK = text("pmd-cpu-mask", "MASK",
            t -> CpuAffinity.requireUsable(CpuAffinity.parseMask(t)), null, "not pinned",
            "one PMD pinned to each CPU of this hex mask, as OVS's pmd-cpu-mask (0x6: CPUs 1 and 2)")
            .shownAs(Settings::pmdCpuMask);
    public static final Setting<BitSet> PMD_CPUS = text("pmd-cpus", "LIST",
            t -> CpuAffinity.requireUsable(CpuAffinity.parseList(t)), null, "not pinned",
            "pin PMD threads to these CPUs, one each in turn (e.g. 2,3 or 2-3)");
    public static final Setting<Integer> EMC_INSERT_INV_PROB = number("emc-insert-inv-prob", "N", 0, Integer.MAX_VALUE,
            Emc.DEFAULT_INSERT_INVERSE, "insert into the EMC 1 in N times, 0 disables it")
            .shownAs(dp -> Integer.toString(dp.reconfiguration().emcInsertInverse()));
    public static final Setting<Boolean> SMC_ENABLE = text("smc-enable", "BOOL", Settings::bool, "true", null,
            "the signature match cache between the EMC and the classifier")
            .shownAs(dp -> Boolean.toString(dp.reconfiguration().smcEnabled())).onlyAtRunTime();
    public static final Setting<Integer> MAX_IDLE = number("max-idle", "MS", 1, Integer.MAX_VALUE,
            (int) RevalidatorSettings.DEFAULTS.maxIdleMillis(), "delete flows idle this long")
            .shownAs(dp -> Long.toString(dp.revalidators().settings().maxIdleMillis()));
    public static final Setting<Integer> FLOW_LIMIT = number("flow-limit", "N", 1, Integer.MAX_VALUE,
            FlowLimit.DEFAULT_CEILING, "most datapath flows").shownAs(dp -> Integer.toString(dp.flowLimit().ceiling()));
    public static final Setting<String> PMD_RXQ_ASSIGN = text("pmd-rxq-assign", "MODE",
            t -> oneOf(t, RxqScheduler.MODES), BridgeConfig.Queues.DEFAULTS.assign(), null,
            "how receive queues are spread over PMDs: cycles, roundrobin or group")
            .shownAs(dp -> dp.reconfiguration().assignMode());
    public static final Setting<Boolean> PMD_RXQ_ISOLATE = text("pmd-rxq-isolate", "BOOL", Settings::bool, "true", null,
            "a PMD with a pinned queue polls no other (false only with group)")
            .shownAs(dp -> Boolean.toString(dp.reconfiguration().isolate()));
    public static final Setting<ConnTimeouts> LB_TIMEOUTS = text("lb-timeouts", "STATE=SECONDS,...",
            t -> ConnTimeouts.defaults().with(t), ConnTimeouts.defaults().toString(), "IPVS's",
            "how long a select group's connection lives in each state after its last packet, e.g."
                    + " tcp=900,tcpfin=120,udp=300,time_wait=120")
            .shownAs(dp -> dp.loadBalancer().timeouts().toString());
    public static final Setting<Boolean> EXPIRE_NODEST_CONN = text("expire-nodest-conn", "BOOL", Settings::bool,
            "false", null, "drop a removed bucket's connections at their next packet (false: they keep going to it until they"
                    + " end)")
            .shownAs(dp -> Boolean.toString(dp.loadBalancer().expireNodestConn()));
    public static final Setting<BitSet> ESTIMATOR_CPUS = text("estimator-cpus", "LIST", Settings::cpuListOrAny, "any",
            null, "CPUs of the rate estimator threads, a CPU list such as 0-1,3, or any; a change restarts them")
            .shownAs(dp -> estimator(dp).cpus() == null ? "any" : CpuAffinity.toList(estimator(dp).cpus()));
    public static final Setting<Integer> ESTIMATOR_NICE = text("estimator-nice", "N",
            t -> t.strip().equals("inherit") ? null : wholeNumber(t, -20, 19), "inherit", null,
            "nice value of the rate estimator threads, -20..19, or inherit")
            .shownAs(dp -> estimator(dp).nice() == null ? "inherit" : estimator(dp).nice().toString());
    public static final Setting<Boolean> RUN_ESTIMATION = text("run-estimation", "BOOL", Settings::bool, "true", null,
            "estimate rates of ports, groups and buckets (IPVS's run_estimation); false keeps the last rates")
            .shownAs(dp -> Boolean.toString(estimator(dp).run()));
    public static final Setting<TrieField[]> PREFIXES = text("prefixes", "FIELDS", Settings::tries, "nw_dst,nw_src",
            null, "prefix-trie fields, in order (nw_dst, nw_src, ipv6_dst, ipv6_src)");
    public static final Setting<Integer> VLAN_LIMIT = number("vlan-limit", "N", 1, FlowExtractor.MAX_VLAN_LIMIT,
            FlowExtractor.DEFAULT_VLAN_LIMIT, "VLAN headers to parse");
    public static final Setting<String> PMD_IDLE = text("pmd-idle", "MODE", Settings::idleMode, null,
            "spin with DPDK ports, backoff otherwise", "what an idle PMD does: spin (lowest latency, a full core) or"
                    + " backoff");
    public static final Setting<String> CONTROL_GROUP = text("control-group", "GROUP", Settings::group, null,
            "the daemon's user and root only", "also let this group use the control socket");
    public static final Setting<Path> LOG_FILE = path("log-file", "FILE", null, null,
            "also log to FILE (vlog/set file:LEVEL changes it)");
    public static final Setting<List<String>> DPDK_ARGS = text("dpdk-args", "ARGS",
            t -> t.isBlank() ? List.of() : List.of(t.strip().split("\\s+")), "",
            String.join(" ", BridgeConfig.Dpdk.DEFAULT_EAL_ARGS) + "; the ports' devices are added",
            "DPDK EAL arguments, e.g. \"-l 0 --socket-mem 1024\"");
    public static final Setting<List<OfTarget>> OFP = text("ofp", "TARGET,...", t -> targets(t, false), null,
            "punix:RUNDIR/NAME.mgmt", "where OpenFlow clients connect: punix:PATH or ptcp:[PORT][:IP] (loopback unless"
                    + " an address is given), comma-separated; none for no OpenFlow");
    public static final Setting<List<OfTarget>> CONTROLLER = text("controller", "TARGET,...", t -> targets(t, true),
            "none", "none", "OpenFlow controllers to connect to: tcp:IP[:PORT] (port 6653 by default) or unix:PATH,"
                    + " comma-separated; reconnected with back-off, probed with echo requests when quiet");
    public static final Setting<Integer> CONTROLLER_RATE_LIMIT = text("controller-rate-limit", "N",
            t -> wholeNumber(t, 1, Integer.MAX_VALUE), null, "none", "packet-ins a second to each --controller at"
                    + " most, as OVS's controller_rate_limit (excess waits per input port, then is dropped)");
    public static final Setting<Integer> CONTROLLER_BURST_LIMIT = text("controller-burst-limit", "N",
            t -> wholeNumber(t, 1, Integer.MAX_VALUE), null, "a quarter of the rate",
            "packet-ins that may wait for a rate-limited controller, as OVS's controller_burst_limit");
    public static final Setting<Integer> MBUFS = number("mbufs", "N", 1024, 1 << 24,
            BridgeConfig.Dpdk.DEFAULTS.mbufs(), "mbufs in the DPDK pool");

    /** Every setting, the run-time ones in the order config/set names them. */
    public static final List<Setting<?>> ALL = List.of(FLOWS, GROUPS, RUNDIR, STATE_DIR, PMDS, HANDLERS, REVALIDATORS,
            PMD_CPU_MASK, PMD_CPUS, EMC_INSERT_INV_PROB, SMC_ENABLE, MAX_IDLE, FLOW_LIMIT, PMD_RXQ_ASSIGN,
            PMD_RXQ_ISOLATE, LB_TIMEOUTS, EXPIRE_NODEST_CONN, ESTIMATOR_CPUS, ESTIMATOR_NICE, RUN_ESTIMATION, PREFIXES,
            VLAN_LIMIT, PMD_IDLE, CONTROL_GROUP, LOG_FILE, DPDK_ARGS, OFP, CONTROLLER, CONTROLLER_RATE_LIMIT,
            CONTROLLER_BURST_LIMIT, MBUFS);

    private Settings() {
    }

    /** The settings given at start: on the command line and in the configuration file. */
    public static List<Setting<?>> atStart() {
        return ALL.stream().filter(Setting::atStart).toList();
    }

    /** The settings config/set changes and config/show prints. */
    public static List<Setting<?>> live() {
        return ALL.stream().filter(Setting::live).toList();
    }

    /** The keys a configuration file may set besides ports ({@code port.N}, {@code port.N.KEY}). */
    public static Set<String> fileKeys() {
        final Set<String> keys = new TreeSet<>();
        atStart().forEach(s -> keys.addAll(s.names()));
        return keys;
    }

    /** A whole number within bounds; the reasons read after the key ("max-idle=x: not a whole number"). */
    public static int wholeNumber(final String text, final int min, final int max) {
        final long v;
        try {
            v = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max);
        }
        return (int) v;
    }

    /** The prefix-trie fields of a list such as nw_dst,nw_src, the first of repeats kept. */
    public static TrieField[] tries(final String list) {
        final List<TrieField> out = new ArrayList<>();
        for (String n : list.split(",")) {
            if (n.isBlank()) {
                continue;
            }
            final TrieField t = TrieField.byName(n.strip());
            if (t == null) {
                throw new IllegalArgumentException("unknown field \"" + n + "\" (nw_dst, nw_src, ipv6_dst, ipv6_src)");
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out.toArray(new TrieField[0]);
    }

    private static Setting<Integer> number(final String names, final String label, final int min, final int max,
                                           final int dflt, final String help) {
        return new Setting<>(Arrays.asList(names.split(" ")), label, Setting.Kind.NUMBER,
                t -> wholeNumber(t, min, max), Integer.toString(dflt), null, help, true, null);
    }

    private static Setting<Path> path(final String name, final String label, final String dflt, final String note,
                                      final String help) {
        return new Setting<>(List.of(name), label, Setting.Kind.PATH, Path::of, dflt, note, help, true, null);
    }

    private static <T> Setting<T> text(final String name, final String label, final Setting.Parser<T> parser,
                                       final String dflt, final String note, final String help) {
        return new Setting<>(List.of(name), label, Setting.Kind.TEXT, parser, dflt, note, help, true, null);
    }

    private static String oneOf(final String text, final List<String> allowed) {
        if (!allowed.contains(text)) {
            throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
        }
        return text;
    }

    private static boolean bool(final String text) {
        return oneOf(text, List.of("true", "false")).equals("true");
    }

    /** OpenFlow listeners ({@code active}: controllers), comma-separated; {@code none}: none. */
    private static List<OfTarget> targets(final String text, final boolean active) {
        if (text.strip().equals("none")) {
            return List.of();
        }
        final String expected = active ? "tcp:IP[:PORT], unix:PATH or none" : "punix:PATH, ptcp:[PORT][:IP] or none";
        final List<OfTarget> out = new ArrayList<>();
        for (String t : text.split(",")) {
            if (!t.isBlank()) {
                final OfTarget target = OfTarget.parse(t);
                if (target.active() != active) {
                    throw new IllegalArgumentException(t.strip() + ": " + (active ? "a controller is" : "ofp listens on")
                            + " " + expected);
                }
                out.add(target);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no target (" + expected + ")");
        }
        return List.copyOf(out);
    }

    private static String idleMode(final String text) {
        if (!text.equals("spin") && !text.equals("backoff")) {
            throw new IllegalArgumentException("must be spin or backoff");
        }
        return text;
    }

    /** A CPU list, or {@code any} (an empty set). */
    private static BitSet cpuListOrAny(final String text) {
        if (text.strip().equals("any")) {
            return new BitSet();
        }
        return CpuAffinity.requireUsable(CpuAffinity.parseList(text.strip()));
    }

    /** A group of this system, checked now: a daemon that cannot give its socket to it would fail later. */
    private static String group(final String name) {
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalArgumentException("no such group \"" + name + "\"");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look up group \"" + name + "\": " + e.getMessage());
        }
        return name;
    }

    private static String pmdCpuMask(final Bridge dp) {
        final BitSet cores = new BitSet();
        boolean pinned = true;
        for (Pmd p : dp.pmds()) {
            cores.set(p.core());
            pinned &= p.cpus() != null;
        }
        return pinned ? CpuAffinity.toMask(cores) : "(not pinned: " + dp.pmds().length + " PMD(s))";
    }

    private static EstimatorSettings estimator(final Bridge dp) {
        return dp.rates().estimators().settings();
    }
}
