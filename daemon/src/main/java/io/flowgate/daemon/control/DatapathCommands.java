package io.flowgate.daemon.control;

import io.flowgate.daemon.datapath.Datapath;
import io.flowgate.fastpath.flow.OdpFormat;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.slowpath.ukey.Ukey;

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
        u.register("dpctl/dump-flows", "[-m] [dp]", 0, 2, c::dumpFlows);
        u.register("dpctl/del-flows", "[dp]", 0, 1, c::delFlows);
        u.register("dpctl/show", "[-s] [dp...]", 0, 2, c::show);
        u.register("lb/show", "", 0, 0, args -> dp.loadBalancer().show());
        u.register("dpif-netdev/pmd-stats-show", "[-pmd core] [dp]", 0, 3, c::pmdStatsShow);
        u.register("dpif-netdev/pmd-stats-clear", "[-pmd core] [dp]", 0, 3, c::pmdStatsClear);
        u.register("dpif-netdev/pmd-rxq-show", "[-pmd core] [dp]", 0, 3, c::pmdRxqShow);
    }

    private static boolean flag(final List<String> args, final String flag) throws CommandException {
        boolean set = false;
        for (String a : args) {
            if (a.equals(flag)) {
                set = true;
            } else if (a.startsWith("-")) {
                throw new CommandException("unknown option \"" + a + "\"");
            } else if (!a.equals("netdev@flowgate") && !a.equals("flowgate")) {
                throw new CommandException("datapath \"" + a + "\" does not exist");
            }
        }
        return set;
    }

    private String portName(final int number) {
        for (Port p : dp.ports()) {
            if (p.number() == number) {
                return p.name();
            }
        }
        return Integer.toUnsignedString(number);
    }

    /** The core a PMD runs on: its pinned CPU, or its id when it is not pinned. */
    private static int core(final Pmd pmd) {
        final java.util.BitSet cpus = pmd.cpus();
        return cpus == null ? pmd.id() : cpus.nextSetBit(0);
    }

    // ---- dpctl/dump-flows ----

    private String dumpFlows(final List<String> args) throws CommandException {
        final boolean verbose = flag(args, "-m");
        final long now = System.currentTimeMillis();
        final List<DpFlow> flows = new ArrayList<>(dp.registry().view());
        flows.sort(Comparator.comparingInt(DpFlow::pmdId));
        final StringBuilder s = new StringBuilder();
        int pmd = -1;
        for (DpFlow f : flows) {
            if (f.isDead()) {
                continue;
            }
            if (f.pmdId() != pmd) {
                pmd = f.pmdId();
                final Pmd p = dp.pmd(pmd);
                s.append("flow-dump from pmd on cpu core: ").append(p == null ? pmd : core(p)).append('\n');
            }
            s.append(line(f, verbose, now)).append('\n');
        }
        return s.toString();
    }

    /** One flow as dpctl/dump-flows prints it. */
    String line(final DpFlow f, final boolean verbose, final long now) {
        final long used = f.usedMillis();
        final long packets = f.packets();
        final long bytes = f.bytes();
        final int flags = f.tcpFlags();
        final long[] key = f.owner() instanceof Ukey u ? u.key() : f.match();
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
        dp.revalidators().flush();
        return "";
    }

    // ---- dpctl/show ----

    private String show(final List<String> args) throws CommandException {
        final boolean stats = flag(args, "-s");
        final Datapath.Totals t = dp.totals();
        final StringBuilder s = new StringBuilder("netdev@flowgate:\n");
        s.append("  lookups: hit:").append(t.get(PmdCounter.EMC_HITS) + t.get(PmdCounter.MEGAFLOW_HITS))
                .append(" missed:").append(t.get(PmdCounter.MISSES) + t.get(PmdCounter.LOST_UPCALLS))
                .append(" lost:").append(t.get(PmdCounter.LOST_UPCALLS)).append('\n');
        s.append("  flows: ").append(dp.registry().size()).append('\n');
        final List<Port> ports = dp.ports();
        for (int i = 0; i < ports.size(); i++) {
            final Port p = ports.get(i);
            s.append("  port ").append(Integer.toUnsignedString(p.number())).append(": ").append(p.name())
                    .append(" (").append(p.type()).append(")\n");
            if (stats) {
                s.append("    RX packets:").append(t.portRx()[i]).append(" errors:? dropped:? overruns:? frame:?\n");
                s.append("    TX packets:").append(t.portTx()[i]).append(" errors:? dropped:? aborted:? carrier:?\n");
                s.append("    collisions:?\n");
                s.append("    RX bytes:").append(t.portRxBytes()[i]).append("  TX bytes:").append(t.portTxBytes()[i])
                        .append('\n');
            }
        }
        return s.toString();
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

    private String pmdStatsShow(final List<String> args) throws CommandException {
        final StringBuilder s = new StringBuilder();
        for (Pmd p : selected(args)) {
            final PmdStats.Snapshot st = p.stats().snapshot();
            final long rx = st.get(PmdCounter.RX_PACKETS);
            final long mfHits = st.get(PmdCounter.MEGAFLOW_HITS);
            final long busy = st.get(PmdCounter.BUSY_NANOS);
            final long idle = st.get(PmdCounter.IDLE_NANOS);
            final long total = Math.max(1, busy + idle);
            s.append(header(p));
            s.append("  packets received: ").append(rx).append('\n');
            s.append("  packet recirculations: 0\n");
            s.append("  avg. datapath passes per packet: ").append(rx == 0 ? "0.00" : "1.00").append('\n');
            s.append("  emc hits: ").append(st.get(PmdCounter.EMC_HITS)).append('\n');
            s.append("  megaflow hits: ").append(mfHits).append('\n');
            s.append(String.format("  avg. subtable lookups per megaflow hit: %.2f%n",
                    mfHits == 0 ? 0.0 : (double) st.get(PmdCounter.SUBTABLE_LOOKUPS) / mfHits));
            s.append("  miss with success upcall: ").append(st.get(PmdCounter.MISSES)).append('\n');
            s.append("  miss with failed upcall: ").append(st.get(PmdCounter.LOST_UPCALLS)).append('\n');
            s.append("  packets sent by the slow path: ").append(st.get(PmdCounter.PACKET_OUTS)).append('\n');
            s.append("  dropped: ").append(st.drops()).append('\n');
            // Flowgate measures time, not CPU cycles: the same split, in nanoseconds.
            s.append(String.format("  idle time: %d ns (%.2f%%)%n", idle, 100.0 * idle / total));
            s.append(String.format("  processing time: %d ns (%.2f%%)%n", busy, 100.0 * busy / total));
            if (rx > 0) {
                s.append(String.format("  avg processing time per packet: %.2f ns%n", (double) busy / rx));
            }
        }
        return s.toString();
    }

    private String pmdStatsClear(final List<String> args) throws CommandException {
        for (Pmd p : selected(args)) {
            p.stats().clear();
        }
        return "";
    }

    private String pmdRxqShow(final List<String> args) throws CommandException {
        final StringBuilder s = new StringBuilder();
        for (Pmd p : selected(args)) {
            final PmdStats.Snapshot st = p.stats().snapshot();
            final long busy = st.get(PmdCounter.BUSY_NANOS);
            final long total = Math.max(1, busy + st.get(PmdCounter.IDLE_NANOS));
            s.append(header(p)).append("  isolated : ").append(p.cpus() != null).append('\n');
            final long rxAll = Math.max(1, st.get(PmdCounter.RX_PACKETS));
            final Port[] all = p.ports();
            for (Port port : p.rxPorts()) {
                long rx = 0;
                for (int i = 0; i < all.length; i++) {
                    if (all[i] == port) {
                        rx = st.portRx()[i];
                    }
                }
                // Usage is the PMD's busy share apportioned by packets received.
                s.append(String.format("  port: %-16s queue-id: %2d (enabled)   pmd usage: %2d %%%n", port.name(), 0,
                        Math.round(100.0 * busy / total * rx / rxAll)));
            }
        }
        return s.toString();
    }
}
