package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.revalidator.Revalidators;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The upcall/ and revalidator/ commands, with ovs-vswitchd's texts. */
final class UpcallCommands {
    private final Bridge dp;

    private UpcallCommands(final Bridge dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Bridge dp) {
        final UpcallCommands c = new UpcallCommands(dp);
        u.register("upcall/show", "", 0, 0, args -> c.show());
        u.register("upcall/set-flow-limit", "flow-limit-number", 1, 1, c::setFlowLimit);
        u.register("upcall/enable-megaflows", "", 0, 0, args -> c.megaflows(true));
        u.register("upcall/disable-megaflows", "", 0, 0, args -> c.megaflows(false));
        u.register("revalidator/wait", "", 0, 0, args -> c.waitRound());
        u.register("revalidator/purge", "", 0, 0, args -> c.purge());
        u.register("revalidator/pause", "", 0, 0, args -> {
            dp.revalidators().pause();
            return "";
        });
        u.register("revalidator/resume", "", 0, 0, args -> {
            dp.revalidators().resume();
            return "";
        });
    }

    private String show() {
        final Revalidators r = dp.revalidators();
        final StringBuilder s = new StringBuilder("netdev@flowgate:\n");
        s.append(String.format("  flows         : (current %d) (avg %d) (max %d) (limit %d)%n", dp.registry().size(),
                r.flowsAvg(), r.flowsMax(), dp.flowLimit().limit()));
        s.append("  dump duration : ").append(r.lastDurationMillis()).append("ms\n");
        s.append("  ufid enabled : true\n");
        if (r.paused()) {
            s.append("  revalidators paused\n");
        }
        s.append('\n');
        for (int i = 0; i < r.active(); i++) {
            s.append("  ").append(i).append(": (keys ").append(r.keys(i)).append(")\n");
        }
        return s.toString();
    }

    private String setFlowLimit(final List<String> args) throws CommandException {
        final int limit;
        try {
            limit = Integer.parseInt(args.getFirst());
        } catch (NumberFormatException e) {
            throw new CommandException("invalid flow-limit \"" + args.getFirst() + "\"");
        }
        if (limit < 1) {
            throw new CommandException("flow-limit must be at least 1");
        }
        dp.flowLimit().ceiling(limit);
        return "set flow_limit to " + limit;
    }

    /** As OVS, switching megaflows on or off flushes the datapath so every flow follows the new setting. */
    private String megaflows(final boolean enable) {
        dp.udpif().megaflows(enable);
        purge();
        return enable ? "megaflows enabled" : "megaflows disabled";
    }

    /** Deletes every datapath flow now (works while revalidators are paused, as in OVS). */
    private String purge() {
        dp.revalidators().flusher().flush();
        return "";
    }

    private String waitRound() throws CommandException {
        if (dp.revalidators().paused()) {
            throw new CommandException("revalidators are paused (use revalidator/resume)");
        }
        try {
            dp.revalidators().awaitRound(60, TimeUnit.SECONDS);
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted");
        } catch (TimeoutException e) {
            throw new CommandException("no revalidation round finished within 60 s");
        }
    }
}
