package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

/**
 * What a round decides for one flow and its ukey, as OVS's {@code revalidate_ukey} and the sweep's
 * per-ukey step: keep it, give it new actions, or delete it (idle, its connection ended, a rule
 * change made it wrong, the flow limit); in the sweep, finish a REMOVED ukey or delete one the
 * dumps missed. The rounds themselves, who does which batch and when, are {@link Revalidators}'.
 */
public final class UkeyRevalidation {
    private static final System.Logger LOG = System.getLogger("revalidator");

    private final Revalidators group;
    private final Xlate xlate;
    private final LoadBalancer loadBalancer;
    private final UkeyMap ukeys;
    private final Tally tally;

    UkeyRevalidation(final Revalidators group, final Xlate xlate, final LoadBalancer loadBalancer,
                     final UkeyMap ukeys, final Tally tally) {
        this.group = group;
        this.xlate = xlate;
        this.loadBalancer = loadBalancer;
        this.ukeys = ukeys;
        this.tally = tally;
    }

    // ---- the dump ----

    /** Revalidates the batch of the round's flows that starts at {@code at}; returns the flows to delete. */
    FlowRemoval dumpBatch(final int revalidator, final Round r, final int at) {
        final FlowRemoval removal = new FlowRemoval();
        final long now = r.startMillis();
        final int end = Math.min(at + RevalidatorSettings.DUMP_BATCH, r.flows().length);
        for (int i = at; i < end; i++) {
            try {
                revalidate(r, r.flows()[i], now, removal);
            } catch (RuntimeException e) {
                tally.errors.increment();
                LOG.log(System.Logger.Level.ERROR, "revalidator" + revalidator + ": flow " + r.flows()[i], e);
            }
        }
        return removal;
    }

    void revalidate(final Round r, final DpFlow flow, final long now, final FlowRemoval removal) {
        if (flow.isRemoved()) {
            return;
        }
        // A registered flow's ukey is INSTALLED (or locked by whoever is changing that); one whose
        // ukey has moved on, or that has none, is an orphan and goes. (No map lookup: the flow
        // links to its ukey, which saves the dump a cache miss or two per flow.)
        final Ukey ukey = flow.owner() instanceof Ukey u ? u : null;
        if (ukey == null || ukey.state().compareTo(UkeyState.INSTALLED) > 0) {
            tally.deletedOrphans.increment();
            removal.addOrphan(flow);
            return;
        }
        if (!ukey.tryLock()) {
            tally.skippedLocked.increment();
            return;
        }
        boolean keepLocked = false;
        try {
            if (ukey.state() != UkeyState.INSTALLED || ukey.dumpSeq() == r.seq()) {
                return;
            }
            ukey.dumpSeq(r.seq());
            final long packets = ukey.pushStats();
            // Connections first: what the flow saw reaches their entries even if the flow goes now.
            final boolean connectionEnded = loadBalancer != null && loadBalancer.track(ukey, packets);
            if (r.deleteAll()) {
                tally.deletedLimit.increment();
                keepLocked = true;
            } else if (idleFor(flow, now) > r.idleMillis()) {
                tally.deletedIdle.increment();
                keepLocked = true;
            } else if (connectionEnded) {
                tally.deletedConnectionEnded.increment(); // its connection timed out: the next packet is a new one
                keepLocked = true;
            } else if (ukey.xlate().pipelineVersion() != r.pipeline().version()) {
                keepLocked = !retranslate(r, ukey, packets, now);
            }
            if (keepLocked) {
                removal.add(ukey);
            }
        } finally {
            if (!keepLocked) {
                ukey.unlock();
            }
        }
    }

    private static long idleFor(final DpFlow flow, final long now) {
        final long used = flow.usedMillis();
        return now - (used != 0 ? used : flow.createdMillis());
    }

