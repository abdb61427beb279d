package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.revalidator.estimator.Rates;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowOwner;
import io.flowgate.fastpath.odp.OdpFormat;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.DeviceStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The dpctl/ commands: the datapath's flows and ports, in the shapes ovs-vswitchd prints them.
 * The PMDs' commands are {@link PmdCommands}, the select groups' {@link LbCommands}.
 */
final class DatapathCommands {
    private final Bridge dp;

    private DatapathCommands(final Bridge dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Bridge dp) {
        final DatapathCommands c = new DatapathCommands(dp);
        u.register("dpctl/dump-flows", "[-m] [--names | --no-names] [dp] [filter=filter] [type=type] [pmd=pmd]", 0, 6,
                c::dumpFlows);
        u.register("dpctl/del-flows", "[dp]", 0, 1, c::delFlows);
        u.register("dpctl/show", "[-s] [dp...]", 0, 2, c::show);
    }

    /** True if {@code flag} is among the arguments; the others may only name the datapath. */
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
            if (pmdCore != Integer.MIN_VALUE && (p == null || p.core() != pmdCore)) {
                continue;
            }
            if (f.pmdId() != pmd) {
                pmd = f.pmdId();
                s.append("flow-dump from pmd on cpu core: ").append(p == null ? pmd : p.core()).append('\n');
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
        final Bridge.Totals t = dp.totals();
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
}
