package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;

import java.util.ArrayList;
import java.util.List;

/**
 * Deletes a batch of datapath flows, as OVS's dpif delete operations do, returning their final
 * statistics, in two steps that never wait:
 * <ol>
 * <li>{@link #start}: each flow is marked dead (its PMD stops using it at once, even from its EMC)
 *     and a remove command goes to its PMD;</li>
 * <li>{@link #tryComplete}, called again until it says yes: once every PMD has acknowledged (after
 *     which no packet touches the flow) the final statistics are pushed to the rules, the flow
 *     leaves the registry, and its ukey moves to REMOVED (and, for a sweep's stale ukeys, on to
 *     DELETED) and is unlocked.</li>
 * </ol>
 * The ukeys come in locked by the caller and stay locked until the removal completes.
 */
public final class FlowRemoval {
    private final List<Ukey> ukeys = new ArrayList<>();
    private final List<DpFlow> orphans = new ArrayList<>();
    private boolean finish;

    void add(final Ukey locked) {
        ukeys.add(locked);
    }

    /** A flow without a live ukey (nothing to push its statistics to). */
    void addOrphan(final DpFlow flow) {
        orphans.add(flow);
    }

    /** Finish the ukeys too once their flows are gone (a sweep deleting stale ukeys). */
    void finishUkeys() {
        finish = true;
    }

    boolean isEmpty() {
        return ukeys.isEmpty() && orphans.isEmpty();
    }

    int size() {
        return ukeys.size() + orphans.size();
    }

    /** Marks the flows dead and asks their PMDs to remove them. */
    void start(final Pmds pmds, final Outbox outbox) {
        for (Ukey u : ukeys) {
            request(u.flow(), pmds, outbox);
        }
        for (DpFlow f : orphans) {
            request(f, pmds, outbox);
        }
    }

    private static void request(final DpFlow flow, final Pmds pmds, final Outbox outbox) {
        flow.markDead();
        if (pmds.get(flow.pmdId()) == null) {
            flow.markRemoved(); // the PMD is gone and its tables with it
            return;
        }
        outbox.send(flow.pmdId(), new PmdCommand.Remove(flow));
    }

    /**
     * Completes the removal if every PMD has acknowledged.
     *
     * @return true if it is complete (the batch is then empty again)
     */
    boolean tryComplete(final FlowRegistry registry, final UkeyMap map) {
        for (Ukey u : ukeys) {
            if (!u.flow().isRemoved()) {
                return false;
            }
        }
        for (DpFlow f : orphans) {
            if (!f.isRemoved()) {
                return false;
            }
        }
        // Every ukey is taken through to the end whatever fails on the way (a ukey left locked
        // would never be revalidated again); the first failure is reported once all are done.
        RuntimeException failure = null;
        for (Ukey u : ukeys) {
            failure = step(failure, u::pushStats);
            failure = step(failure, () -> registry.remove(u.flow()));
            failure = step(failure, () -> u.transition(UkeyState.REMOVED));
            u.unlock();
            if (finish) {
                failure = step(failure, () -> map.finish(u));
            }
        }
        for (DpFlow f : orphans) {
            failure = step(failure, () -> registry.remove(f));
        }
        ukeys.clear();
        orphans.clear();
        finish = false;
        if (failure != null) {
            throw failure;
        }
        return true;
    }

    private static RuntimeException step(final RuntimeException failed, final Runnable step) {
        try {
            step.run();
            return failed;
        } catch (RuntimeException e) {
            if (failed != null) {
                failed.addSuppressed(e);
                return failed;
            }
            return e;
        }
    }

    /** What it waits for: the flows not yet acknowledged, by PMD (diagnostics). */
    String describe() {
        final java.util.Map<Integer, Integer> byPmd = new java.util.TreeMap<>();
        for (Ukey u : ukeys) {
            if (!u.flow().isRemoved()) {
                byPmd.merge(u.flow().pmdId(), 1, Integer::sum);
            }
        }
        for (DpFlow f : orphans) {
            if (!f.isRemoved()) {
                byPmd.merge(f.pmdId(), 1, Integer::sum);
            }
        }
        return size() + " flow removal(s), unacknowledged by PMD " + byPmd;
    }

    /** Gives up (shutting down): the ukeys are unlocked, still INSTALLED, their flows dead. */
    void abandon() {
        for (Ukey u : ukeys) {
            u.unlock();
        }
        ukeys.clear();
        orphans.clear();
        finish = false;
    }
}