    /**
     * Translates a flow again after a rule change. Keeps it (with new actions if they changed)
     * when the new translation looks at no key bit the installed mask lacks; otherwise, or when
     * rounds are slow and the flow is slower than min-revalidate-pps, it must go.
     *
     * @return false if the flow must be deleted
     */
    private boolean retranslate(final Round r, final Ukey ukey, final long packets, final long now) {
        final DpFlow flow = ukey.flow();
        final long used = flow.usedMillis();
        // As OVS: a flow never used is always translated again; otherwise, when rounds are slow,
        // one slower than min-revalidate-pps since its last use is cheaper to delete.
        if (!r.fullRevalidate() && used != 0) {
            final long since = Math.max(0, now - used);
            if (since / Math.max(1, packets) >= 1000 / Math.max(1, group.settings().minRevalidatePps())) {
                tally.deletedChanged.increment();
                return false;
            }
        }
        final XlateResult result = xlate.retranslate(r.pipeline(), ukey.key());
        if (result.connectionEnded()) {
            tally.deletedConnectionEnded.increment();
            return false;
        }
        if (!flow.mask().covers(result.datapathMask())) {
            tally.deletedChanged.increment();
            return false;
        }
        if (!result.actions().equals(flow.actions())) {
            flow.actions(result.actions());
            tally.modified.increment();
        }
        ukey.xlate(result);
        return true;
    }

    // ---- the sweep ----

    /**
     * Sweeps one shard of the ukey map: finishes REMOVED ukeys and returns the stale ones to delete
     * (a removal that finishes them when it completes).
     */
    FlowRemoval sweepShard(final int revalidator, final Round r, final int shard) {
        final FlowRemoval removal = new FlowRemoval();
        removal.finishUkeys();
        ukeys.forEachInShard(shard, ukey -> {
            try {
                final SweepAction action = inspect(ukey, r);
                if (action == SweepAction.DELETE_STALE) {
                    removal.add(ukey);
                } else {
                    apply(ukey, action);
                }
            } catch (RuntimeException e) {
                tally.errors.increment();
                LOG.log(System.Logger.Level.ERROR, "revalidator" + revalidator + ": sweeping " + ukey, e);
            }
        });
        return removal;
    }

    /** What the sweep decided for one ukey while holding its lock. */
    public enum SweepAction {
        NONE, FINISH, DELETE_STALE
    }

    /**
     * The locked part of sweeping one ukey: reads its state and decides. A ukey to delete stays
     * locked (for the removal); otherwise the lock is released before returning, and
     * {@link #apply} does the rest without it (so a handler may replace the ukey in between).
     */
    public SweepAction inspect(final Ukey ukey, final Round r) {
        // Most ukeys were seen by this round's dump: nothing to do, and no need for the lock to
        // know it (a stale read only sends us the careful way).
        if (!r.deleteAll() && ukey.dumpSeq() == r.seq() && ukey.state() == UkeyState.INSTALLED) {
            return SweepAction.NONE;
        }
        if (!ukey.tryLock()) {
            return SweepAction.NONE;
        }
        SweepAction action = SweepAction.NONE;
        try {
            switch (ukey.state()) {
                case REMOVED -> action = SweepAction.FINISH;
                case INSTALLED -> {
                    if (r.deleteAll() || (ukey.dumpSeq() != r.seq() && ukey.missedDump() >= RevalidatorSettings.STALE_DUMPS)) {
                        if (!r.deleteAll()) {
                            tally.deletedStale.increment();
                        } else {
                            tally.deletedLimit.increment();
                        }
                        action = SweepAction.DELETE_STALE;
                    }
                }
                case CREATED, DELETED -> {
                }
            }
            return action;
        } finally {
            if (action != SweepAction.DELETE_STALE) {
                ukey.unlock();
            }
        }
    }

    /** The unlocked part: finishing a REMOVED ukey, once, whoever gets there first. */
    public void apply(final Ukey ukey, final SweepAction action) {
        if (action == SweepAction.FINISH) {
            ukeys.finish(ukey);
        }
    }
}
