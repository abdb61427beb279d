package io.flowgate.slowpath.ofproto;

import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

/**
 * Rules in "slots": slot i matches nw_dst=10.0.i.0/24 and carries the generation that installed
 * it as its cookie. A consistent pipeline version has the same generation in every slot.
 */
final class PublishFixture {
    static final int SLOTS = 4;
    static final long[][] PACKETS = new long[SLOTS][];
    /** Rules of generations 0..MAX_GENERATION, made once (parsing is not what is under test). */
    static final int MAX_GENERATION = 8;
    private static final Rule[][] RULES = new Rule[MAX_GENERATION + 1][SLOTS];

    static {
        try {
            for (int i = 0; i < SLOTS; i++) {
                PACKETS[i] = FlowSyntax.parseFlow("in_port=1,udp,nw_dst=10.0." + i + ".7,udp_dst=53");
                for (int g = 0; g <= MAX_GENERATION; g++) {
                    RULES[g][i] = parseSlotRule(i, g);
                }
            }
        } catch (SyntaxException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private PublishFixture() {
    }

    static Rule slotRule(final int slot, final long generation) {
        return generation <= MAX_GENERATION ? RULES[(int) generation][slot] : parseSlotRule(slot, generation);
    }

    private static Rule parseSlotRule(final int slot, final long generation) {
        try {
            return FlowSyntax.parseRule("fixture", 1, "priority=100,cookie=" + generation + ",ip,nw_dst=10.0." + slot
                    + ".0/24,actions=output:" + (slot + 1), 0);
        } catch (SyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces every slot's rule with one of generation {@code g}, as one batch. */
    static void publish(final RulePipeline p, final long g) {
        try {
            p.apply(e -> {
                e.deleteRules(RulePipeline.RuleFilter.all());
                for (int i = 0; i < SLOTS; i++) {
                    e.addRule(slotRule(i, g));
                }
            });
        } catch (PipelineException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The generation every slot shows in one version, -1 for none, -2 if the slots disagree. */
    static long observe(final PipelineVersion version) {
        long seen = Long.MIN_VALUE;
        for (int i = 0; i < SLOTS; i++) {
            final Rule r = version.lookup(0, PACKETS[i], new long[PACKETS[i].length]);
            final long g = r == null ? -1 : r.cookie();
            if (seen != Long.MIN_VALUE && g != seen) {
                return -2;
            }
            seen = g;
        }
        return seen;
    }
}
