package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyCounters;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.List;

/**
 * A pipeline whose port-1 traffic goes through select group 1, a load balancer over a
 * connection table, and the handler's part of an upcall: translate, then commit the claims with
 * the ukey that installs the flow.
 */
final class LbRig {
    final RulePipeline pipeline = new RulePipeline();
    final LoadBalancer lb;
    final Xlate xlate;
    final UkeyCounters counters = new UkeyCounters();

    LbRig(final ConnectionTable table, final String group) throws Exception {
        final var rules = FlowSyntax.parseFlows("rig", "in_port=1,ip,actions=group:1", 0);
        final var select = GroupSyntax.parseGroup("rig", 1, group);
        pipeline.apply(e -> {
            e.addGroup(select);
            for (var r : rules) {
                e.addRule(r);
            }
        });
        lb = new LoadBalancer(table, List.copyOf(pipeline.current().groups().values()));
        xlate = new Xlate(p -> true, lb);
    }

    /** A packet of connection {@code n}: TCP from 10.0.x.y:n to 192.168.0.1:80 with these flags. */
    static String tcp(final int n, final String flags) {
        return "in_port=1,tcp,nw_src=10.0." + (n >> 8 & 0xFF) + "." + (n & 0xFF) + ",nw_dst=192.168.0.1,tp_src="
                + (1024 + n) + ",tp_dst=80,tcp_flags=" + flags;
    }

    /** An upcall that installs its flow: returns the installing ukey (INSTALLED, unlocked). */
    Ukey upcall(final String packet) throws Exception {
        final long[] key = FlowSyntax.parseFlow(packet);
        final XlateResult r = xlate.translate(pipeline.current(), key);
        final DpFlow flow = new DpFlow(key, FlowMask.of(r.datapathMask()), r.actions(), 0, System.currentTimeMillis());
        final Ukey ukey = new Ukey(flow, key, r, counters);
        lb.commit(ukey);
        ukey.transition(io.flowgate.slowpath.ukey.UkeyState.INSTALLED);
        ukey.unlock();
        return ukey;
    }

    /** The bucket id a translation of this packet picks (-1: dropped), committing nothing. */
    int peek(final String packet) throws Exception {
        final XlateResult r = xlate.translate(pipeline.current(), FlowSyntax.parseFlow(packet));
        final List<Bucket> b = r.buckets();
        return b.isEmpty() ? -1 : b.get(0).bucketId();
    }

    static int bucketOf(final Ukey u) {
        final List<Bucket> b = u.xlate().buckets();
        return b.isEmpty() ? -1 : b.get(0).bucketId();
    }

    /** The flow is gone: its ukey reaches DELETED, which ends its connection. */
    static void finish(final Ukey u) {
        u.transition(io.flowgate.slowpath.ukey.UkeyState.DELETED);
    }
}
