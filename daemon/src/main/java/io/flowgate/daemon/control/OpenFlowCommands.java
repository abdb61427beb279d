package io.flowgate.daemon.control;

import io.flowgate.daemon.openflow.OfServer;

import java.util.function.Supplier;

/**
 * {@code openflow/show}: the OpenFlow listeners and connections, the controllers and their
 * packet-in rate limits' counters (OVS keeps these in its Controller table's status column:
 * {@code packet-in-miss-queued} and the like).
 */
final class OpenFlowCommands {
    private OpenFlowCommands() {
    }

    /** @param server the OpenFlow side, or null while it is off */
    static void register(final Unixctl u, final Supplier<OfServer> server) {
        u.register("openflow/show", "", 0, 0, args -> {
            final OfServer s = server.get();
            if (s == null) {
                throw new CommandException("OpenFlow is off (--ofp none and no --controller)");
            }
            return s.show();
        });
    }
}
