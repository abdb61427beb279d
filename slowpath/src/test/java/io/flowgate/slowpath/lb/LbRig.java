package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyCounters;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.List;

/**
 * A pipeline whose port-1 traffic goes through select group 1 and a load balancer over a
 * connection table, with the slow path's two ways in: a handler's translation of a missed packet
 * ({@link #packet}) and a revalidator's ({@link #revalidate}, {@link #track}).
 */
final class LbRig {
    static final String SYN = "0x002";
    static final String SYN_ACK = "0x012";
    static final String ACK = "0x010";
    static final String FIN_ACK = "0x011";
    static final String RST = "0x004";

    final RulePipeline pipeline = new RulePipeline();
    final LoadBalancer lb;
    final Xlate xlate;
    final UkeyCounters counters = new UkeyCounters();

    LbRig(final ConnectionTable table, final String group) throws Exception {
        final var rules = FlowSyntax.parseFlows("rig", "in_port=1,ip,actions=group:1\nin_port=2,ip,actions=group:1", 0);
        final var select = GroupSyntax.parseGroup("rig", 1, group);
        pipeline.apply(e -> {
            e.addGroup(select);
            for (var r : rules) {
                e.addRule(r);
            }
        });
        lb = new LoadBalancer(table, List.copyOf(pipeline.current().groups().values()), pipeline.current().version());
        pipeline.onChange(v -> lb.update(List.copyOf(pipeline.current().groups().values()), pipeline.current().version()));
        xlate = new Xlate(p -> true, lb);
    }

    /** Replaces group 1 (as mod-group does). */
    void modGroup(final String group) throws Exception {
        final var g = GroupSyntax.parseGroup("rig", 1, group);
        pipeline.apply(e -> e.putGroup(g));
    }

    /** A packet of connection {@code n}: TCP from 10.0.x.y:1024+n to 192.168.0.1:80 with these flags. */
    static String tcp(final int n, final String flags) {
        return "in_port=1,tcp,nw_src=10.0." + (n >> 8 & 0xFF) + "." + (n & 0xFF) + ",nw_dst=192.168.0.1,tp_src="
                + (1024 + n) + ",tp_dst=80,tcp_flags=" + flags;
    }

    /** A reply of connection {@code n} (from the service back to the client), arriving on port 2. */
    static String reply(final int n, final String flags) {
        return "in_port=2,tcp,nw_src=192.168.0.1,nw_dst=10.0." + (n >> 8 & 0xFF) + "." + (n & 0xFF)
                + ",tp_src=80,tp_dst=" + (1024 + n) + ",tcp_flags=" + flags;
    }

    /** A handler's translation of a missed packet. */
    XlateResult translate(final String packet) throws Exception {
        return xlate.translate(pipeline.current(), FlowSyntax.parseFlow(packet));
    }

    /** The bucket id a missed packet goes to (-1: dropped). */
    int packet(final String packet) throws Exception {
        return bucketOf(translate(packet));
    }

    /** A revalidator's translation of a flow's key against {@code version}. */
    XlateResult revalidate(final PipelineVersion version, final String packet) throws Exception {
        return xlate.retranslate(version, FlowSyntax.parseFlow(packet));
    }

    /** The flow a handler installs for a missed packet, with its ukey (INSTALLED, unlocked). */
    Ukey install(final String packet) throws Exception {
        final long[] key = FlowSyntax.parseFlow(packet);
        final XlateResult r = xlate.translate(pipeline.current(), key);
        final DpFlow flow = new DpFlow(key, FlowMask.of(r.datapathMask()), r.actions(), 0, System.currentTimeMillis());
        final Ukey ukey = new Ukey(flow, key, r, counters);
        ukey.transition(UkeyState.INSTALLED);
        ukey.unlock();
        return ukey;
    }

    /** A revalidator's look at an installed flow that had {@code packets} since the last round: true if it must go. */
    boolean track(final Ukey u, final long packets) {
        return lb.track(u, packets);
    }

    /**
     * Ends connection {@code n}: an ACK and a RST (CLOSE; a RST in SYN_RECV changes nothing, as in
     * IPVS), then CLOSE's timeout passes.
     */
    void end(final int n) throws Exception {
        packet(tcp(n, ACK));
        packet(tcp(n, RST));
        lb.expire(System.currentTimeMillis() + lb.timeouts().millis(ConnState.CLOSE) + 1);
    }

    static int bucketOf(final XlateResult r) {
        final List<XlateResult.GroupVisit> g = r.groups();
        return g.isEmpty() ? -1 : g.get(0).bucket().bucketId();
    }

    static int bucketOf(final Ukey u) {
        return bucketOf(u.xlate());
    }

    int active(final int bucket) {
        return lb.connections(1, bucket)[0];
    }

    int inactive(final int bucket) {
        return lb.connections(1, bucket)[1];
    }
}
