package io.flowgate.daemon.openflow;

import io.flowgate.daemon.Version;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.slowpath.classifier.RuleTable;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.RuleRemoval;
import io.flowgate.slowpath.xlate.XlatePorts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.projectfloodlight.openflow.protocol.OFAggregateStatsRequest;
import org.projectfloodlight.openflow.protocol.OFCapabilities;
import org.projectfloodlight.openflow.protocol.OFConfigFlags;
import org.projectfloodlight.openflow.protocol.OFAsyncGetRequest;
import org.projectfloodlight.openflow.protocol.OFAsyncSet;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFEchoReply;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesRequest;
import org.projectfloodlight.openflow.protocol.OFFlowStatsRequest;
import org.projectfloodlight.openflow.protocol.OFGetConfigRequest;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFGroupDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFGroupFeaturesStatsRequest;
import org.projectfloodlight.openflow.protocol.OFGroupMod;
import org.projectfloodlight.openflow.protocol.OFGroupStatsRequest;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFMeterFeaturesStatsRequest;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFPortConfig;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortMod;
import org.projectfloodlight.openflow.protocol.OFPortModFailedCode;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFPortFeatures;
import org.projectfloodlight.openflow.protocol.OFPortState;
import org.projectfloodlight.openflow.protocol.OFPortStatsEntry;
import org.projectfloodlight.openflow.protocol.OFPortStatsRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.OFSetConfig;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFTableFeaturesStatsRequest;
import org.projectfloodlight.openflow.protocol.OFTableStatsEntry;
import org.projectfloodlight.openflow.protocol.OFTableStatsRequest;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFAuxId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * The switch as OpenFlow sees it: the answers to the requests of every connection (features,
 * configuration, echo, barrier, role, the statistics and descriptions), FLOW_MODs through
 * {@link OfFlowTable}, GROUP_MODs through {@link OfGroupTable} and PACKET_OUTs through
 * {@link OfPacketOut}. A request Flowgate does not implement gets the error OVS gives for an
 * unknown one (OFPBRC_BAD_TYPE, or OFPBRC_BAD_STAT for a multipart type), never silence.
 */
public final class OfSwitch {
    private static final System.Logger LOG = System.getLogger("openflow");
    /** Tables OpenFlow sees, as OVS: 0 to 253. */
    private static final int TABLES = 254;
    private static final int MULTIPART_ROOM = 65535 - 16;

    private final Bridge dp;
    private final long datapathId;
    private final OfFlowTable flows;
    private final OfPacketOut packetOut;
    private final OfGroupTable groups;
    private final java.util.function.Consumer<List<RuleRemoval>> removalListener;
    /** Every open connection (asynchronous messages go to them). */
    private final Set<OfConnection> connections = ConcurrentHashMap.newKeySet();
    /** The newest generation id a master or slave request gave (OVS's primary_election_id); under connections' lock. */
    private long electionId;
    private boolean electionIdDefined;

    /** @param datapathId what FEATURES_REPLY and {@code ovs-ofctl show} report */
    public OfSwitch(final Bridge dp, final long datapathId) {
        this.dp = dp;
        this.datapathId = datapathId;
        this.flows = new OfFlowTable(dp.pipeline());
        this.packetOut = new OfPacketOut(dp);
        this.groups = new OfGroupTable(dp.pipeline());
        this.removalListener = this::flowsRemoved;
        dp.pipeline().onRemoved(removalListener);
    }

    /**
     * FLOW_REMOVED, for rules that asked, to every connection that takes asynchronous messages;
     * queued without waiting, so the thread that removed them (a revalidator expiring rules, say)
     * never waits for a controller.
     */
    private void flowsRemoved(final List<RuleRemoval> removed) {
        final long now = System.currentTimeMillis();
        for (RuleRemoval x : removed) {
            if (x.rule().sendFlowRemoved()) {
                for (OfConnection c : connections) {
                    if (c.receivesAsync(OfConnection.FLOW_REMOVED, x.reason().ordinal())) {
                        c.sendAsync(OfFlowTable.flowRemoved(c.factory(), x, now));
                    }
                }
            }
        }
    }

