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
