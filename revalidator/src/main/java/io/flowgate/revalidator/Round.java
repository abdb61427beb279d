package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.slowpath.ofproto.Pipeline;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One revalidation round: the flows dumped at its start, handed out in batches; the rule pipeline
 * version flows are checked against; and the limits that apply in this round.
 *
 * @param seq             the dump sequence number (ukeys remember the last one that saw them)
 * @param idleMillis      flows idle longer than this are deleted (max-idle, or 100 ms above the limit)
 * @param deleteAll       purge, or more than twice the flow limit: every flow goes
 * @param fullRevalidate  rounds are fast enough to translate every changed flow again
 */
public record Round(long seq, DpFlow[] flows, AtomicInteger cursor, Pipeline pipeline, long startMillis, long idleMillis,
             boolean deleteAll, boolean fullRevalidate) {
    /** The next batch's start index, or -1 when the dump is exhausted. */
    public int nextBatch() {
        final int at = cursor.getAndAdd(RevalidatorSettings.DUMP_BATCH);
        return at < flows.length ? at : -1;
    }
}