    /** Stops listening to the pipeline (the server closes its switch). */
    void close() {
        dp.pipeline().removeOnRemoved(removalListener);
    }

    Set<OfConnection> connections() {
        return connections;
    }

    /** Where the datapath's packet-ins come from. */
    io.flowgate.fastpath.upcall.PacketInRing packetIns() {
        return dp.packetIns();
    }

    /** Applies FLOW_MODs as one change; the error of each refused one, else null, in order. */
    OfError[] flowMods(final OfConnection c, final List<OfFlowTable.Received> mods) {
        if (c.role() == OFControllerRole.ROLE_SLAVE) {
            final OfError[] all = new OfError[mods.size()];
            java.util.Arrays.fill(all, slave());
            return all;
        }
        return flows.apply(c, mods);
    }

    /**
     * ROLE_REQUEST as OVS answers it: master or slave with a generation id older than the newest
     * seen (compared as OpenFlow says, by the sign of the difference) is OFPRRFC_STALE; a new master
     * makes every other master a slave; the reply carries the newest generation id (all ones while
     * none was given).
     */
    private void role(final OfConnection c, final OFRoleRequest r) throws IOException, OfError {
        final OFControllerRole want = r.getRole();
        final long generation;
        synchronized (connections) {
            if (want != OFControllerRole.ROLE_NOCHANGE) {
                if (want != OFControllerRole.ROLE_EQUAL) {
                    final long id = r.getGenerationId().getValue();
                    if (electionIdDefined && id - electionId < 0) {
                        throw OfError.roleRequestFailed(OFRoleRequestFailedCode.STALE, "generation id "
                                + Long.toUnsignedString(id) + " is older than " + Long.toUnsignedString(electionId));
                    }
                    electionId = id;
                    electionIdDefined = true;
                }
                if (want == OFControllerRole.ROLE_MASTER && c.role() != OFControllerRole.ROLE_MASTER) {
                    for (OfConnection other : connections) {
                        if (other != c && other.role() == OFControllerRole.ROLE_MASTER) {
                            other.role(OFControllerRole.ROLE_SLAVE);
                            LOG.log(System.Logger.Level.INFO, other + ": now a slave (" + c + " became master)");
                        }
                    }
                }
                c.role(want);
            }
            generation = electionIdDefined ? electionId : -1L;
        }
        c.send(c.factory().buildRoleReply().setXid(r.getXid()).setRole(c.role()).setGenerationId(U64.of(generation))
                .build());
    }

    /** A slave may not change the switch (OVS's reject_slave_controller). */
    private static void refuseSlave(final OfConnection c) throws OfError {
        if (c.role() == OFControllerRole.ROLE_SLAVE) {
            throw slave();
        }
    }

    private static OfError slave() {
        return OfError.badRequest(OfError.BadRequest.IS_SLAVE, "a slave controller may not change the switch");
    }

