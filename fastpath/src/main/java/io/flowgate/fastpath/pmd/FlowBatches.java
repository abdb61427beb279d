package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.ActionExecutor;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.PacketBatch;

/**
 * Per-flow batches (OVS's packet_batch_per_flow): the packets of a received batch that found
 * their megaflow are grouped by flow, and each flow's actions run once for all of its packets;
 * the flow's statistics get one update per batch. Grouping is linear: a counting sort on the group
 * each flow gets the first time the batch meets it (remembered in the flow as a hint), never a
 * comparison of every pair. PMD thread only; allocates nothing.
 */
final class FlowBatches {
    private static final int W = FlowKey.WORDS;
    private static final int N = PacketBatch.MAX_BURST;

    private final ActionExecutor executor = new ActionExecutor();
    private final TxQueues tx;
    private final long[] keys;
    private final DpFlow[] flows;
    // Per packet its group; per group its flow and totals.
    private final int[] packetGroup = new int[N];
    private final int[] grouped = new int[N];
    private final int[] pkts = new int[N];
    private final DpFlow[] groupFlow = new DpFlow[N];
    private final int[] groupSize = new int[N];
    private final int[] groupStart = new int[N];
    private final long[] groupBytes = new long[N];
    private final int[] groupTcpFlags = new int[N];

    /** @param keys, flows the input stage's per-packet keys and found flows (null: not to execute) */
    FlowBatches(final TxQueues tx, final long[] keys, final DpFlow[] flows) {
        this.tx = tx;
        this.keys = keys;
        this.flows = flows;
    }

    /** Executes the flows found for packets {@code [0, n)} of {@code b}. */
    void execute(final PacketBatch b, final int n, final long nowMillis) {
        final DpFlow[] fl = flows;
        final long[] k = keys;
        final DpFlow[] gf = groupFlow;
        final int[] live = pkts; // the packets to execute, in order; one group's list as it stands
        int groups = 0;
        int count = 0;
        // Consecutive packets of one flow (the usual case) add up in locals; a group's totals
        // are written when the run ends.
        int g = -1;
        DpFlow runFlow = null;
        int runSize = 0;
        long runBytes = 0;
        int runFlags = 0;
        for (int i = 0; i < n; i++) {
            final DpFlow f = fl[i];
            if (f == null) {
                continue;
            }
            live[count++] = i;
            if (f != runFlow) {
                if (runFlow != null) {
                    groupSize[g] += runSize;
                    groupBytes[g] += runBytes;
                    groupTcpFlags[g] |= runFlags;
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
                }
                runFlow = f;
                runSize = 0;
                runBytes = 0;
                runFlags = 0;
            }
            packetGroup[i] = g;
            runSize++;
            runBytes += b.length(i);
            runFlags |= FlowKey.tcpFlags(k, i * W);
        }
        if (runFlow != null) {
            groupSize[g] += runSize;
            groupBytes[g] += runBytes;
            groupTcpFlags[g] |= runFlags;
        }
        if (groups == 1) {
            executeGroup(b, 0, count, nowMillis);
            return;
        }
        int start = 0;
        for (int h = 0; h < groups; h++) {
            groupStart[h] = start;
            start += groupSize[h];
        }
        for (int j = 0; j < count; j++) {
            final int i = live[j];
            grouped[groupStart[packetGroup[i]]++] = i;
        }
        start = 0;
        for (int h = 0; h < groups; h++) {
            final int size = groupSize[h];
            System.arraycopy(grouped, start, pkts, 0, size);
            start += size;
            executeGroup(b, h, size, nowMillis);
        }
    }

    private void executeGroup(final PacketBatch b, final int g, final int count, final long nowMillis) {
        final DpFlow f = groupFlow[g];
        groupFlow[g] = null;
        executor.execute(f.actions(), b, pkts, count, keys, tx);
        f.hit(count, groupBytes[g], groupTcpFlags[g], nowMillis);
    }

    /** Executes one packet with one flow (ordered replay goes packet by packet). */
    void executeOne(final PacketBatch b, final int i, final DpFlow f, final long nowMillis) {
        pkts[0] = i;
        executor.execute(f.actions(), b, pkts, 1, keys, tx);
        f.hit(1, b.length(i), FlowKey.tcpFlags(keys, i * W), nowMillis);
    }

    /** Executes actions on packet {@code i} of {@code b} whose key is at {@code key[0]} (a packet-out). */
    void executePacketOut(final PacketBatch b, final int i, final io.flowgate.fastpath.action.DpActions actions,
                          final long[] key) {
        pkts[0] = i;
        executor.execute(actions, b, pkts, 1, key, tx);
    }
}
