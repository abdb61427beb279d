package io.flowgate.daemon.control;

import io.flowgate.daemon.Version;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.log.Vlog;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.revalidator.RevalidatorCounters;

import java.util.List;

/** version, exit, coverage/show, the vlog commands and memory/show. */
final class DaemonCommands {
    private DaemonCommands() {
    }

    static void register(final Unixctl u, final Bridge dp, final Coverage coverage, final Runnable exit) {
        u.register("version", "", 0, 0, args -> "flowgate " + Version.get());
        u.register("exit", "[--cleanup]", 0, 1, args -> {
            if (!args.isEmpty() && !args.getFirst().equals("--cleanup")) {
                throw new CommandException("exit: unknown option \"" + args.getFirst() + "\"");
            }
            exit.run();
            return "";
        });
        u.register("coverage/show", "", 0, 0, args -> coverage.show());
        u.register("vlog/list", "", 0, 0, args -> Vlog.get().list());
        u.register("vlog/reopen", "", 0, 0, args -> {
            try {
                Vlog.get().reopen();
            } catch (java.io.IOException e) {
                throw new CommandException(e.getMessage());
            }
            return "";
        });
        u.register("vlog/close", "", 0, 0, args -> {
            try {
                Vlog.get().close();
            } catch (java.io.IOException e) {
                throw new CommandException(e.getMessage());
            }
            return "";
        });
        u.register("vlog/list-pattern", "", 0, 0, args -> Vlog.get().listPattern());
        u.register("vlog/set", "{spec | PATTERN:destination:pattern}", 0, Integer.MAX_VALUE, DaemonCommands::vlogSet);
        u.register("memory/show", "", 0, 0, args -> memory(dp));
        counters(coverage, dp);
    }

    private static String vlogSet(final List<String> args) throws CommandException {
        for (String spec : args.isEmpty() ? List.of("any:any:dbg") : args) {
            final String error = Vlog.get().set(spec);
            if (error != null) {
                throw new CommandException(error);
            }
        }
        return "";
    }

    private static String memory(final Bridge dp) {
        final Runtime rt = Runtime.getRuntime();
        return "handlers:" + dp.handlers().size() + " heap-used-kB:" + (rt.totalMemory() - rt.freeMemory()) / 1024
                + " megaflows:" + dp.registry().size() + " ports:" + dp.ports().size() + " revalidators:"
                + dp.revalidators().active() + " rules:" + dp.pipeline().current().ruleCount()
                + " udpif keys:" + dp.ukeys().size();
    }

    /** The counters coverage/show reports, by OVS's names where OVS has one. */
    private static void counters(final Coverage c, final Bridge dp) {
        for (DropReason r : List.of(DropReason.UPCALL_LOST, DropReason.INVALID_PORT, DropReason.RX_INVALID,
                DropReason.TX_FAILED, DropReason.ACTION, DropReason.CONTROLLER, DropReason.UPCALL_FAILED,
                DropReason.CONN_TABLE_FULL, DropReason.NODEST_CONN)) {
            c.add(r.counterName(), () -> dp.totals().drops(r)); // the drop's name, as the run summary's
        }
        c.add("netdev_dpdk_rx_multi_segment", () -> dp.ports().stream().map(p -> p.deviceStats())
                .filter(java.util.Objects::nonNull).mapToLong(d -> d.rxMultiSegment()).sum());
        c.add("dpif_flow_put", () -> dp.totals().get(PmdCounter.FLOWS_INSTALLED));
        c.add("dpif_flow_del", () -> dp.totals().get(PmdCounter.FLOWS_REMOVED));
        c.add("dpif_execute", () -> dp.totals().get(PmdCounter.PACKET_OUTS));
        c.add("upcall_flow_limit_hit", () -> dp.upcalls().flowLimitHit());
        c.add("upcall_ukey_contention", () -> dp.upcalls().duplicateLocked());
        c.add("upcall_ukey_replace", () -> dp.upcalls().replaced());
        c.add("handler_duplicate_upcall", () -> dp.upcalls().duplicateExisting());
        c.add("revalidate_missed_dp_flow", () -> rc(dp).deletedStale());
        c.add("ukey_dp_change", () -> rc(dp).modified());
        c.add("revalidator_deleted_idle", () -> rc(dp).deletedIdle());
        c.add("revalidator_deleted_changed", () -> rc(dp).deletedChanged());
        c.add("revalidator_deleted_limit", () -> rc(dp).deletedLimit());
        c.add("rules_expired", () -> rc(dp).rulesExpired());
    }

    private static RevalidatorCounters rc(final Bridge dp) {
        return dp.revalidators().counters();
    }
}