    /** Answers one request (connection thread); FLOW_MODs and BARRIERs come through {@link #flowMods}. */
    void handle(final OfConnection c, final OFMessage m, final byte[] raw) throws IOException {
        final OFFactory f = c.factory();
        try {
            switch (m) {
                case OFHello h -> {
                    // A second HELLO changes nothing.
                }
                case OFEchoRequest e -> c.send(f.buildEchoReply().setXid(e.getXid()).setData(e.getData()).build());
                case OFEchoReply e -> {
                    // The answer to a keep-alive.
                }
                case OFFeaturesRequest r -> c.send(f.buildFeaturesReply().setXid(r.getXid())
                        .setDatapathId(DatapathId.of(datapathId)).setNBuffers(0).setNTables((short) TABLES)
                        .setAuxiliaryId(OFAuxId.MAIN).setCapabilities(EnumSet.of(OFCapabilities.FLOW_STATS,
                                OFCapabilities.TABLE_STATS, OFCapabilities.PORT_STATS, OFCapabilities.GROUP_STATS))
                        .build());
                case OFGetConfigRequest r -> c.send(f.buildGetConfigReply().setXid(r.getXid())
                        .setFlags(EnumSet.noneOf(OFConfigFlags.class)).setMissSendLen(c.missSendLen()).build());
                case OFSetConfig s -> c.missSendLen(s.getMissSendLen());
                case OFRoleRequest r -> role(c, r);
                case OFAsyncSet a -> c.asyncConfig(
                        new long[] {a.getPacketInMaskEqualMaster(), a.getPortStatusMaskEqualMaster(),
                            a.getFlowRemovedMaskEqualMaster()},
                        new long[] {a.getPacketInMaskSlave(), a.getPortStatusMaskSlave(), a.getFlowRemovedMaskSlave()});
                case OFAsyncGetRequest r -> {
                    final int[] a = c.asyncConfig();
                    c.send(f.buildAsyncGetReply().setXid(r.getXid()).setPacketInMaskEqualMaster(a[0])
                            .setPortStatusMaskEqualMaster(a[1]).setFlowRemovedMaskEqualMaster(a[2])
                            .setPacketInMaskSlave(a[3]).setPortStatusMaskSlave(a[4]).setFlowRemovedMaskSlave(a[5])
                            .build());
                }
                case OFPacketOut po -> {
                    refuseSlave(c);
                    packetOut.send(po);
                }
                case OFGroupMod gm -> {
                    refuseSlave(c);
                    groups.apply(c, gm);
                }
                case OFPortMod pm -> {
                    refuseSlave(c);
                    portMod(c, pm);
                }
                case OFStatsRequest<?> s -> multipart(c, f, s, raw);
                default -> throw OfError.badRequest(OfError.BadRequest.BAD_TYPE, m.getType() + " is not supported");
            }
        } catch (OfError e) {
            LOG.log(System.Logger.Level.INFO, c + ": " + m.getType() + " refused, " + e.ovsName() + ": " + e.getMessage());
            c.send(e.toMessage(f, m.getXid(), raw));
        }
    }

    private void multipart(final OfConnection c, final OFFactory f, final OFStatsRequest<?> s, final byte[] raw)
            throws IOException, OfError {
        final EnumSet<OFStatsReplyFlags> last = EnumSet.noneOf(OFStatsReplyFlags.class);
        switch (s) {
            case OFDescStatsRequest r -> c.send(f.buildDescStatsReply().setXid(r.getXid()).setFlags(last)
                    .setMfrDesc("Flowgate").setHwDesc("Flowgate userspace datapath (DPDK)")
                    .setSwDesc(Version.get()).setSerialNum("None").setDpDesc("None").build());
            case OFFlowStatsRequest r -> {
                for (byte[] reply : flows.flowStats(f, r, raw)) {
                    c.send(reply);
                }
            }
            case OFAggregateStatsRequest r -> c.send(flows.aggregate(f, r, raw));
            case OFPortDescStatsRequest r -> c.send(f.buildPortDescStatsReply().setXid(r.getXid()).setFlags(last)
                    .setEntries(portDescs(f)).build());
            case OFPortStatsRequest r -> c.send(f.buildPortStatsReply().setXid(r.getXid()).setFlags(last)
                    .setEntries(portStats(f, r.getPortNo())).build());
            case OFTableStatsRequest r -> c.send(f.buildTableStatsReply().setXid(r.getXid()).setFlags(last)
                    .setEntries(tableStats(f)).build());
            case OFTableFeaturesStatsRequest r -> {
                for (OFMessage reply : OfTableFeatures.reply(f, r.getXid(), TABLES)) {
                    c.send(reply);
                }
            }
            case OFGroupDescStatsRequest r -> c.send(f.buildGroupDescStatsReply().setXid(r.getXid()).setFlags(last)
                    .setEntries(groups.descriptions(f)).build());
            case OFGroupFeaturesStatsRequest r -> c.send(OfGroupTable.features(f, r.getXid()));
            case OFMeterFeaturesStatsRequest r -> c.send(f.buildMeterFeaturesStatsReply().setXid(r.getXid())
                    .setFlags(last).setFeatures(f.buildMeterFeatures().setMaxMeter(0).setBandTypes(0)
                            .setCapabilities(0).setMaxBands((short) 0).setMaxColor((short) 0).build()).build());
            case OFGroupStatsRequest r -> c.send(f.buildGroupStatsReply().setXid(r.getXid()).setFlags(last)
                    .setEntries(groups.statistics(f, r.getGroup())).build());
            default -> throw OfError.badRequest(OfError.BadRequest.BAD_STAT, s.getStatsType() + " is not supported");
        }
    }

