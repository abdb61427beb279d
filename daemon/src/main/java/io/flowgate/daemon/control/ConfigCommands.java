package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.reconfig.OtherConfig;
import io.flowgate.fastpath.dpdk.DpdkException;
import io.flowgate.fastpath.port.Port;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * config/show, config/set and port/set: the run-time settings, by OVS's other_config names
 * ({@link OtherConfig}). A request is checked whole first; a bad value changes nothing.
 */
final class ConfigCommands {
    private final Bridge dp;

    private ConfigCommands(final Bridge dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Bridge dp) {
        final ConfigCommands c = new ConfigCommands(dp);
        u.register("config/show", "", 0, 0, args -> OtherConfig.show(dp));
        u.register("config/set", "KEY=VALUE...", 1, Integer.MAX_VALUE, c::set);
        u.register("port/set", "PORT KEY=VALUE...", 2, Integer.MAX_VALUE, c::setPort);
    }

    private String set(final List<String> args) throws CommandException {
        final Map<String, Object> values;
        try {
            values = OtherConfig.parse(args);
        } catch (IllegalArgumentException e) {
            throw new CommandException("config/set: " + e.getMessage() + "; nothing changed");
        }
        try {
            OtherConfig.apply(dp.reconfiguration(), values);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandException("config/set: " + e.getMessage());
        } catch (TimeoutException e) {
            throw new CommandException("config/set: " + e.getMessage() + " (the change goes on in the background)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("config/set: interrupted");
        }
        return "";
    }

    private String setPort(final List<String> args) throws CommandException {
        final Port port = port(args.getFirst());
        final Map<String, Object> values;
        try {
            values = OtherConfig.parsePort(args.subList(1, args.size()));
        } catch (IllegalArgumentException e) {
            throw new CommandException("port/set " + port.name() + ": " + e.getMessage() + "; nothing changed");
        }
        try {
            OtherConfig.applyPort(dp.reconfiguration(), port, values);
        } catch (IllegalArgumentException | IllegalStateException | DpdkException e) {
            throw new CommandException("port/set " + port.name() + ": " + e.getMessage());
        } catch (TimeoutException e) {
            throw new CommandException("port/set " + port.name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("port/set: interrupted");
        }
        return "";
    }

    /** A port by name (as dpctl/show prints it) or number. */
    private Port port(final String text) throws CommandException {
        final Port p = dp.port(text);
        if (p == null) {
            throw new CommandException("no such port \"" + text + "\"");
        }
        return p;
    }
}
