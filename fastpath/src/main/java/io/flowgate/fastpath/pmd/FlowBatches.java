package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.ActionExecutor;
import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Per-flow batches (OVS's packet_batch_per_flow): the packets of a received batch that found
 * their megaflow are grouped by flow, and each flow's actions run once for all of its packets;
 * the flow's statistics get one update per batch. A flow finds its group through a hint it keeps
 * (the group the batch gave it), never by comparing flows. Flows with the same actions share one
 * run of them, which OVS does not do: one pass over the batch when all have them (ACL rules that
 * all forward to one port), else one list of packets per run, filled as the batch is read (two
 * when some drop). A flow's run is found once per batch by a scan over the batch's distinct
 * actions, which are few; across flows, packets leave in the order their actions first
 * appeared, per flow in arrival order.
 * Packet-outs (a handler's answer to an upcall) are executed here too.
 * PMD thread only; allocates nothing.
 */
final class FlowBatches {
    private static final int W = FlowKey.WORDS;
    private static final int N = PacketBatch.MAX_BURST;
    /** A packet-out's key is the only one of its batch. */
    private static final int[] OUT_KEY_AT = {0};

    private final ActionExecutor executor = new ActionExecutor();
    /** Packet-outs: their own batch, and a parser for those that come without the PMD's parse. */
    private final PacketBatch outBatch = PacketBatch.owning();
    private final FlowExtractor outExtractor;
    private final long[] outKey = new long[W];
    private final TxQueues tx;
    private final PmdStats stats;
    private final long[] keys;
    private final int[] keyAt;
    private final DpFlow[] flows;
    /** One packet's list (executeOne). */
    private final int[] pkts = new int[1];
    // Per group its flow, run and totals.
    private final DpFlow[] groupFlow = new DpFlow[N];
    private final int[] groupRun = new int[N];
    private final int[] groupSize = new int[N];
    private final long[] groupBytes = new long[N];
    private final int[] groupTcpFlags = new int[N];
    // Per run (the groups with one set of actions) its actions and its packets in arrival order.
    private final DpActions[] runActions = new DpActions[N];
    private final int[][] runPackets = new int[N][N];
    private final int[] runSize = new int[N];

    /**
     * @param keys, keyAt, flows the input stage's keys, where each packet's starts, and the flows
     *                          found (null: not to execute)
     */
    FlowBatches(final TxQueues tx, final long[] keys, final int[] keyAt, final DpFlow[] flows, final int vlanLimit,
                final PmdStats stats) {
        this.stats = stats;
        this.tx = tx;
        this.keys = keys;
        this.keyAt = keyAt;
        this.flows = flows;
        this.outExtractor = new FlowExtractor(new ParseCounters(), vlanLimit); // counted when received
    }

    /** Executes the flows found for packets {@code [0, n)} of {@code b}. */
    void execute(final PacketBatch b, final int n, final long nowMillis) {
        final DpFlow[] fl = flows;
        final long[] k = keys;
        final int[] at = keyAt;
        final DpFlow[] gf = groupFlow;
        final DpActions[] ra = runActions;
        final int[] rs = runSize;
        int groups = 0;
        int runs = 0;
        // Consecutive packets of one flow (the usual case) add up in locals; a group's totals
        // and its run's length are written when the stretch of packets ends. Each packet goes
        // straight onto its run's list: no sort afterwards.
        int g = -1;
        int run = -1; // group g's run
        int[] runList = null;
        int runFill = 0;
        DpFlow stretchFlow = null;
        int stretchLength = 0;
        long stretchBytes = 0;
        int stretchFlags = 0;
        for (int i = 0; i < n; i++) {
            final DpFlow f = fl[i];
            if (f == null) {
                continue;
            }
            if (f != stretchFlow) {
                if (stretchFlow != null) {
                    groupSize[g] += stretchLength;
                    groupBytes[g] += stretchBytes;
                    groupTcpFlags[g] |= stretchFlags;
                    rs[run] = runFill;
                }
                // The flow's hint is its group if that group of this batch holds it.
                g = f.batchGroup();
                if (g >= groups || gf[g] != f) {
                    g = groups++;
                    f.batchGroup(g);
                    gf[g] = f;
                    groupSize[g] = 0;
                    groupBytes[g] = 0;
                    groupTcpFlags[g] = 0;
                    // A batch meets few sets of actions (an ACL's: forward or drop): a short scan.
                    final DpActions a = f.actions();
                    int r = 0;
                    while (r < runs && ra[r] != a && !ra[r].equals(a)) {
                        r++;
                    }
                    if (r == runs) {
                        ra[runs++] = a;
                        rs[r] = 0;
                    }
                    groupRun[g] = r;
                }
                run = groupRun[g];
                runList = runPackets[run];
                runFill = rs[run];
                stretchFlow = f;
                stretchLength = 0;
                stretchBytes = 0;
                stretchFlags = 0;
            }
            runList[runFill++] = i;
            stretchLength++;
            stretchBytes += b.length(i);
            stretchFlags |= FlowKey.tcpFlags(k, at[i]);
        }
        if (stretchFlow != null) {
            groupSize[g] += stretchLength;
            groupBytes[g] += stretchBytes;
            groupTcpFlags[g] |= stretchFlags;
            rs[run] = runFill;
        }
        // Flows with the same actions (ACL rules that forward to one port, say) run them once
        // over all their packets, each flow still counted on its own; per flow the packets keep
        // their order.
        for (int r = 0; r < runs; r++) {
            executor.execute(ra[r], b, runPackets[r], rs[r], k, at, tx);
            ra[r] = null;
        }
        for (int h = 0; h < groups; h++) {
            credit(h, nowMillis);
        }
    }

    /** Group {@code g}'s flow gets its packets, bytes and TCP flags. */
    private void credit(final int g, final long nowMillis) {
        final DpFlow f = groupFlow[g];
        groupFlow[g] = null;
        f.hit(groupSize[g], groupBytes[g], groupTcpFlags[g], nowMillis);
        stats.counted(f.statsSlot(), groupSize[g], groupBytes[g]);
    }

    /** Executes one packet with one flow (ordered replay goes packet by packet). */
    void executeOne(final PacketBatch b, final int i, final DpFlow f, final long nowMillis) {
        pkts[0] = i;
        executor.execute(f.actions(), b, pkts, 1, keys, keyAt, tx);
        f.hit(1, b.length(i), FlowKey.tcpFlags(keys, keyAt[i]), nowMillis);
        stats.counted(f.statsSlot(), 1, b.length(i));
    }

    /**
     * Sends a packet-out: its frame with its actions. An answer to an upcall brings the PMD's
     * parse along; another packet-out is parsed here.
     *
     * @return true if it was sent (false: not a frame that can be forwarded, counted)
     */
    boolean packetOut(final PmdCommand.PacketOut out) {
        final PacketBatch b = outBatch;
        b.clear();
        if (out.dropped() != null) {
            tx.drop(b, 0, out.dropped());
            return false;
        }
        b.inPort(out.inPort());
        final int len = Math.min(out.frame().length, b.dataRoom());
        MemorySegment.copy(out.frame(), 0, b.slotSegment(0), ValueLayout.JAVA_BYTE, PacketBatch.HEADROOM, len);
        b.addOwned(len, out.timestampNanos());
        long[] key = out.key();
        if (key != null) {
            b.headerOffsets(0, out.l3(), out.l4());
        } else {
            final long offsets = outExtractor.extract(Memory.ALL, b.address(0), len, out.inPort(), outKey, 0);
            if (offsets == FlowExtractor.DROP) {
                tx.drop(b, 0, DropReason.RX_INVALID);
                return false;
            }
            b.headerOffsets(0, FlowExtractor.l3Offset(offsets), FlowExtractor.l4Offset(offsets));
            key = outKey;
        }
        pkts[0] = 0;
        executor.execute(out.actions(), b, pkts, 1, key, OUT_KEY_AT, tx);
        stats.counted(out.statsSlot(), 1, len);
        return true;
    }

    void close() {
        outBatch.close();
    }
}
