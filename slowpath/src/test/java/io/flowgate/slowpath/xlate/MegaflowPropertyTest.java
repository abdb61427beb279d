package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowFormat;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.testing.RandomPipelines;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.Example;
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

    static PipelineVersion build(final RandomPipelines.Spec spec) throws Exception {
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

    /**
     * Rules added one change at a time (a controller's FLOW_MODs: subtables grow in place) give
     * the classification, the megaflow included, that the same rules added at once give. Each
     * rule gets a priority of its own: between overlapping rules of one priority OpenFlow leaves
     * the choice open, and it follows the order subtables were made in, which differs.
     */
    @Property(tries = 500)
    void rulesAddedOneAtATimeClassifyAsRulesAddedAtOnce(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final RandomPipelines.Spec random = RandomPipelines.pipeline(r, 3, r.nextInt(1, 24));
        final StringBuilder flows = new StringBuilder();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("priority=(\\d+)").matcher(random.flows());
        int line = 0;
        while (m.find()) {
            m.appendReplacement(flows, "priority=" + (Integer.parseInt(m.group(1)) * 100 + line++));
        }
        m.appendTail(flows);
        final RandomPipelines.Spec spec = new RandomPipelines.Spec(flows.toString(), random.groups());
        final PipelineVersion atOnce = build(spec);
        final List<Group> groups = GroupSyntax.parseGroups("random", spec.groups());
        final RulePipeline p = new RulePipeline();
        p.apply(e -> groups.forEach(g -> e.putGroup(g)));
        for (Rule rule : FlowSyntax.parseFlows("random", spec.flows(), 0)) {
            p.apply(e -> e.addRule(rule));
        }
        final PipelineVersion oneByOne = p.current();
        final Xlate xlate = new Xlate();
        for (int i = 0; i < 20; i++) {
            final long[] packet = RandomPipelines.packet(r);
            final XlateResult a = xlate.translate(atOnce, packet);
            final XlateResult b = xlate.translate(oneByOne, packet);
            assertEquals(a.actions().toString() + " " + a.megaflow(), b.actions().toString() + " " + b.megaflow(),
                    () -> "seed " + seed + "\nrules:\n" + spec.flows() + "packet: " + FlowFormat.flow(packet));
        }
    }

    @Property(tries = 2000)
    void everyPacketMatchingAMegaflowGetsItsActions(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final RandomPipelines.Spec spec = RandomPipelines.pipeline(r, 3, r.nextInt(1, 12));
        final PipelineVersion pipeline = build(spec);
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

    /**
     * Found by the property above (seed -196417): stripping a tag and pushing one with the same
     * VID gives the packet back only if its PCP was 0, so the megaflow must match the PCP. (OVS
     * 3.1 leaves it wildcarded here, and so installs a megaflow that is wrong for other PCPs;
     * Flowgate is deliberately narrower in this one case.)
     */
    @Example
    void aTagRebuiltByActionsIsComparedWithThePacketsWholeTag() throws Exception {
        final PipelineVersion pipeline = build(new RandomPipelines.Spec(
                "priority=70,actions=strip_vlan,mod_vlan_vid:1,mod_vlan_vid:2,output:4\n", ""));
        final Xlate xlate = new Xlate();
        final String tagged = "ip,in_port=2,dl_vlan=2,dl_src=02:00:00:00:00:03,dl_dst=02:00:00:00:00:01,"
                + "nw_src=192.168.1.7,nw_dst=192.168.1.7,nw_proto=47,nw_ttl=64";
        final XlateResult pcp0 = xlate.translate(pipeline, FlowSyntax.parseFlow(tagged + ",dl_vlan_pcp=0"));
        final XlateResult pcp3 = xlate.translate(pipeline, FlowSyntax.parseFlow(tagged + ",dl_vlan_pcp=3"));
        assertEquals("4", pcp0.actions().toString());
        assertNotEquals(pcp0.actions().toString(), pcp3.actions().toString());
        assertTrue(pcp0.megaflow().contains("dl_vlan_pcp=0"), pcp0.megaflow());
        // Only the VID was set, to the packet's own: the PCP is carried, and stays wildcarded.
        final PipelineVersion setVid = build(new RandomPipelines.Spec("priority=70,dl_vlan=2,actions=mod_vlan_vid:2,output:4\n", ""));
        final XlateResult kept = xlate.translate(setVid, FlowSyntax.parseFlow(tagged + ",dl_vlan_pcp=3"));
        assertEquals("4", kept.actions().toString());
        assertTrue(!kept.megaflow().contains("pcp"), kept.megaflow());
    }

    @Property(tries = 1000)
    void wildcardedLookupPicksTheRuleABruteForceScanPicks(@ForAll final long seed) throws Exception {
        final SplittableRandom r = new SplittableRandom(seed);
        final PipelineVersion pipeline = build(RandomPipelines.pipeline(r, 1, r.nextInt(1, 30)));
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
