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
 * their megaflow are grouped by their actions, which run once for all of them. Flows with the same
 * actions share one run of them, which OVS does not do: one run when all have them (ACL rules
 * that all forward to one port), two when some drop; each run's list of packets is filled as the
 * batch is read. Equal actions share a slot ({@link SharedActions}), which the flow remembers, and
 * the slot knows its run in the batch: no search, and no branch that packets of forwarding and
 * dropping flows interleaved would mispredict (a scan over the runs did, about every other
 * packet of an ACL's traffic). Across flows, packets leave in the order their actions first
 * appeared, per flow in arrival order.
 *
 * <p>A flow's statistics get one update per stretch of its packets (consecutive in the batch):
 * one per batch for a train of one flow, and for packets of many flows interleaved no per-flow
 * bookkeeping beyond the update itself (OVS keeps a group per flow and batch; here that group's
 * upkeep cost more than the updates it saved).
 *
 * <p>Packet-outs (a handler's answer to an upcall) are executed here too.
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
    /** This PMD's one instance of each distinct set of actions. */
    private final SharedActions sharedActions = new SharedActions();
    /** Counts the batches executed: a flow's memo of its slot holds for the batch it names (with its epoch). */
    private long batchStamp;
    /** Per slot of {@link #sharedActions}: the batch in which it last had a run, and that run. */
    private final long[] slotBatch = new long[SharedActions.CAPACITY];
    private final int[] slotRun = new int[SharedActions.CAPACITY];
    // Per run (the flows of the batch with one set of actions) its actions and its packets in arrival order.
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
        final DpActions[] ra = runActions;
        final int[] rs = runSize;
        final int[][] rp = runPackets;
        final long stamp = ++batchStamp;
        final SharedActions shared = sharedActions;
        shared.startBatch();
        final int epoch = shared.epoch();
        final long[] sb = slotBatch;
        final int[] sr = slotRun;
        int runs = 0;
        // Consecutive packets of one flow (the usual case) add up in locals; the flow is credited
        // and its run's length written when the stretch ends. Each packet goes straight onto its
        // run's list: no sort afterwards.
        int run = -1; // the stretch's run
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
                    credit(stretchFlow, stretchLength, stretchBytes, stretchFlags, nowMillis);
                    rs[run] = runFill;
                }
                long memo = f.sharedSlot();
                if (f.actions() != f.seenActions() || (int) (memo >>> Integer.SIZE) != epoch) {
                    memo = remember(f, stamp, epoch);
                }
                f.batchStamp(stamp);
                final int slot = (int) memo;
                int r = sr[slot];
                if (sb[slot] != stamp) { // the first of its actions in this batch: a new run
                    r = runs++;
                    sb[slot] = stamp;
                    sr[slot] = r;
                    ra[r] = shared.at(slot);
                    rs[r] = 0;
                }
                run = r;
                runList = rp[r];
                runFill = rs[r];
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
            credit(stretchFlow, stretchLength, stretchBytes, stretchFlags, nowMillis);
            rs[run] = runFill;
        }
        // Flows with the same actions (ACL rules that forward to one port, say) run them once
        // over all their packets; per flow the packets keep their order.
        for (int r = 0; r < runs; r++) {
            executor.execute(ra[r], b, rp[r], rs[r], k, at, tx);
            ra[r] = null;
        }
    }

    /**
     * The flow's actions changed, or its slot is of another epoch: its slot now, remembered.
     * A flow met earlier in this batch keeps the slot it had (so a change of actions mid-batch
     * cannot split its packets over two runs out of order), until the next batch. The epoch tells
     * this PMD's batch from another's of the same number (epochs are unique across tables).
     *
     * @return the slot, with the epoch in its high half
     */
    private long remember(final DpFlow f, final long stamp, final int epoch) {
        final long kept = f.sharedSlot();
        if (f.batchStamp() == stamp && (int) (kept >>> Integer.SIZE) == epoch) {
            return kept;
        }
        final DpActions a = f.actions();
        final long memo = (long) epoch << Integer.SIZE | sharedActions.slotOf(a);
        f.batchMemo(stamp, a, memo);
        return memo;
    }

    /** A stretch of the flow's packets: its counters, and the stats slot it also counts into. */
    private void credit(final DpFlow f, final int packets, final long bytes, final int tcpFlags, final long nowMillis) {
        f.hit(packets, bytes, tcpFlags, nowMillis);
        stats.counted(f.statsSlot(), packets, bytes);
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
