package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.RateEstimation;
import io.flowgate.revalidator.estimator.Rates;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** lb/ and estimator/ commands: select groups' connections and the rates IPVS-style estimators measure. */
final class LbCommands {
    private final Bridge dp;

    private LbCommands(final Bridge dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Bridge dp) {
        final LbCommands c = new LbCommands(dp);
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
        final Map<Integer, List<Integer>> byGroup = new TreeMap<>();
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
}
