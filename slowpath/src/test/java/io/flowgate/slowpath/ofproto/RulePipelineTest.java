package io.flowgate.slowpath.ofproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RulePipelineTest {
    static Rule rule(final String text) {
        try {
            return FlowSyntax.parseRule("t", 1, text, 0);
        } catch (io.flowgate.slowpath.syntax.SyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static RulePipeline.RuleFilter filter(final String text, final boolean strict) {
        try {
            return FlowSyntax.parseFilter(text, strict);
        } catch (io.flowgate.slowpath.syntax.SyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void addingARuleWithTheSameTablePriorityAndMatchReplacesIt() throws Exception {
        final RulePipeline p = new RulePipeline();
        p.apply(e -> e.addRule(rule("priority=5,ip,nw_dst=10.0.0.0/8,actions=output:1")));
        p.apply(e -> e.addRule(rule("priority=5,ip,nw_dst=10.0.0.0/8,actions=output:2")));
        assertEquals(1, p.current().ruleCount());
        assertEquals("output:2", p.current().rules().get(0).actions().get(0).toString());
    }

    @Test
    void replacingTheRulesTouchesOnlyThoseThatDiffer() throws Exception {
        final RulePipeline p = new RulePipeline();
        p.apply(e -> {
            e.addRule(rule("priority=5,ip,actions=output:1"));
            e.addRule(rule("priority=6,arp,actions=output:2"));
            e.addRule(rule("priority=7,udp,actions=output:3"));
        });
        final Rule same = p.current().table(0).find(5, rule("priority=5,ip,actions=drop").match());
        same.stats().add(4, 400, 1);
        final RulePipeline.Editor.Replacement[] done = new RulePipeline.Editor.Replacement[1];
        p.apply(e -> done[0] = e.replaceRules(List.of(rule("priority=5,ip,actions=output:1"),
                rule("priority=6,arp,actions=output:9"), rule("priority=8,tcp,actions=output:4"))));
        assertEquals(new RulePipeline.Editor.Replacement(1, 1, 1, 1), done[0]);
        assertSame(same, p.current().table(0).find(5, same.match()), "the identical rule is the same rule");
        assertEquals(4, same.stats().packets(), "with its statistics");
        assertEquals(3, p.current().ruleCount());
        final long version = p.current().version();
        p.apply(e -> e.replaceRules(List.copyOf(p.current().rules())));
        assertEquals(version, p.current().version(), "the same rules again: nothing changes, no new version");
    }

    @Test
    void eachVersionCountsItsRulesWithATimeout() throws Exception {
        final RulePipeline p = new RulePipeline();
        p.apply(e -> {
            e.addRule(rule("priority=5,ip,actions=output:1"));
            e.addRule(rule("priority=6,arp,idle_timeout=10,actions=output:2"));
            e.addRule(rule("table=1,priority=7,udp,hard_timeout=30,actions=output:3"));
            e.addRule(rule("table=1,priority=8,tcp,actions=output:3"));
        });
        assertEquals(2, p.current().timeoutCount());
        assertEquals(1, p.current().table(1).timeoutCount());
        p.apply(e -> {
            e.addRule(rule("priority=6,arp,actions=output:2")); // replaces the idle one: permanent now
            e.addRule(rule("table=1,priority=8,tcp,idle_timeout=5,actions=output:3")); // and the other way
        });
        assertEquals(2, p.current().timeoutCount());
        p.apply(e -> e.deleteRules(RulePipeline.RuleFilter.all()));
        assertEquals(0, p.current().timeoutCount(), "no rules, none to expire");
        p.apply(e -> e.replaceRules(List.of(rule("priority=1,ip,actions=drop"))));
        assertEquals(0, p.current().timeoutCount(), "permanent rules only: nothing a revalidator must watch");
    }

    @Test
    void addingAHundredThousandRulesIsLinear() throws Exception {
        // 100,000 rules, each replacing none: the editor finds a rule to replace by lookup, not by
        // scanning those added so far (which made 100,000 rules take minutes).
        final List<Rule> rules = new java.util.ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            rules.add(rule("priority=" + (100 + i % 50) + ",tcp,nw_src=10." + ((i >> 8) & 255) + "." + (i & 255)
                    + ".0/24,nw_dst=192.168." + (10 + (i >> 16)) + "." + (i & 255) + ",tp_dst=" + (1 + i % 1000)
                    + ",actions=output:2"));
        }
        final RulePipeline p = new RulePipeline();
        // This thread's CPU time, not the wall clock: a loaded machine stretches the one, not the
        // other. Linear is about a second; the quadratic scan was minutes.
        final java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        final long t0 = cpu.getCurrentThreadCpuTime();
        p.apply(e -> rules.forEach(e::addRule));
        final long ms = (cpu.getCurrentThreadCpuTime() - t0) / 1_000_000;
        assertEquals(100_000, p.current().ruleCount());
        System.out.println("100,000 rules applied in " + ms + " ms of CPU");
        assertTrue(ms < 15_000, "linear, not quadratic: " + ms + " ms of CPU");
    }

    @Test
    void unchangedRulesKeepTheirIdentityAndStatisticsAcrossVersions() throws Exception {
        final RulePipeline p = new RulePipeline();
        p.apply(e -> e.addRule(rule("priority=5,ip,actions=output:1")));
        final Rule first = p.current().rules().get(0);
        first.stats().add(3, 300, 1);
        p.apply(e -> e.addRule(rule("priority=6,arp,actions=output:2")));
        final Rule again = p.current().table(0).find(5, first.match());
        assertSame(first, again);
        assertEquals(3, again.stats().packets());
    }

    @Test
    void looseDeleteRemovesEveryRuleWithinTheFilterAndStrictOnlyTheExactOne() throws Exception {
        final RulePipeline p = new RulePipeline();
        p.apply(e -> {
            e.addRule(rule("priority=5,ip,nw_dst=10.1.0.0/16,actions=output:1"));
            e.addRule(rule("priority=6,tcp,nw_dst=10.1.2.0/24,actions=output:1"));
            e.addRule(rule("priority=7,ip,nw_dst=11.0.0.0/8,actions=output:1"));
        });
        p.apply(e -> e.deleteRules(filter("ip,nw_dst=10.0.0.0/8", false)));
        assertEquals(1, p.current().ruleCount());
        p.apply(e -> e.deleteRules(filter("priority=8,ip,nw_dst=11.0.0.0/8", true)));
        assertEquals(1, p.current().ruleCount(), "strict delete with another priority removes nothing");
        p.apply(e -> e.deleteRules(filter("priority=7,ip,nw_dst=11.0.0.0/8", true)));
        assertEquals(0, p.current().ruleCount());
    }

    @Test
    void aBatchWithAnErrorPublishesNothing() throws Exception {
        final RulePipeline p = new RulePipeline();
        p.apply(e -> e.addRule(rule("priority=5,ip,actions=output:1")));
        final long before = p.current().version();
        final PipelineException ex = assertThrows(PipelineException.class, () -> p.apply(e -> {
            e.deleteRules(RulePipeline.RuleFilter.all());
            e.addRule(rule("priority=6,ip,actions=group:9"));
        }));
        assertTrue(ex.getMessage().contains("refers to group 9, which does not exist"), ex.getMessage());
        assertEquals(before, p.current().version());
        assertEquals(1, p.current().ruleCount());
    }

    @Test
    void deletingAGroupDeletesTheRulesThatUseIt() throws Exception {
        final RulePipeline p = new RulePipeline();
        final List<Group> groups = GroupSyntax.parseGroups("g", "group_id=3,type=all,bucket=output:1\n");
        p.apply(e -> {
            e.addGroup(groups.get(0));
            e.addRule(rule("priority=5,ip,actions=group:3"));
            e.addRule(rule("priority=4,arp,actions=output:2"));
        });
        p.apply(e -> e.deleteGroup(3));
        assertNull(p.current().group(3));
        assertEquals(1, p.current().ruleCount());
        assertThrows(PipelineException.class, () -> p.apply(e -> {
            e.addGroup(groups.get(0));
            e.addGroup(groups.get(0));
        }));
    }

    @Test
    void listenersHearEveryPublishedVersionAndNoOpBatchesPublishNothing() throws Exception {
        final RulePipeline p = new RulePipeline();
        final AtomicLong heard = new AtomicLong();
        p.onChange(heard::set);
        p.apply(e -> e.addRule(rule("priority=5,ip,actions=output:1")));
        assertEquals(1, heard.get());
        p.apply(e -> e.deleteRules(filter("arp", false)));
        assertEquals(1, p.current().version());
    }
}
