package io.flowgate.revalidator;

import io.flowgate.fastpath.pmd.Outbox;

import org.agrona.concurrent.Agent;

/**
 * One revalidator thread's duty cycle, as a state machine over a round's phases, so that no
 * {@code doWork()} ever waits: it does one bounded step (a dump batch of 50 flows, one shard of
 * the sweep) or checks whether what it waits for has happened, and returns.
 * <pre>
 *   IDLE ──round──▶ DUMP ──batches done──▶ AFTER_DUMP ──all arrived──▶ SWEEP ──shards done──▶ AFTER_SWEEP ──all arrived──▶ IDLE
 * </pre>
 * The leader (id 0) starts rounds when due, applies a change of n-revalidator-threads between
 * rounds, and closes each round. A step that deletes flows leaves a {@link FlowRemoval} pending:
 * the next cycles complete it once the PMDs have acknowledged, before any further step.
 *
 * <p>Why a state machine rather than a plain thread that blocks at a barrier: a blocked thread
 * cannot notice a shutdown or a resize, and a slow PMD would stall every revalidator. Here a
 * revalidator waiting for the others costs one phase check per cycle, and its idle strategy backs
 * off as for any agent with nothing to do.
 */
public final class Revalidator implements Agent {
    private enum Phase { IDLE, DUMP, AFTER_DUMP, SWEEP, AFTER_SWEEP }

    private final int id;
    private final Revalidators group;
    private final Outbox outbox;
    private Phase phase = Phase.IDLE;
    private Round round;
    private long lastRound;
    private int arrived;
    private int shard;
    private FlowRemoval removal;

    Revalidator(final int id, final Revalidators group) {
        this.id = id;
        this.group = group;
        this.outbox = group.outbox();
        // A revalidator added at run time takes part from the next round on, never in one that
        // began without it (its barriers would wait for an arrival that never comes).
        final Round r = group.current();
        this.lastRound = r == null ? 0 : r.seq();
    }

    public int id() {
        return id;
    }

    @Override
    public String roleName() {
        return "revalidator" + id;
    }

    /** What this revalidator is doing, for upcall/show and diagnostics (any thread; a racy read). */
    public String state() {
        final FlowRemoval pending = removal;
        final Round r = round;
        return phase + (r == null ? "" : " round " + r.seq() + "/" + r.revalidators())
                + (pending == null ? "" : ", waiting for " + pending.describe());
    }

    @Override
    public int doWork() {
        int work = outbox.flush();
        if (removal != null) {
            if (!group.complete(removal)) {
                return work;
            }
            removal = null;
            work++;
        }
        return work + switch (phase) {
            case IDLE -> idle();
            case DUMP -> dump();
            case AFTER_DUMP -> afterDump();
            case SWEEP -> sweep();
            case AFTER_SWEEP -> afterSweep();
        };
    }

    private int idle() {
        final Round r = id == 0 ? group.maybeStartRound(System.currentTimeMillis()) : group.current();
        if (r == null || r.seq() == lastRound || !r.includes(id)) {
            return 0;
        }
        round = r;
        lastRound = r.seq();
        phase = Phase.DUMP;
        return 1;
    }

    private int dump() {
        final int at = round.nextBatch();
        if (at >= 0) {
            removal = group.dumpBatch(id, round, at, outbox);
            return 1;
        }
        arrived = round.arrive();
        phase = Phase.AFTER_DUMP;
        return 1;
    }

    private int afterDump() {
        if (!round.passed(arrived)) {
            return 0;
        }
        shard = id;
        phase = Phase.SWEEP;
        return 1;
    }

    private int sweep() {
        if (shard < group.shardCount()) {
            removal = group.sweepShard(id, round, shard, outbox);
            shard += round.revalidators();
            return 1;
        }
        arrived = round.arrive();
        phase = Phase.AFTER_SWEEP;
        return 1;
    }

    private int afterSweep() {
        if (!round.passed(arrived)) {
            return 0;
        }
        if (id == 0) {
            group.finishRound(round);
        }
        round = null;
        phase = Phase.IDLE;
        return 1;
    }
}