    private List<OFPortDesc> portDescs(final OFFactory f) {
        final List<OFPortDesc> out = new ArrayList<>();
        for (Port p : dp.ports()) {
            out.add(portDesc(f, p));
        }
        return out;
    }

    private OFPortDesc portDesc(final OFFactory f, final Port p) {
        final int bits = dp.xlatePorts().config(p.number());
        final EnumSet<OFPortConfig> config = EnumSet.noneOf(OFPortConfig.class);
        for (int i = 0; i < PORT_CONFIG_BITS.length; i++) {
            if ((bits & PORT_CONFIG_BITS[i]) != 0) {
                config.add(PORT_CONFIGS[i]);
            }
        }
        return f.buildPortDesc().setPortNo(OFPort.of(p.number())).setHwAddr(mac(p)).setName(p.name())
                .setConfig(config).setState(EnumSet.of((bits & XlatePorts.PORT_DOWN) != 0 ? OFPortState.LINK_DOWN
                        : OFPortState.LIVE))
                .setCurr(EnumSet.noneOf(OFPortFeatures.class)).setAdvertised(EnumSet.noneOf(OFPortFeatures.class))
                .setSupported(EnumSet.noneOf(OFPortFeatures.class)).setPeer(EnumSet.noneOf(OFPortFeatures.class))
                .setCurrSpeed(0).setMaxSpeed(0).build();
    }

    private static final OFPortConfig[] PORT_CONFIGS = {OFPortConfig.PORT_DOWN, OFPortConfig.NO_RECV,
        OFPortConfig.NO_FLOOD, OFPortConfig.NO_FWD, OFPortConfig.NO_PACKET_IN};
    private static final int[] PORT_CONFIG_BITS = {XlatePorts.PORT_DOWN, XlatePorts.NO_RECV, XlatePorts.NO_FLOOD,
        XlatePorts.NO_FWD, XlatePorts.NO_PACKET_IN};

    private static int configBits(final Set<OFPortConfig> config) throws OfError {
        int bits = 0;
        for (OFPortConfig c : config) {
            final int i = java.util.Arrays.asList(PORT_CONFIGS).indexOf(c);
            if (i < 0) {
                throw OfError.portModFailed(OFPortModFailedCode.BAD_CONFIG, c + " is not supported (port_down,"
                        + " no_recv, no_fwd, no_packet_in and no_flood are)");
            }
            bits |= PORT_CONFIG_BITS[i];
        }
        return bits;
    }

