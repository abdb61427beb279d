package io.flowgate.daemon.openflow;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFTableFeatureProp;
import org.projectfloodlight.openflow.protocol.OFTableFeatures;
import org.projectfloodlight.openflow.protocol.actionid.OFActionId;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U32;
import org.projectfloodlight.openflow.types.U64;
import org.projectfloodlight.openflow.types.U8;

/**
 * The TABLE_FEATURES reply: what every table matches, which instructions and actions it takes
 * and where goto_table may go, as Flowgate's rules allow. ovs-ofctl asks for it before it sends
 * a rule and refuses a reply without the eight properties OpenFlow 1.3 requires, so each table
 * carries them all. Names are OVS's defaults ({@code table0} ...).
 */
final class OfTableFeatures {
    /** What a table reports as its capacity (OVS's default, 1,000,000). */
    private static final long MAX_RULES = 1_000_000;
    private static final int MULTIPART_ROOM = 65535 - 16;

    private OfTableFeatures() {
    }

    /** Tables 0 to {@code tables}-1, over as many replies as they take. */
    static List<OFMessage> reply(final OFFactory f, final long xid, final int tables) {
        final List<OFActionId> actions = List.of(f.actionIds().output(), f.actionIds().group(), f.actionIds().setField(),
                f.actionIds().pushVlan(), f.actionIds().popVlan(), f.actionIds().decNwTtl(), f.actionIds().setNwTtl());
        final List<U32> match = u32(OfMatches.oxmIds(true, false));
        final List<U32> wildcards = u32(OfMatches.oxmIds(false, false));
        final List<U32> setfield = u32(OfMatches.oxmIds(false, true));
        final List<OFMessage> out = new ArrayList<>();
        List<OFTableFeatures> chunk = new ArrayList<>();
        int size = 0;
        for (int table = 0; table < tables; table++) {
            final List<U8> next = new ArrayList<>();
            for (int t = table + 1; t < tables; t++) {
                next.add(U8.of((short) t));
            }
            final List<OFTableFeatureProp> props = List.of(
                    f.tableFeaturePropInstructions(table + 1 < tables
                            ? List.of(f.instructionIds().applyActions(), f.instructionIds().gotoTable())
                            : List.of(f.instructionIds().applyActions())),
                    f.tableFeaturePropNextTables(next),
                    f.tableFeaturePropWriteActions(List.of()),
                    f.tableFeaturePropApplyActions(actions),
                    f.tableFeaturePropMatch(match),
                    f.tableFeaturePropWildcards(wildcards),
                    f.tableFeaturePropWriteSetfield(List.of()),
                    f.tableFeaturePropApplySetfield(setfield));
            final OFTableFeatures features = f.buildTableFeatures().setTableId(TableId.of(table)).setName("table" + table)
                    .setMetadataMatch(U64.ZERO).setMetadataWrite(U64.ZERO).setConfig(0).setMaxEntries(MAX_RULES)
                    .setProperties(props).build();
            final ByteBuf b = Unpooled.buffer();
            features.writeTo(b);
            if (size + b.readableBytes() > MULTIPART_ROOM) {
                out.add(f.buildTableFeaturesStatsReply().setXid(xid).setFlags(EnumSet.of(OFStatsReplyFlags.REPLY_MORE))
                        .setEntries(chunk).build());
                chunk = new ArrayList<>();
                size = 0;
            }
            chunk.add(features);
            size += b.readableBytes();
        }
        out.add(f.buildTableFeaturesStatsReply().setXid(xid).setFlags(EnumSet.noneOf(OFStatsReplyFlags.class))
                .setEntries(chunk).build());
        return out;
    }

    private static List<U32> u32(final List<Integer> ids) {
        return ids.stream().map(i -> U32.of(Integer.toUnsignedLong(i))).toList();
    }
}
