package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyState;
import io.flowgate.slowpath.upcall.Udpif;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Deleting datapath flows at once, on the caller's thread, outside the rounds: the flush of
 * revalidator/purge, dpctl/del-flows and upcall/disable-megaflows, and the removal of a moving
 * queue's flows from the PMD it leaves. Unlike a round it waits for a ukey someone holds.
 */
public final class FlowFlush {
    private final Revalidators group;
    private final Tally tally;

    FlowFlush(final Revalidators group, final Tally tally) {
        this.group = group;
        this.tally = tally;
    }

    /**
     * Deletes every datapath flow now, on the calling thread, as OVS's dpif flow flush does
     * (revalidator/purge, dpctl/del-flows, upcall/disable-megaflows): works while the revalidators
     * are paused too. The ukeys move to REMOVED with their final statistics pushed; a sweep
     * finishes them.
     *
     * <p>Complete: a flow whose ukey is locked (being re-translated, or removed by a revalidator)
     * is waited for, not skipped; a flow being set up while the flush starts is either seen here
     * or dropped by its handler ({@link Udpif#beginFlush}). No flow from before the call survives it.
     *
     * @return how many flows were deleted
     */
    public int flush() {
        group.udpif().beginFlush();
        final int n = remove(group.registry().view());
        tally.flushed.add(n);
        return n;
    }

    /**
     * Deletes these datapath flows now, on the calling thread, waiting for any that someone else
     * holds (a queue moving away from a PMD takes the source's copies away this way).
     *
     * @return how many were deleted here
     */
    public int remove(final Collection<DpFlow> flows) {
        final Outbox outbox = group.outbox();
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
        final FlowRemoval removal = new FlowRemoval();
        List<DpFlow> pending = new ArrayList<>(flows);
        int n = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!pending.isEmpty() && group.running()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pending.size() + " flow(s) could not be removed: their ukeys stayed"
                        + " locked for 60 s");
            }
            final List<DpFlow> busy = new ArrayList<>();
            for (DpFlow flow : pending) {
                if (flow.isRemoved()) {
                    continue;
                }
                final Ukey ukey = flow.owner() instanceof Ukey u ? u : null;
                if (ukey == null) {
                    removal.addOrphan(flow);
                } else if (!ukey.tryLock()) {
                    busy.add(flow); // someone is setting it up, re-translating or removing it: come back
                    continue;
                } else if (ukey.state() == UkeyState.INSTALLED && !flow.isDead()) {
                    removal.add(ukey);
                } else {
                    ukey.unlock(); // already removed, or being removed by someone who holds it no more
                    continue;
                }
                n++;
                if (removal.size() >= RevalidatorSettings.DUMP_BATCH) {
                    runToCompletion(removal, outbox, idle);
                }
            }
            runToCompletion(removal, outbox, idle);
            if (!busy.isEmpty()) {
                idle.idle();
            }
            pending = busy;
        }
        return n;
    }

    private void runToCompletion(final FlowRemoval removal, final Outbox outbox, final IdleStrategy idle) {
        if (removal.isEmpty()) {
            return;
        }
        removal.start(group.pmds(), outbox);
        idle.reset();
        while (!group.complete(removal)) {
            if (!group.running()) {
                removal.abandon();
                return;
            }
            outbox.flush();
            idle.idle();
        }
    }
}