    /**
     * PORT_MOD: the configuration bits its mask names take its values; flows are translated
     * again. The other connections hear of it by PORT_STATUS (before OpenFlow 1.5 the one that
     * asked does not, as in OVS).
     */
    private synchronized void portMod(final OfConnection c, final OFPortMod pm) throws OfError {
        final Port p = dp.port(pm.getPortNo().getPortNumber());
        if (p == null) {
            throw OfError.portModFailed(OFPortModFailedCode.BAD_PORT, "no port " + pm.getPortNo());
        }
        if (!pm.getHwAddr().equals(mac(p))) {
            throw OfError.portModFailed(OFPortModFailedCode.BAD_HW_ADDR, "port " + p.name() + " has address "
                    + mac(p) + ", not " + pm.getHwAddr());
        }
        final int mask = configBits(pm.getMask());
        final int old = dp.xlatePorts().config(p.number());
        final int now = (old & ~mask) | (configBits(pm.getConfig()) & mask);
        if (now == old) {
            return;
        }
        try {
            dp.portConfig(p.number(), now);
        } catch (PipelineException e) {
            try {
                dp.portConfig(p.number(), old);
            } catch (PipelineException again) {
                e.addSuppressed(again);
            }
            throw OfError.portModFailed(OFPortModFailedCode.EPERM, e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, c + ": port " + p.name() + " configuration 0x" + Integer.toHexString(old)
                + " -> 0x" + Integer.toHexString(now));
        for (OfConnection other : connections) {
            if (other != c && other.receivesAsync(OfConnection.PORT_STATUS, OFPortReason.MODIFY.ordinal())) {
                final OFFactory f = other.factory();
                other.sendAsync(f.buildPortStatus().setReason(OFPortReason.MODIFY).setDesc(portDesc(f, p)).build());
            }
        }
    }

    /** The port's Ethernet address: the device's when it reports one, else a locally administered one from its number. */
    private static MacAddress mac(final Port p) {
        final String reported = p.status().get("mac");
        if (reported != null) {
            try {
                return MacAddress.of(reported);
            } catch (IllegalArgumentException e) {
                // not an address: fall through
            }
        }
        return MacAddress.of(0x0200_0000_0000L | Integer.toUnsignedLong(p.number()));
    }

    private List<OFPortStatsEntry> portStats(final OFFactory f, final OFPort which) throws OfError {
        final List<Port> ports = dp.ports();
        final PmdStats.Snapshot t = dp.totals().counters();
        final List<OFPortStatsEntry> out = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            final Port p = ports.get(i);
            if (!which.equals(OFPort.ANY) && which.getPortNumber() != p.number()) {
                continue;
            }
            out.add(f.buildPortStatsEntry().setPortNo(OFPort.of(p.number())).setRxPackets(U64.of(t.portRx()[i]))
                    .setTxPackets(U64.of(t.portTx()[i])).setRxBytes(U64.of(t.portRxBytes()[i]))
                    .setTxBytes(U64.of(t.portTxBytes()[i])).setRxDropped(U64.of(t.portRxDropped()[i]))
                    .setTxDropped(U64.of(t.portTxDropped()[i])).setRxErrors(U64.NO_MASK).setTxErrors(U64.NO_MASK)
                    .setRxFrameErr(U64.NO_MASK).setRxOverErr(U64.NO_MASK).setRxCrcErr(U64.NO_MASK)
                    .setCollisions(U64.NO_MASK).setDurationSec(0).setDurationNsec(0).build());
        }
        if (out.isEmpty() && !which.equals(OFPort.ANY)) {
            throw OfError.badRequest(OfError.BadRequest.BAD_PORT, "no port " + which);
        }
        return out;
    }

    private List<OFTableStatsEntry> tableStats(final OFFactory f) {
        final PipelineVersion version = dp.pipeline().current();
        final List<OFTableStatsEntry> out = new ArrayList<>();
        for (int table = 0; table < TABLES && out.size() * 24 < MULTIPART_ROOM; table++) {
            final RuleTable rules = version.table(table);
            out.add(f.buildTableStatsEntry().setTableId(TableId.of(table))
                    .setActiveCount(rules == null ? 0 : rules.ruleCount())
                    .setLookupCount(U64.of(version.tableStats().lookups(table)))
                    .setMatchedCount(U64.of(version.tableStats().matches(table))).build());
        }
        return out;
    }
}
