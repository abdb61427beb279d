package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.pmd.TscRate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The dpif-netdev/pmd-* commands: each PMD's counters, cycles and receive queues, as OVS prints them. */
final class PmdCommands {
    private static final long PMD_TIMEOUT_MILLIS = 5_000;

    private final Bridge dp;

    private PmdCommands(final Bridge dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Bridge dp) {
        final PmdCommands c = new PmdCommands(dp);
        u.register("dpif-netdev/pmd-stats-show", "[-pmd core] [dp]", 0, 3, c::pmdStatsShow);
        u.register("dpif-netdev/pmd-perf-show", "[-nh] [-it iter-history-len] [-ms ms-history-len] [-pmd core] [dp]",
                0, 8, c::pmdPerfShow);
        u.register("dpif-netdev/pmd-stats-clear", "[-pmd core] [dp]", 0, 3, c::pmdStatsClear);
        u.register("dpif-netdev/pmd-rxq-show", "[-pmd core] [-secs secs] [dp]", 0, 5, c::pmdRxqShow);
        u.register("dpif-netdev/pmd-rxq-rebalance", "[dp]", 0, 1, c::rebalance);
    }

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
            if (core == null || p.core() == core) {
                out.add(p);
            }
        }
        return out;
    }

    private static String header(final Pmd p) {
        return "pmd thread numa_id 0 core_id " + p.core() + ":\n";
    }

    /**
     * pmd-stats-show with OVS 3.1's lines. Flowgate has no hardware offload (phwol), no optimised
     * miniflow extract (mfex opt) and no simple-match cache, so those hit counts are 0; time is
     * measured in nanoseconds and shown in TSC cycles ({@link TscRate}).
     */
    private String pmdStatsShow(final List<String> args) throws CommandException {
        final StringBuilder s = new StringBuilder();
        final List<Pmd> pmds = selected(args);
        pmds.sort(Comparator.comparingInt(Pmd::core));
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
        pmds.sort(Comparator.comparingInt(Pmd::core));
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
        pmds.sort(Comparator.comparingInt(Pmd::core));
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
