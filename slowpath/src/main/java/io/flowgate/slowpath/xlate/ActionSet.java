package io.flowgate.slowpath.xlate;

import io.flowgate.slowpath.ofproto.OfAction;

import java.util.ArrayList;
import java.util.List;

/**
 * A group bucket's actions are an OpenFlow action set: at most one action of each kind, run in
 * the order the specification gives (pop, push, dec_ttl, the set actions in their given order,
 * then group or output), and nothing at all if the packet is sent nowhere.
 */
final class ActionSet {
    private ActionSet() {
    }

    static List<OfAction> order(final List<OfAction> actions) {
        final List<OfAction> out = new ArrayList<>(actions.size());
        addLast(out, actions, OfAction.PopVlan.class);
        addLast(out, actions, OfAction.PushVlan.class);
        addLast(out, actions, OfAction.DecTtl.class);
        for (OfAction a : actions) {
            if (a instanceof OfAction.SetField || a instanceof OfAction.SetEth || a instanceof OfAction.SetIpDscp
                    || a instanceof OfAction.SetIpTtl || a instanceof OfAction.SetL4Port) {
                out.add(a);
            }
        }
        if (!addLast(out, actions, OfAction.Group.class)
                && !addLastOutput(out, actions)
                && !addLast(out, actions, OfAction.Resubmit.class)) {
            out.clear();
        }
        return out;
    }

    private static boolean addLast(final List<OfAction> out, final List<OfAction> actions,
                                   final Class<? extends OfAction> kind) {
        for (int i = actions.size() - 1; i >= 0; i--) {
            if (kind.isInstance(actions.get(i))) {
                out.add(actions.get(i));
                return true;
            }
        }
        return false;
    }

    /** output:N and in_port are the same OpenFlow action (output to a port). */
    private static boolean addLastOutput(final List<OfAction> out, final List<OfAction> actions) {
        for (int i = actions.size() - 1; i >= 0; i--) {
            final OfAction a = actions.get(i);
            if (a instanceof OfAction.Output || a instanceof OfAction.OutputInPort || a instanceof OfAction.Flood
                    || a instanceof OfAction.All || a instanceof OfAction.Controller) {
                out.add(a);
                return true;
            }
        }
        return false;
    }
}
