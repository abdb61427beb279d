package io.flowgate.slowpath.xlate;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.TableStats;
import io.flowgate.slowpath.syntax.FlowFormat;

import java.util.List;

/**
 * What translating one packet produced: the megaflow (the packet's key under a wildcard mask) and
 * its datapath actions, the rules, groups and buckets whose statistics the megaflow's traffic
 * belongs to, and, when asked for, a readable trace.
 *
 * @param key      the packet's flow key
 * @param wildcards the bits the decision depended on, as OVS prints them in a trace's
 *                 "Megaflow:" line
 * @param error    why translation failed (actions are then "drop"), or null
 * @param claims   what select groups that keep connections said about the flow (see {@link GroupSelector.Claim})
 * @param tables   the pipeline's table counters, and {@code tableLookups} the tables looked up (in
 *                 {@link TableStats#lookup}'s form): what the flow's packets are credited to
 */
public record XlateResult(long[] key, long[] wildcards, DpActions actions, List<Rule> rules, List<GroupVisit> groups,
                          long pipelineVersion, String error, String trace, List<GroupSelector.Claim> claims,
                          TableStats tables, int[] tableLookups) {

    /** A translation that made no stateful choice. */
    public XlateResult(final long[] key, final long[] wildcards, final DpActions actions, final List<Rule> rules,
                       final List<GroupVisit> groups, final long pipelineVersion, final String error, final String trace) {
        this(key, wildcards, actions, rules, groups, pipelineVersion, error, trace, List.of(), new TableStats(),
                new int[0]);
    }

    /**
     * A group the translation went through and the bucket it took (null: every bucket, as an
     * {@code all} group sends). A connection kept on a removed bucket takes one its group no
     * longer lists: only the group is credited then.
     */
    public record GroupVisit(Group group, Bucket bucket) {
        void credit(final long packets, final long bytes) {
            if (bucket == null) {
                group.stats().creditEveryBucket(packets, bytes);
            } else {
                group.stats().credit(group.buckets().indexOf(bucket), packets, bytes);
            }
        }
    }

    /**
     * Credits traffic of the flow to what its translation went through: its rules, the tables it
     * was looked up in, and its groups and their buckets.
     */
    public void credit(final long packets, final long bytes, final long usedMillis) {
        for (Rule r : rules) {
            r.stats().add(packets, bytes, usedMillis);
        }
        tables.credit(tableLookups, packets);
        for (GroupVisit g : groups) {
            g.credit(packets, bytes);
        }
    }

    /** Why the packet is dropped with no flow installed (a select group refused it), or null. */
    public io.flowgate.fastpath.action.DropReason refusal() {
        for (GroupSelector.Claim c : claims) {
            if (c.refusal() != null) {
                return c.refusal();
            }
        }
        return null;
    }

    /** The stats slot the flow's packets also count into (its select group bucket), or -1. */
    public int statsSlot() {
        for (GroupSelector.Claim c : claims) {
            if (c.statsSlot() >= 0) {
                return c.statsSlot();
            }
        }
        return -1;
    }

    /** Revalidation found that a connection this flow carried has ended: the flow must be deleted. */
    public boolean connectionEnded() {
        for (GroupSelector.Claim c : claims) {
            if (c.ended()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The mask to install in the datapath: the wildcards plus what the datapath needs to tell a
     * tagged packet from an untagged one (OVS's datapath key says so through its Ethertype
     * nesting; Flowgate's key through the VLAN "present" bits).
     */
    public long[] datapathMask() {
        return datapathMask(new long[FlowKey.WORDS]);
    }

    /** {@link #datapathMask()} written into {@code m} (which is returned). */
    public long[] datapathMask(final long[] m) {
        System.arraycopy(wildcards, 0, m, 0, FlowKey.WORDS);
        FlowField.VLAN0_TCI.or(m, FlowKey.VLAN_CFI);
        if ((FlowField.VLAN0_TCI.get(key) & FlowKey.VLAN_CFI) != 0) {
            FlowField.VLAN0_TPID.or(m, 0xFFFF);
            FlowField.VLAN1_TCI.or(m, FlowKey.VLAN_CFI);
            if ((FlowField.VLAN1_TCI.get(key) & FlowKey.VLAN_CFI) != 0) {
                FlowField.VLAN1_TPID.or(m, 0xFFFF);
            }
        }
        return m;
    }

    /** The key masked by the wildcards. */
    public long[] maskedKey() {
        final long[] out = new long[FlowKey.WORDS];
        for (int i = 0; i < FlowKey.WORDS; i++) {
            out[i] = key[i] & wildcards[i];
        }
        return out;
    }

    /** The "Megaflow:" text of an OVS trace. */
    public String megaflow() {
        return FlowFormat.match(maskedKey(), wildcards, true);
    }
}
