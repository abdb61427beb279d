package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ofproto.TableStats;
import io.flowgate.slowpath.syntax.FlowSyntax;

import org.junit.jupiter.api.Test;

/** Tables' lookup and matched counters, as OVS counts them (ofctl/dump-tables prints them). */
class TableStatsTest {
    @Test
    void everyLookupOfATableCountsForEveryPacketOfTheFlowAndAMatchOnlyWhenARuleMatched() throws Exception {
        final Rule twice = FlowSyntax.parseRule("t", 1, "in_port=1,actions=resubmit(,1),resubmit(,1)", 0);
        final Rule ipDrop = FlowSyntax.parseRule("t", 2, "table=1,ip,actions=drop", 0);
        final Rule later = FlowSyntax.parseRule("t", 3, "table=2,actions=drop", 0);
        final RulePipeline p = new RulePipeline();
        p.apply(e -> {
            e.addRule(twice);
            e.addRule(ipDrop);
        });
        final Xlate xlate = new Xlate();
        final XlateResult ip = xlate.translate(p.current(), FlowSyntax.parseFlow("in_port=1,ip"));
        final XlateResult arp = xlate.translate(p.current(), FlowSyntax.parseFlow("in_port=1,arp"));
        final XlateResult otherPort = xlate.translate(p.current(), FlowSyntax.parseFlow("in_port=2,ip"));
        final TableStats stats = p.current().tableStats();
        assertEquals(0, stats.lookups(0), "translating counts nothing: the traffic's statistics do");

        ip.credit(3, 3 * 64, 0);   // a megaflow's three packets: table 0 once, table 1 twice each
        arp.credit(1, 64, 0);  // table 1 misses twice
        otherPort.credit(2, 2 * 64, 0);
        assertEquals(6, stats.lookups(0));
        assertEquals(4, stats.matches(0));
        assertEquals(8, stats.lookups(1));
        assertEquals(6, stats.matches(1));
        assertEquals(0, stats.lookups(2));

        p.apply(e -> e.addRule(later));
        assertSame(stats, p.current().tableStats(), "the counters go on through rule changes");
        assertEquals(8, p.current().tableStats().lookups(1));
    }
}
