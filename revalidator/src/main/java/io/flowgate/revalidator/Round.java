package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.slowpath.ofproto.PipelineVersion;

import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One revalidation round: the flows dumped at its start, handed out in batches; the rule pipeline
 * version flows are checked against; the limits that apply in this round; and who takes part.
 *
 * @param seq             the dump sequence number (ukeys remember the last one that saw them)
 * @param idleMillis      flows idle longer than this are deleted (max-idle, or 100 ms above the limit)
 * @param deleteAll       purge, or more than twice the flow limit: every flow goes
 * @param fullRevalidate  rounds are fast enough to translate every changed flow again
 * @param revalidators    how many revalidators take part (ids below this); fixed for the round,
 *                        so a change of n-revalidator-threads takes effect between rounds
 * @param barrier         where they meet after the dump and after the sweep (without waiting:
 *                        each arrives, then checks whether the others have)
 */
public record Round(long seq, DpFlow[] flows, AtomicInteger cursor, PipelineVersion pipeline, long startMillis, long idleMillis,
                    boolean deleteAll, boolean fullRevalidate, int revalidators, Phaser barrier) {
    /** The next batch's start index, or -1 when the dump is exhausted. */
    public int nextBatch() {
        final int at = cursor.getAndAdd(RevalidatorSettings.DUMP_BATCH);
        return at < flows.length ? at : -1;
    }

    /** True if revalidator {@code id} takes part in this round. */
    public boolean includes(final int id) {
        return id < revalidators;
    }

    /** Arrives at the barrier; returns the phase to wait out with {@link #passed}. */
    int arrive() {
        return barrier.arrive();
    }

    /** True once everyone has arrived at the barrier of {@code phase} (or the round was abandoned). */
    boolean passed(final int phase) {
        final int now = barrier.getPhase();
        return now != phase || now < 0;
    }
}
