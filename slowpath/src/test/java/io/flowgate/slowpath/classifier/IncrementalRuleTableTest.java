package io.flowgate.slowpath.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * A table grown one rule at a time (a controller's FLOW_MODs, each its own version: subtables
 * grow by {@code plus}, sharing pages with the version before) is the table built from all the
 * rules at once: every lookup finds the same rule and un-wildcards the same bits, and every rule
 * reads back once. Earlier versions stay as they were.
 */
class IncrementalRuleTableTest {
    private static final int RULES = 3_000;

    private static Rule rule(final int i, final SplittableRandom rnd) throws Exception {
        final String dst = "10." + (i >> 8 & 255) + "." + (i & 255) + "." + (rnd.nextInt(4));
        return switch (i % 5) {
            case 0, 1, 2 -> FlowSyntax.parseRule("t", i, "priority=" + (100 + rnd.nextInt(3)) + ",tcp,nw_dst=" + dst
                    + ",tp_dst=" + (80 + rnd.nextInt(4)) + ",actions=output:2", 0);
            case 3 -> FlowSyntax.parseRule("t", i, "priority=" + (50 + i % 7) + ",udp,nw_dst=10." + (i & 255)
                    + ".0.0/16,actions=output:3", 0);
            default -> FlowSyntax.parseRule("t", i, "priority=" + (10 + i % 3) + ",ip,nw_src=" + dst
                    + ",actions=drop", 0);
        };
    }

    @Test
    void aTableGrownOneRuleAtATimeLooksUpAsTheOneBuiltAtOnce() throws Exception {
        final SplittableRandom rnd = new SplittableRandom(7);
        final List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < RULES; i++) {
            rules.add(rule(i, rnd));
        }
        RuleTable grown = RuleTable.empty(0, TrieField.DEFAULT);
        final List<RuleTable> versions = new ArrayList<>();
        for (Rule r : rules) {
            grown = grown.with(List.of(r), List.of());
            if (versions.size() < 10 && rnd.nextInt(100) == 0) {
                versions.add(grown);
            }
        }
        final RuleTable built = RuleTable.empty(0, TrieField.DEFAULT).with(rules, List.of());
        assertEquals(RULES, grown.ruleCount());
        assertEquals(built.subtableCount(), grown.subtableCount());
        int hits = 0;
        for (int n = 0; n < 20_000; n++) {
            final Rule pick = rules.get(rnd.nextInt(RULES));
            final long[] flow = pick.match().value().clone();
            if (rnd.nextBoolean()) { // a neighbour: some bits of the pick's match changed
                flow[FlowKey.W_NW_ADDR] ^= 1L << rnd.nextInt(64);
                flow[FlowKey.W_L4] ^= 1L << (FlowKey.TP_DST_SHIFT + rnd.nextInt(16));
            }
            final long[] wcGrown = new long[FlowKey.WORDS];
            final long[] wcBuilt = new long[FlowKey.WORDS];
            final Rule a = grown.lookup(flow, wcGrown);
            final Rule b = built.lookup(flow, wcBuilt);
            assertSame(b, a, "the same rule for flow " + n);
            assertArrayEquals(wcBuilt, wcGrown, "the same bits looked at for flow " + n);
            assertSame(b, built.lookupByScan(flow), "and the rule a scan finds");
            hits += a != null ? 1 : 0;
        }
        assertEquals(RULES, grown.rules().size());
        assertEquals(new java.util.HashSet<>(rules), new java.util.HashSet<>(grown.rules()), "every rule, once");
        for (RuleTable v : versions) {
            final List<Rule> earlier = v.rules();
            assertEquals(v.ruleCount(), earlier.size(), "an earlier version keeps its own rules");
            for (Rule r : earlier) {
                assertSame(r, v.find(r.priority(), r.match()));
            }
            final Rule later = rules.get(RULES - 1);
            if (!earlier.contains(later)) {
                assertEquals(null, v.find(later.priority(), later.match()), "and not the later ones");
            }
        }
        assertEquals(true, hits > 10_000, "most flows hit a rule: " + hits);
    }
}
