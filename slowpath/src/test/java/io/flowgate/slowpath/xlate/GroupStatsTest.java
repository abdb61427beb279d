package io.flowgate.slowpath.xlate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.GroupStats;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Groups' and buckets' counters, credited with a flow's traffic as OVS credits its xlate cache's group entries. */
class GroupStatsTest {
    @Test
    void aSelectGroupCountsItsChosenBucketAnAllGroupEveryBucketAndAChainCountsEachGroup() throws Exception {
        final RulePipeline p = new RulePipeline();
        final List<Group> groups = GroupSyntax.parseGroups("t", "group_id=1,type=select,bucket=output:2,bucket=output:3\n"
                + "group_id=2,type=all,bucket=output:4,bucket=group:3\ngroup_id=3,type=indirect,bucket=output:5\n");
        final List<Rule> rules = List.of(FlowSyntax.parseRule("t", 1, "udp,actions=group:1", 0),
                FlowSyntax.parseRule("t", 2, "tcp,actions=group:2", 0));
        p.apply(e -> {
            for (Group g : groups) {
                e.addGroup(g);
            }
            rules.forEach(e::addRule);
        });
        final Xlate xlate = new Xlate();
        final XlateResult udp = xlate.translate(p.current(), FlowSyntax.parseFlow("in_port=1,udp,tp_dst=9"));
        final XlateResult tcp = xlate.translate(p.current(), FlowSyntax.parseFlow("in_port=1,tcp"));
        udp.credit(3, 300, 0);
        tcp.credit(2, 200, 0);

        final GroupStats.Snapshot select = group(p, 1).stats().snapshot();
        assertEquals(3, select.packets());
        assertEquals(300, select.bytes());
        assertEquals(3, select.bucketPackets()[0] + select.bucketPackets()[1], "one bucket took the flow");
        assertEquals(0, select.bucketPackets()[0] * select.bucketPackets()[1]);
        final GroupStats.Snapshot all = group(p, 2).stats().snapshot();
        assertEquals(2, all.packets());
        assertArrayEquals(new long[] {2, 2}, all.bucketPackets(), "each bucket sent every packet");
        assertArrayEquals(new long[] {200, 200}, all.bucketBytes());
        assertArrayEquals(new long[] {2}, group(p, 3).stats().snapshot().bucketPackets(), "chained: counted too");
    }

    @Test
    void aModifiedGroupCountsFromZeroAndKeepsItsCreationTime() throws Exception {
        final RulePipeline p = new RulePipeline();
        final Group one = GroupSyntax.parseGroup("t", 1, "group_id=1,type=all,bucket=output:2");
        p.apply(e -> e.addGroup(one));
        group(p, 1).stats().creditEveryBucket(5, 500);
        final long created = group(p, 1).stats().createdMillis();
        final Group bigger = GroupSyntax.parseGroup("t", 1, "group_id=1,type=all,bucket=output:2,bucket=output:3");
        p.apply(e -> e.putGroup(bigger));
        assertEquals(0, group(p, 1).stats().snapshot().packets());
        assertEquals(2, group(p, 1).stats().snapshot().bucketPackets().length);
        assertEquals(created, group(p, 1).stats().createdMillis());
    }

    @Test
    void aBucketTheGroupNoLongerListsCreditsOnlyTheGroup() {
        final GroupStats s = new GroupStats(2, 0);
        s.credit(-1, 4, 40);
        assertEquals(4, s.snapshot().packets());
        assertArrayEquals(new long[] {0, 0}, s.snapshot().bucketPackets());
    }

    private static Group group(final RulePipeline p, final int id) {
        return p.current().groups().get(id);
    }
}
