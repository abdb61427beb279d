package io.flowgate.slowpath.xlate;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.slowpath.syntax.FlowFormat;

import java.util.ArrayList;
import java.util.List;

/**
 * The report {@code ofproto/trace} prints for one translation, kept apart from the translation as
 * OVS keeps {@code ofproto-dpif-trace}: the tables, rules, actions and buckets the translation went
 * through, as a tree of lines, then the final flow, the megaflow and the datapath actions.
 */
final class XlateTrace {
    /** The lines under the bridge. */
    private final List<TraceNode> lines = new ArrayList<>();
    /** The list new lines go to. */
    private List<TraceNode> current = lines;

    /** An action or what came of it: a line that has none under it. */
    void note(final String line) {
        current.add(new TraceNode(line, true));
    }

    /** A table or a bucket: the lines noted until {@link #close} go under it. */
    List<TraceNode> open(final String line) {
        final List<TraceNode> outer = current;
        final TraceNode n = new TraceNode(line, false);
        current.add(n);
        current = n.subs;
        return outer;
    }

    void close(final List<TraceNode> outer) {
        current = outer;
    }

    /**
     * The whole report.
     *
     * @param errorName OVS's name of the error that stopped the translation, or null
     */
    String report(final long[] original, final long[] flow, final String megaflow, final DpActions actions,
                  final String errorName) {
        final StringBuilder t = new StringBuilder("Flow: ").append(FlowFormat.flow(original)).append('\n');
        t.append("\nbridge(\"flowgate\")\n------------------\n");
        TraceNode.print(t, lines, 0);
        t.append("\nFinal flow: ").append(java.util.Arrays.equals(flow, original) ? "unchanged"
                : FlowFormat.flow(flow)).append('\n');
        t.append("Megaflow: ").append(megaflow).append('\n');
        t.append("Datapath actions: ").append(actions).append('\n');
        if (errorName != null) {
            t.append("Translation failed (").append(errorName).append("), packet is dropped.\n");
        }
        return t.toString();
    }

    /**
     * A line of a trace and the lines under it, printed as OVS prints its trace nodes: a line that
     * is followed by another in its list, or that is an action (which has nothing under it), is
     * indented one step and what is under it two; the last table or bucket of a list (a resubmit
     * that ends its rule's actions) stays at its list's step, so a chain of tables reads flat.
     */
    static final class TraceNode {
        final String text;
        final boolean action;
        final List<TraceNode> subs = new ArrayList<>();

        TraceNode(final String text, final boolean action) {
            this.text = text;
            this.action = action;
        }

        static void print(final StringBuilder out, final List<TraceNode> nodes, final int level) {
            for (int i = 0; i < nodes.size(); i++) {
                final TraceNode n = nodes.get(i);
                final int more = i + 1 < nodes.size() || n.action ? 1 : 0;
                out.append("    ".repeat(level + more)).append(n.text).append('\n');
                print(out, n.subs, level + 2 * more);
            }
        }
    }
}
