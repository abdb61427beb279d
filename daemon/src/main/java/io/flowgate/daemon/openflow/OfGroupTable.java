package io.flowgate.daemon.openflow;

import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.GroupStats;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.projectfloodlight.openflow.protocol.OFBucket;
import org.projectfloodlight.openflow.protocol.OFBucketCounter;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFGroupCapabilities;
import org.projectfloodlight.openflow.protocol.OFGroupDescStatsEntry;
import org.projectfloodlight.openflow.protocol.OFGroupFeaturesStatsReply;
import org.projectfloodlight.openflow.protocol.OFGroupMod;
import org.projectfloodlight.openflow.protocol.OFGroupModFailedCode;
import org.projectfloodlight.openflow.protocol.OFGroupStatsEntry;
import org.projectfloodlight.openflow.protocol.OFGroupType;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;

/**
 * GROUP_MOD and the group descriptions, through the same versioned publish as rules: add,
 * modify and delete of all, select and indirect groups (fast failover is OFPGMFC_BAD_TYPE, as
 * Flowgate has no liveness). A select group made over OpenFlow 1.3 selects by hash, Flowgate's
 * default; its bucket weights are kept. Deleting a group deletes the rules that send to it, as in
 * OVS.
 */
final class OfGroupTable {
    private static final System.Logger LOG = System.getLogger("openflow");
    /** OpenFlow's OFPG_MAX: ids above it are reserved (OFPG_ALL deletes every group). */
    private static final long MAX_GROUP = 0xFFFF_FF00L;
    private static final int MAX_GROUPS = 65_536;
    private static final String ALREADY = "group exists: ";
    private static final String UNKNOWN = "no group ";
    private static final String FULL = "no room for another group";

    private final RulePipeline pipeline;

    OfGroupTable(final RulePipeline pipeline) {
        this.pipeline = pipeline;
    }

    void apply(final OfConnection c, final OFGroupMod gm) throws OfError {
        final long id = Integer.toUnsignedLong(gm.getGroup().getGroupNumber());
        final boolean all = gm.getGroup().equals(OFGroup.ALL);
        if (id > MAX_GROUP && !(all && gm.getCommand() == org.projectfloodlight.openflow.protocol.OFGroupModCommand.DELETE)) {
            throw OfError.groupModFailed(OFGroupModFailedCode.INVALID_GROUP, "group " + id + " is reserved");
        }
        try {
            switch (gm.getCommand()) {
                case ADD -> {
                    final Group g = group(gm, (int) id);
                    pipeline.apply(e -> {
                        if (e.group(g.groupId()) != null) {
                            throw new PipelineException(ALREADY + g.groupId());
                        }
                        if (e.base().groups().size() >= MAX_GROUPS) {
                            throw new PipelineException(FULL);
                        }
                        e.addGroup(g);
                    });
                }
                case MODIFY -> {
                    final Group g = group(gm, (int) id);
                    pipeline.apply(e -> {
                        if (e.group(g.groupId()) == null) {
                            throw new PipelineException(UNKNOWN + g.groupId());
                        }
                        e.putGroup(g);
                    });
                }
                case DELETE -> pipeline.apply(e -> {
                    if (all) {
                        for (int g : List.copyOf(e.base().groups().keySet())) {
                            e.deleteGroup(g);
                        }
                    } else {
                        e.deleteGroup((int) id); // none: nothing to do, as in OVS
                    }
                });
                default -> throw OfError.groupModFailed(OFGroupModFailedCode.BAD_COMMAND, gm.getCommand()
                        + " is not an OpenFlow 1.3 group command");
            }
        } catch (PipelineException e) {
            final String why = e.getMessage();
            throw why.startsWith(ALREADY) ? OfError.groupModFailed(OFGroupModFailedCode.GROUP_EXISTS, why)
                    : why.startsWith(UNKNOWN) ? OfError.groupModFailed(OFGroupModFailedCode.UNKNOWN_GROUP, why)
                    : why.equals(FULL) ? OfError.groupModFailed(OFGroupModFailedCode.OUT_OF_GROUPS, why)
                    : OfError.badAction(org.projectfloodlight.openflow.protocol.OFBadActionCode.BAD_OUT_GROUP, why);
        }
        LOG.log(System.Logger.Level.DEBUG, c + ": GROUP_MOD " + gm.getCommand() + " group " + id);
    }

    private static Group group(final OFGroupMod gm, final int id) throws OfError {
        final Group.Type type = switch (gm.getGroupType()) {
            case ALL -> Group.Type.ALL;
            case SELECT -> Group.Type.SELECT;
            case INDIRECT -> Group.Type.INDIRECT;
            default -> throw OfError.groupModFailed(OFGroupModFailedCode.BAD_TYPE, gm.getGroupType()
                    + " groups are not supported (all, select and indirect are)");
        };
        if (type == Group.Type.INDIRECT && gm.getBuckets().size() != 1) {
            throw OfError.groupModFailed(OFGroupModFailedCode.INVALID_GROUP, "an indirect group has exactly one bucket,"
                    + " not " + gm.getBuckets().size());
        }
        final List<Bucket> buckets = new ArrayList<>();
        for (OFBucket b : gm.getBuckets()) {
            if (type != Group.Type.SELECT && b.getWeight() != 0) {
                throw OfError.groupModFailed(OFGroupModFailedCode.WEIGHT_UNSUPPORTED, "bucket weight "
                        + b.getWeight() + " in a " + gm.getGroupType() + " group");
            }
            final int watch = b.getWatchPort().equals(OFPort.ANY) ? -1 : b.getWatchPort().getPortNumber();
            buckets.add(new Bucket(buckets.size(), type == Group.Type.SELECT ? b.getWeight() : 1, watch, 0, 0,
                    OfActions.fromBucket(b.getActions())));
        }
        return new Group(id, type, "hash", List.of(), buckets);
    }

