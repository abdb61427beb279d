package io.flowgate.daemon.control;

import io.flowgate.daemon.datapath.Datapath;
import io.flowgate.daemon.datapath.RateEstimation;
import io.flowgate.revalidator.estimator.Rates;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowOwner;
import io.flowgate.fastpath.odp.OdpFormat;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.pmd.TscRate;
import io.flowgate.fastpath.port.DeviceStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The dpctl/ and dpif-netdev/ commands: the datapath's flows, ports and PMD counters, in the
 * shapes ovs-vswitchd prints them.
 */
final class DatapathCommands {
    private static final long PMD_TIMEOUT_MILLIS = 5_000;

    private final Datapath dp;

    private DatapathCommands(final Datapath dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Datapath dp) {
        final DatapathCommands c = new DatapathCommands(dp);
        u.register("dpctl/dump-flows", "[-m] [--names | --no-names] [dp] [filter=filter] [type=type] [pmd=pmd]", 0, 6,
                c::dumpFlows);
        u.register("dpctl/del-flows", "[dp]", 0, 1, c::delFlows);
        u.register("dpctl/show", "[-s] [dp...]", 0, 2, c::show);
        u.register("lb/show", "[--rates]", 0, 1, c::lbShow);
        u.register("estimator/show", "", 0, 0, args -> dp.rates().estimators().show());
        u.register("lb/connections", "[group]", 0, 1, c::lbConnections);
        u.register("lb/check", "", 0, 0, args -> {
            final List<String> m = dp.loadBalancer().countMismatches();
            if (!m.isEmpty()) {
                throw new CommandException("counts differ from the connection table: " + String.join("; ", m));
            }
            return "counts agree with the connection table (" + dp.loadBalancer().table().size() + " connection(s))\n";
        });
        u.register("dpif-netdev/pmd-stats-show", "[-pmd core] [dp]", 0, 3, c::pmdStatsShow);
        u.register("dpif-netdev/pmd-perf-show", "[-nh] [-it iter-history-len] [-ms ms-history-len] [-pmd core] [dp]",
                0, 8, c::pmdPerfShow);
        u.register("dpif-netdev/pmd-stats-clear", "[-pmd core] [dp]", 0, 3, c::pmdStatsClear);
        u.register("dpif-netdev/pmd-rxq-show", "[-pmd core] [-secs secs] [dp]", 0, 5, c::pmdRxqShow);
        u.register("dpif-netdev/pmd-rxq-rebalance", "[dp]", 0, 1, c::rebalance);
    }

