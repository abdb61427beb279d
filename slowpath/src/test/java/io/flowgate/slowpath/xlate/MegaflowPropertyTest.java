package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowgate.fastpath.flow.FlowFormat;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.Pipeline;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.testing.RandomPipelines;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Megaflows are correct: for a packet P with megaflow M, every packet Q that M matches gets exactly
 * P's datapath actions from full classification. 2,000 random three-table pipelines × 5 packets
 * × 4 neighbours each; and the wildcarded classifier always picks the rule a brute-force scan picks.
 */
class MegaflowPropertyTest {
    private static final AtomicLong PAIRS = new AtomicLong();

    static Pipeline build(final RandomPipelines.Spec spec) throws Exception {
        final List<Rule> rules = FlowSyntax.parseFlows("random", spec.flows(), 0);
        final List<Group> groups = GroupSyntax.parseGroups("random", spec.groups());
        final RulePipeline p = new RulePipeline();
        p.apply(e -> {
            for (Group g : groups) {
                e.addGroup(g);
            }
            for (Rule r : rules) {
                e.addRule(r);
            }
        });
        return p.current();
    }

    @Property(tries = 2000)
    void everyPacketMatchingAMegaflowGetsItsActions(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final RandomPipelines.Spec spec = RandomPipelines.pipeline(r, 3, r.nextInt(1, 12));
        final Pipeline pipeline = build(spec);
        final Xlate xlate = new Xlate();
        for (int i = 0; i < 5; i++) {
            final long[] p = RandomPipelines.packet(r);
            final XlateResult res = xlate.translate(pipeline, p);
            final long[] mask = res.datapathMask();
            PAIRS.incrementAndGet();
            for (int j = 0; j < 4; j++) {
                final long[] q = RandomPipelines.neighbour(r, p, mask);
                final XlateResult other = xlate.translate(pipeline, q);
                assertEquals(res.actions().toString(), other.actions().toString(), () -> "seed " + seed
                        + "\nrules:\n" + spec.flows() + "P: " + FlowFormat.flow(p) + "\nQ: " + FlowFormat.flow(q)
                        + "\nmegaflow: " + res.megaflow() + "\n" + xlate.translate(pipeline, p, true).trace()
                        + "\n--- Q ---\n" + xlate.translate(pipeline, q, true).trace());
            }
        }
    }

    @Property(tries = 1000)
    void wildcardedLookupPicksTheRuleABruteForceScanPicks(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final Pipeline pipeline = build(RandomPipelines.pipeline(r, 1, r.nextInt(1, 30)));
        for (int i = 0; i < 10; i++) {
            final long[] p = RandomPipelines.packet(r);
            final Rule viaClassifier = pipeline.lookup(0, p, new long[p.length]);
            final Rule viaScan = pipeline.table(0) == null ? null : pipeline.table(0).lookupByScan(p);
            assertEquals(viaScan == null ? null : viaScan.priority(), viaClassifier == null ? null : viaClassifier.priority(),
                    () -> "seed " + seed + " packet " + FlowFormat.flow(p));
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("megaflow property: " + PAIRS.get() + " (pipeline, packet) pairs checked");
    }
}