    /** GROUP_DESC: every group, with its buckets as OpenFlow 1.3 carries them. */
    List<OFGroupDescStatsEntry> descriptions(final OFFactory f) {
        final List<OFGroupDescStatsEntry> out = new ArrayList<>();
        for (Group g : pipeline.current().groups().values()) {
            final List<OFBucket> buckets = new ArrayList<>();
            for (Bucket b : g.buckets()) {
                buckets.add(f.buildBucket().setWeight(g.type() == Group.Type.SELECT ? b.weight() : 0)
                        .setWatchPort(b.watchPort() < 0 ? OFPort.ANY : OFPort.of(b.watchPort()))
                        .setWatchGroup(OFGroup.ANY)
                        .setActions(OfActions.toActions(b.actions(), -1, f, new ArrayList<>(), false)).build());
            }
            out.add(f.buildGroupDescStatsEntry().setGroup(OFGroup.of(g.groupId())).setBuckets(buckets)
                    .setGroupType(switch (g.type()) {
                        case ALL -> OFGroupType.ALL;
                        case SELECT -> OFGroupType.SELECT;
                        case INDIRECT -> OFGroupType.INDIRECT;
                    }).build());
        }
        return out;
    }

    /**
     * GROUP statistics of one group or of every group ({@code OFPG_ALL}); none for a group that does
     * not exist (an empty reply, as OVS). ref_count counts the rules that send to the group.
     */
    List<OFGroupStatsEntry> statistics(final OFFactory f, final OFGroup which) {
        final PipelineVersion now = pipeline.current();
        final List<OFGroupStatsEntry> out = new ArrayList<>();
        final long nowMillis = System.currentTimeMillis();
        final java.util.Map<Integer, Long> refCounts = new java.util.HashMap<>();
        for (Rule r : now.rules()) { // one pass: each rule counts once for each group it sends to
            r.actions().stream().filter(a -> a instanceof io.flowgate.slowpath.ofproto.OfAction.Group)
                    .map(a -> ((io.flowgate.slowpath.ofproto.OfAction.Group) a).groupId()).distinct()
                    .forEach(id -> refCounts.merge(id, 1L, Long::sum));
        }
        for (Group g : now.groups().values()) {
            if (!which.equals(OFGroup.ALL) && which.getGroupNumber() != g.groupId()) {
                continue;
            }
            final long refs = refCounts.getOrDefault(g.groupId(), 0L);
            final GroupStats.Snapshot s = g.stats().snapshot();
            final List<OFBucketCounter> buckets = new ArrayList<>(s.bucketPackets().length);
            for (int i = 0; i < s.bucketPackets().length; i++) {
                buckets.add(f.buildBucketCounter().setPacketCount(U64.of(s.bucketPackets()[i]))
                        .setByteCount(U64.of(s.bucketBytes()[i])).build());
            }
            final long age = Math.max(0, nowMillis - g.stats().createdMillis());
            out.add(f.buildGroupStatsEntry().setGroup(OFGroup.of(g.groupId())).setRefCount(refs)
                    .setPacketCount(U64.of(s.packets())).setByteCount(U64.of(s.bytes()))
                    .setDurationSec(age / 1000).setDurationNsec(age % 1000 * 1_000_000).setBucketStats(buckets)
                    .build());
        }
        return out;
    }

    /** GROUP_FEATURES: the three types Flowgate has, weights, chaining; every action Flowgate supports. */
    static OFGroupFeaturesStatsReply features(final OFFactory f, final long xid) {
        final long types = (1L << OFGroupType.ALL.ordinal()) | (1L << OFGroupType.SELECT.ordinal())
                | (1L << OFGroupType.INDIRECT.ordinal());
        // OFPAT_OUTPUT, COPY_TTL_*(no), SET_NW_TTL 23, DEC_NW_TTL 24, PUSH_VLAN 17, POP_VLAN 18, GROUP 22, SET_FIELD 25.
        final long actions = (1L << 0) | (1L << 17) | (1L << 18) | (1L << 22) | (1L << 23) | (1L << 24) | (1L << 25);
        return f.buildGroupFeaturesStatsReply().setXid(xid).setFlags(EnumSet.noneOf(OFStatsReplyFlags.class))
                .setTypes(types).setCapabilities(EnumSet.of(OFGroupCapabilities.SELECT_WEIGHT,
                        OFGroupCapabilities.CHAINING))
                .setMaxGroupsAll(MAX_GROUPS).setMaxGroupsSelect(MAX_GROUPS).setMaxGroupsIndirect(MAX_GROUPS)
                .setMaxGroupsFf(0).setActionsAll(actions).setActionsSelect(actions).setActionsIndirect(actions)
                .setActionsFf(0).build();
    }
}