    /** lb/show [--rates]: the groups' buckets and connections, or their rates as ipvsadm -L --rate shows them. */
    private String lbShow(final List<String> args) throws CommandException {
        if (args.isEmpty()) {
            return dp.loadBalancer().show();
        }
        if (!args.getFirst().equals("--rates")) {
            throw new CommandException("unknown option \"" + args.getFirst() + "\" (lb/show takes --rates)");
        }
        final RateEstimation rates = dp.rates();
        rates.syncGroups();
        final StringBuilder s = new StringBuilder(String.format("%-33s %8s %8s %8s %8s %8s%n%s%n",
                "Group (selection_method)", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS", "  -> Bucket"));
        final java.util.Map<Integer, List<Integer>> byGroup = new java.util.TreeMap<>();
        for (int[] gb : dp.loadBalancer().bucketIds()) {
            byGroup.computeIfAbsent(gb[0], k -> new ArrayList<>()).add(gb[1]);
        }
        byGroup.forEach((group, buckets) -> {
            final var g = dp.pipeline().current().groups().get(group);
            rateLine(s, "group " + group + " (" + (g == null ? "deleted" : g.selectionMethod()) + ")", rates.group(group));
            buckets.stream().sorted().forEach(b -> rateLine(s, "  -> bucket " + b, rates.bucket(group, b)));
        });
        return s.toString();
    }

    private static void rateLine(final StringBuilder s, final String name, final Rates r) {
        final Rates v = r == null ? Rates.ZERO : r;
        s.append(String.format("%-33s %8d %8d %8d %8d %8d%n", name, v.cps(), v.inPps(), v.outPps(), v.inBps(),
                v.outBps()));
    }

    /** lb/connections [GROUP]: every connection of select groups (or of one), as ipvsadm -Lc lists them. */
    private String lbConnections(final List<String> args) throws CommandException {
        int group = -1;
        if (!args.isEmpty()) {
            try {
                group = Integer.parseUnsignedInt(args.get(0));
            } catch (NumberFormatException e) {
                throw new CommandException("\"" + args.get(0) + "\" is not a group id");
            }
        }
        return dp.loadBalancer().listConnections(group, System.currentTimeMillis());
    }

    private static boolean flag(final List<String> args, final String flag) throws CommandException {
        boolean set = false;
        for (String a : args) {
            if (a.equals(flag)) {
                set = true;
            } else {
                datapath(a);
            }
        }
        return set;
    }

    /** Accepts the datapath's name; refuses another name or an unknown option. */
    private static void datapath(final String a) throws CommandException {
        if (a.startsWith("-")) {
            throw new CommandException("unknown option \"" + a + "\"");
        } else if (!a.equals("netdev@flowgate") && !a.equals("flowgate")) {
            throw new CommandException("datapath \"" + a + "\" does not exist");
        }
    }

    private String portName(final int number) {
        final Port p = dp.port(number);
        return p == null ? Integer.toUnsignedString(number) : p.name();
    }

    /** The core a PMD runs on: its pinned CPU, or its id when it is not pinned. */
    private static int core(final Pmd pmd) {
        return pmd.core();
    }

    // ---- dpctl/dump-flows ----

    /** Flow types dpctl/dump-flows knows (type=); every Flowgate flow is of the first three. */
    private static final List<String> SHOWN_TYPES = List.of("ovs", "non-offloaded", "all");
    private static final List<String> OTHER_TYPES = List.of("tc", "dpdk", "offloaded", "partially-offloaded");

    /**
     * As OVS's {@code dpctl/dump-flows [-m] [--names|--no-names] [dp] [filter=MATCH] [type=TYPES]
     * [pmd=CORE]}: a filter is a match in ovs-ofctl syntax (see {@link #passes}); no Flowgate flow
     * is offloaded.
     */
    private String dumpFlows(final List<String> args) throws CommandException {
        boolean verbose = false;
        Match filter = null;
        boolean shownType = true;
        int pmdCore = Integer.MIN_VALUE;
        for (String a : args) {
            if (a.equals("-m") || a.equals("--more")) {
                verbose = true;
            } else if (a.equals("--names") || a.equals("--no-names")) {
                continue; // ports are shown by number either way
            } else if (a.startsWith("filter=")) {
                try {
                    filter = FlowSyntax.parseFilter(a.substring("filter=".length()), false).match();
                } catch (SyntaxException e) {
                    throw new CommandException("Failed to parse filter (" + e.getMessage() + ")");
                }
            } else if (a.startsWith("type=")) {
                shownType = false;
                for (String t : a.substring("type=".length()).split(",")) {
                    if (SHOWN_TYPES.contains(t)) {
                        shownType = true;
                    } else if (!OTHER_TYPES.contains(t)) {
                        throw new CommandException("Failed to parse type (" + a.substring("type=".length()) + ")");
                    }
                }
            } else if (a.startsWith("pmd=")) {
                try {
                    pmdCore = Integer.parseInt(a.substring("pmd=".length()));
                } catch (NumberFormatException e) {
                    throw new CommandException("invalid pmd \"" + a.substring("pmd=".length()) + "\"");
                }
            } else {
                datapath(a);
            }
        }
        if (!shownType) {
            return "";
        }
        final long now = System.currentTimeMillis();
        final List<DpFlow> flows = new ArrayList<>(dp.registry().view());
        flows.sort(Comparator.comparingInt(DpFlow::pmdId));
        final StringBuilder s = new StringBuilder();
        int pmd = -1;
        for (DpFlow f : flows) {
            if (f.isDead() || filter != null && !passes(filter, f)) {
                continue;
            }
            final Pmd p = dp.pmd(f.pmdId());
            if (pmdCore != Integer.MIN_VALUE && (p == null || core(p) != pmdCore)) {
                continue;
            }
            if (f.pmdId() != pmd) {
                pmd = f.pmdId();
                s.append("flow-dump from pmd on cpu core: ").append(p == null ? pmd : core(p)).append('\n');
            }
            s.append(line(f, verbose, now)).append('\n');
        }
        return s.toString();
    }

    /**
     * OVS's filter: the flow passes when its key agrees with the filter on every bit that both
     * the filter and the flow's mask look at. A flow that does not look at a field passes a
     * filter on it (filter=udp shows a flow that matches only on nw_dst: it carries UDP too).
     */
    private static boolean passes(final Match filter, final DpFlow f) {
        final long[] key = key(f);
        final long[] value = filter.value();
        final long[] mask = filter.mask();
        for (int i = 0; i < value.length; i++) {
            if (((key[i] ^ value[i]) & mask[i] & f.mask().word(i)) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The flow's key: the packet's that made it (its ukey's), else its match. */
    private static long[] key(final DpFlow f) {
        final FlowOwner owner = f.owner();
        return owner != null ? owner.key() : f.match();
    }

    /** One flow as dpctl/dump-flows prints it. */
    String line(final DpFlow f, final boolean verbose, final long now) {
        final long used = f.usedMillis();
        final long packets = f.packets();
        final long bytes = f.bytes();
        final int flags = f.tcpFlags();
        final long[] key = key(f);
        final StringBuilder s = new StringBuilder();
        if (verbose) {
            s.append("ufid:").append(f.ufidString()).append(", ");
        }
        s.append(OdpFormat.key(key, f.mask().words(), verbose, this::portName));
        s.append(", packets:").append(packets).append(", bytes:").append(bytes).append(", used:");
        s.append(used == 0 ? "never" : String.format("%.3fs", Math.max(0, now - used) / 1000.0));
        if (flags != 0) {
            s.append(", flags:").append(OdpFormat.tcpFlagsSeen(flags));
        }
        if (verbose) {
            s.append(", dp:flowgate");
        }
        s.append(", actions:").append(verbose ? namedActions(f.actions().toString()) : f.actions().toString());
        return s.toString();
    }

    /** Output ports by name in an actions string (dump-flows -m). */
    private String namedActions(final String actions) {
        final StringBuilder s = new StringBuilder();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= actions.length(); i++) {
            final char c = i < actions.length() ? actions.charAt(i) : ',';
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                final String item = actions.substring(start, i);
                s.append(s.isEmpty() ? "" : ",").append(item.matches("[0-9]+") ? portName(Integer.parseUnsignedInt(item)) : item);
                start = i + 1;
            }
        }
        return s.toString();
    }

    // ---- dpctl/del-flows ----

    private String delFlows(final List<String> args) throws CommandException {
        flag(args, "");
        dp.revalidators().flusher().flush();
        return "";
    }

    // ---- dpctl/show ----

    /**
     * dpctl/show [-s] as OVS prints it: a device's configuration after its type; with -s the
     * device's own counters where the port has a device (DPDK: rte_eth_stats, its errors and
     * drops as OVS's netdev-dpdk counts them), else what the PMDs counted, "?" where nothing counts.
     */
    private String show(final List<String> args) throws CommandException {
        final boolean stats = flag(args, "-s");
        final Datapath.Totals t = dp.totals();
        final StringBuilder s = new StringBuilder("netdev@flowgate:\n");
        s.append("  lookups: hit:").append(t.get(PmdCounter.EMC_HITS) + t.get(PmdCounter.SMC_HITS)
                        + t.get(PmdCounter.MEGAFLOW_HITS))
                .append(" missed:").append(t.get(PmdCounter.MISSES) + t.get(PmdCounter.LOST_UPCALLS))
                .append(" lost:").append(t.get(PmdCounter.LOST_UPCALLS)).append('\n');
        s.append("  flows: ").append(dp.registry().size()).append('\n');
        final List<Port> ports = dp.ports();
        for (int i = 0; i < ports.size(); i++) {
            final Port p = ports.get(i);
            s.append("  port ").append(Integer.toUnsignedString(p.number())).append(": ").append(p.name())
                    .append(" (").append(p.type());
            char sep = ':';
            for (var e : p.status().entrySet()) {
                s.append(sep).append(' ').append(e.getKey()).append('=').append(e.getValue());
                sep = ',';
            }
            s.append(")\n");
            if (stats) {
                // A device's own counters where it has them (as netdev-dpdk reads them), else the PMDs'.
                final DeviceStats d = p.deviceStats();
                final long rxBytes = d != null ? d.rxBytes() : t.counters().portRxBytes()[i];
                final long txBytes = d != null ? d.txBytes() : t.counters().portTxBytes()[i];
                s.append("    RX packets:").append(d != null ? d.rxPackets() : t.counters().portRx()[i])
                        .append(" errors:").append(d != null ? Long.toString(d.rxErrors()) : "?")
                        .append(" dropped:").append(t.counters().portRxDropped()[i] + (d != null ? d.rxDropped() : 0))
                        .append(" overruns:? frame:?\n");
                s.append("    TX packets:").append(d != null ? d.txPackets() : t.counters().portTx()[i])
                        .append(" errors:").append(d != null ? Long.toString(d.txErrors()) : "?")
                        .append(" dropped:").append(t.counters().portTxDropped()[i]).append(" aborted:? carrier:?\n");
                s.append("    collisions:?\n");
                s.append("    RX bytes:").append(rxBytes).append(humanSize(rxBytes)).append("  TX bytes:").append(txBytes)
                        .append(humanSize(txBytes)).append('\n');
                final Rates r = dp.rates().port(i);
                s.append("    RX rate: ").append(r.inPps()).append(" pkt/s ").append(r.inBps())
                        .append(" B/s  TX rate: ").append(r.outPps()).append(" pkt/s ").append(r.outBps())
                        .append(" B/s\n");
            }
        }
        return s.toString();
    }

    /** OVS's print_human_size: " (1.2 KiB)" from 1024 bytes on, nothing below. */
    private static String humanSize(final long bytes) {
        if (bytes >= 1L << 40) {
            return String.format(" (%.1f TiB)", bytes / (double) (1L << 40));
        } else if (bytes >= 1L << 30) {
            return String.format(" (%.1f GiB)", bytes / (double) (1L << 30));
        } else if (bytes >= 1L << 20) {
            return String.format(" (%.1f MiB)", bytes / (double) (1L << 20));
        } else if (bytes >= 1024) {
            return String.format(" (%.1f KiB)", bytes / 1024.0);
        }
        return "";
    }

    // ---- dpif-netdev/pmd-* ----

    /** The PMDs a "-pmd CORE" option selects (all without it). */
    private List<Pmd> selected(final List<String> args) throws CommandException {
        Integer core = null;
        for (int i = 0; i < args.size(); i++) {
            final String a = args.get(i);
            if (a.equals("-pmd")) {
                if (i + 1 >= args.size()) {
                    throw new CommandException("-pmd needs a core id");
                }
                try {
                    core = Integer.parseInt(args.get(++i));
                } catch (NumberFormatException e) {
                    throw new CommandException("invalid core id \"" + args.get(i) + "\"");
                }
            } else if (!a.equals("netdev@flowgate") && !a.equals("flowgate")) {
                throw new CommandException("datapath \"" + a + "\" does not exist");
            }
        }
        final List<Pmd> out = new ArrayList<>();
        for (Pmd p : dp.pmds()) {
            if (core == null || core(p) == core) {
                out.add(p);
            }
        }
        return out;
    }

    private static String header(final Pmd p) {
        return "pmd thread numa_id 0 core_id " + core(p) + ":\n";
    }

    /**
     * pmd-stats-show with OVS 3.1's lines. Flowgate has no hardware offload (phwol), no optimised
     * miniflow extract (mfex opt) and no simple-match cache, so those hit counts are 0; time is
     * measured in nanoseconds and shown in TSC cycles ({@link TscRate}).
     */
    private String pmdStatsShow(final List<String> args) throws CommandException {
        final StringBuilder s = new StringBuilder();
        final List<Pmd> pmds = selected(args);
        pmds.sort(Comparator.comparingInt(DatapathCommands::core));
        final double hz = pmds.isEmpty() ? 0 : TscRate.hz();
        for (Pmd p : pmds) {
            final PmdStats.Snapshot st = p.stats().snapshot();
            final long rx = st.get(PmdCounter.RX_PACKETS);
            final long mfHits = st.get(PmdCounter.MEGAFLOW_HITS);
            final long batches = st.get(PmdCounter.TX_BATCHES);
            final long busy = TscRate.cycles(st.get(PmdCounter.BUSY_NANOS), hz);
            final long idle = TscRate.cycles(st.get(PmdCounter.IDLE_NANOS), hz);
            final long total = busy + idle;
            s.append(header(p));
            s.append("  packets received: ").append(rx).append('\n');
            s.append("  packet recirculations: 0\n");
            s.append(String.format("  avg. datapath passes per packet: %.2f%n", rx == 0 ? 0.0 : 1.0));
            s.append("  phwol hits: 0\n");
            s.append("  mfex opt hits: 0\n");
            s.append("  simple match hits: 0\n");
            s.append("  emc hits: ").append(st.get(PmdCounter.EMC_HITS)).append('\n');
            s.append("  smc hits: ").append(st.get(PmdCounter.SMC_HITS)).append('\n');
            s.append("  megaflow hits: ").append(mfHits).append('\n');
            s.append(String.format("  avg. subtable lookups per megaflow hit: %.2f%n",
                    mfHits == 0 ? 0.0 : (double) st.get(PmdCounter.SUBTABLE_LOOKUPS) / mfHits));
            s.append("  miss with success upcall: ").append(st.get(PmdCounter.MISSES)).append('\n');
            s.append("  miss with failed upcall: ").append(st.get(PmdCounter.LOST_UPCALLS)).append('\n');
            s.append(String.format("  avg. packets per output batch: %.2f%n",
                    batches == 0 ? 0.0 : (double) st.get(PmdCounter.TX_PACKETS) / batches));
            if (total == 0) {
                continue;
            }
            s.append(String.format("  idle cycles: %d (%.2f%%)%n", idle, 100.0 * idle / total));
            s.append(String.format("  processing cycles: %d (%.2f%%)%n", busy, 100.0 * busy / total));
            if (rx > 0) {
                s.append(String.format("  avg cycles per packet: %.2f (%d/%d)%n", (double) total / rx, total, rx));
                s.append(String.format("  avg processing cycles per packet: %.2f (%d/%d)%n", (double) busy / rx, busy,
                        rx));
            }
        }
        return s.toString();
    }

    /**
     * pmd-perf-show's overall statistics as OVS 3.1 prints them (the detailed histograms need
     * pmd-perf-metrics, which Flowgate does not collect: -nh, -it and -ms are accepted and add
     * nothing). Upcalls are handled by the handler threads, not in the PMD's loop, so the PMD
     * spends no time on them: 0.0 us/upcall.
     */
    private String pmdPerfShow(final List<String> args) throws CommandException {
        final List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            final String a = args.get(i);
            if (a.equals("-it") || a.equals("-ms")) {
                if (++i >= args.size()) {
                    throw new CommandException(a + " needs a length");
                }
            } else if (!a.equals("-nh")) {
                rest.add(a);
            }
        }
        final List<Pmd> pmds = selected(rest);
        pmds.sort(Comparator.comparingInt(DatapathCommands::core));
        final double hz = pmds.isEmpty() ? 0 : TscRate.hz();
        final StringBuilder s = new StringBuilder();
        for (Pmd p : pmds) {
            final PmdStats.Snapshot st = p.stats().snapshot();
            final double duration = (System.nanoTime() - p.stats().clearedAt()) / 1e9;
            s.append('\n').append("Time: ")
                    .append(java.time.LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS")))
                    .append('\n');
            s.append(String.format("Measurement duration: %.3f s%n%n", duration));
            s.append(header(p)).append('\n');
            perfOverall(s, st, duration, hz);
        }
        return s.toString();
    }

    private static void perfOverall(final StringBuilder s, final PmdStats.Snapshot st, final double duration,
                                    final double hz) {
        final double usPerCycle = 1e6 / hz;
        final long busy = TscRate.cycles(st.get(PmdCounter.BUSY_NANOS), hz);
        final long idle = TscRate.cycles(st.get(PmdCounter.IDLE_NANOS), hz);
        final long sleep = TscRate.cycles(st.get(PmdCounter.SLEEP_NANOS), hz);
        final long used = busy + idle;
        final long busyIter = st.get(PmdCounter.BUSY_ITERATIONS);
        final long idleIter = st.get(PmdCounter.IDLE_ITERATIONS);
        final long iterations = busyIter + idleIter;
        final long sleepIter = st.get(PmdCounter.SLEEP_ITERATIONS);
        final long rx = st.get(PmdCounter.RX_PACKETS);
        final long tx = st.get(PmdCounter.TX_PACKETS);
        final long batches = st.get(PmdCounter.TX_BATCHES);
        s.append(String.format("  Iterations:         %12d  (%.2f us/it)%n", iterations,
                iterations == 0 ? 0.0 : (used + sleep) * usPerCycle / iterations));
        s.append(String.format("  - Used TSC cycles:  %12d  (%5.1f %% of total cycles)%n", used,
                duration == 0 ? 0.0 : 100.0 * (used / duration) / hz));
        s.append(String.format("  - idle iterations:  %12d  (%5.1f %% of used cycles)%n", idleIter,
                used == 0 ? 0.0 : 100.0 * idle / used));
        s.append(String.format("  - busy iterations:  %12d  (%5.1f %% of used cycles)%n", busyIter,
                used == 0 ? 0.0 : 100.0 * busy / used));
        s.append(String.format("  - sleep iterations: %12d  (%5.1f %% of iterations)%n", sleepIter,
                iterations == 0 ? 0.0 : 100.0 * sleepIter / iterations));
        s.append(String.format("  Sleep time (us):    %12.0f  (%3.0f us/iteration avg.)%n", sleep * usPerCycle,
                sleepIter == 0 ? 0.0 : sleep * usPerCycle / sleepIter));
        if (rx > 0) {
            final long upcalls = st.get(PmdCounter.MISSES);
            final long mfHits = st.get(PmdCounter.MEGAFLOW_HITS);
            s.append(String.format("  Rx packets:         %12d  (%.0f Kpps, %.0f cycles/pkt)%n", rx,
                    rx / duration / 1000, (double) busy / rx));
            s.append(String.format("  Datapath passes:    %12d  (%.2f passes/pkt)%n", rx, 1.0));
            s.append(String.format("  - PHWOL hits:       %12d  (%5.1f %%)%n", 0, 0.0));
            s.append(String.format("  - MFEX Opt hits:    %12d  (%5.1f %%)%n", 0, 0.0));
            s.append(String.format("  - Simple Match hits:%12d  (%5.1f %%)%n", 0, 0.0));
            s.append(String.format("  - EMC hits:         %12d  (%5.1f %%)%n", st.get(PmdCounter.EMC_HITS),
                    100.0 * st.get(PmdCounter.EMC_HITS) / rx));
            s.append(String.format("  - SMC hits:         %12d  (%5.1f %%)%n", st.get(PmdCounter.SMC_HITS),
                    100.0 * st.get(PmdCounter.SMC_HITS) / rx));
            s.append(String.format("  - Megaflow hits:    %12d  (%5.1f %%, %.2f subtbl lookups/hit)%n", mfHits,
                    100.0 * mfHits / rx, mfHits == 0 ? 0.0 : (double) st.get(PmdCounter.SUBTABLE_LOOKUPS) / mfHits));
            s.append(String.format("  - Upcalls:          %12d  (%5.1f %%, %.1f us/upcall)%n", upcalls,
                    100.0 * upcalls / rx, 0.0));
            s.append(String.format("  - Lost upcalls:     %12d  (%5.1f %%)%n", st.get(PmdCounter.LOST_UPCALLS),
                    100.0 * st.get(PmdCounter.LOST_UPCALLS) / rx));
        } else {
            s.append(String.format("  Rx packets:         %12d%n", 0));
        }
        if (tx > 0) {
            s.append(String.format("  Tx packets:         %12d  (%.0f Kpps)%n", tx, tx / duration / 1000));
            s.append(String.format("  Tx batches:         %12d  (%.2f pkts/batch)%n", batches,
                    batches == 0 ? 0.0 : (double) tx / batches));
        } else {
            s.append(String.format("  Tx packets:         %12d%n%n", 0));
        }
    }

    private String pmdStatsClear(final List<String> args) throws CommandException {
        for (Pmd p : selected(args)) {
            p.stats().clear();
        }
        return "";
    }

    /**
     * pmd-rxq-show as OVS 3.1 prints it: per PMD its queues, sorted by port name then queue id,
     * with each queue's share of the PMD's time over the last intervals (or NOT AVAIL before the
     * first interval), and the PMD's overhead (busy time not spent on a queue).
     */
    private String pmdRxqShow(final List<String> args) throws CommandException {
        int secs = 60;
        final List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-secs") && i + 1 < args.size()) {
                secs = showSeconds(args.get(++i));
            } else {
                rest.add(args.get(i));
            }
        }
        final List<Pmd> pmds = selected(rest);
        if (pmds.isEmpty()) {
            return "";
        }
        final int intervals = secs / (int) (io.flowgate.fastpath.port.LoadHistory.INTERVAL_MILLIS / 1000);
        final java.util.Set<Integer> isolated = io.flowgate.daemon.reconfig.RxqScheduler.isolatedCores(dp.rxQueues(),
                java.util.Arrays.stream(dp.pmds()).map(Pmd::core).toList(), dp.reconfiguration().assignMode(),
                dp.reconfiguration().isolate());
        final StringBuilder s = new StringBuilder("Displaying last " + secs + " seconds pmd usage %\n");
        pmds.sort(Comparator.comparingInt(DatapathCommands::core));
        for (Pmd p : pmds) {
            s.append(header(p)).append("  isolated : ").append(isolated.contains(p.core())).append('\n');
            final List<io.flowgate.fastpath.port.RxQueue> queues = new ArrayList<>(p.rxQueues());
            if (queues.isEmpty()) {
                continue;
            }
            queues.sort(Comparator.<io.flowgate.fastpath.port.RxQueue, String>comparing(q -> q.port().name())
                    .thenComparingInt(io.flowgate.fastpath.port.RxQueue::id));
            final long length = p.load().length(intervals);
            long queued = 0;
            for (io.flowgate.fastpath.port.RxQueue q : queues) {
                final long busy = q.busyNanos(intervals);
                queued += busy;
                s.append(String.format("  port: %-16s  queue-id: %2d (enabled)   pmd usage: %s%n", q.port().name(),
                        q.id(), length == 0 ? "NOT AVAIL" : String.format("%2d %%", busy * 100 / length)));
            }
            s.append("  overhead: ").append(length == 0 ? "NOT AVAIL"
                    : String.format("%2d %%", Math.max(0, p.load().busy(intervals) - queued) * 100 / length))
                    .append('\n');
        }
        return s.toString();
    }

    /** -secs N as OVS takes it: rounded up to a multiple of 5, 60 when 0, above 60 or not a number. */
    private static int showSeconds(final String text) {
        try {
            final int n = Integer.parseInt(text);
            return n <= 0 || n > 60 ? 60 : (n + 4) / 5 * 5;
        } catch (NumberFormatException e) {
            return 60;
        }
    }

    private String rebalance(final List<String> args) throws CommandException {
        if (!args.isEmpty() && !args.getFirst().equals("netdev@flowgate") && !args.getFirst().equals("flowgate")) {
            throw new CommandException("please specify an existing datapath");
        }
        try {
            dp.reconfiguration().rebalance();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new CommandException("pmd rxq rebalance failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted");
        }
        return "pmd rxq rebalance requested.";
    }
}
