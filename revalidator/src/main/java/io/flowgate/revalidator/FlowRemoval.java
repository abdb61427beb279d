package io.flowgate.revalidator;

import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyState;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * Deletes a batch of datapath flows, as OVS's dpif delete operations do, returning their final
 * statistics: each flow is marked dead (its PMD stops using it at once, even from its EMC), a
 * remove command goes to its PMD, and once every PMD has acknowledged (after which no packet
 * touches the flow) the final statistics are pushed to the rules, the flow leaves the registry,
 * and its ukey moves to REMOVED and is unlocked. The ukeys come in locked by the caller.
 */
public final class FlowRemoval {
    /** How to wait for PMD acknowledgements: returns false to give up (shutting down). */
    public interface Waiter {
        boolean idle();
    }

    private final List<Ukey> ukeys = new ArrayList<>();
    private final List<DpFlow> orphans = new ArrayList<>();

    void add(final Ukey locked) {
        ukeys.add(locked);
    }

    /** A flow without a live ukey (nothing to push its statistics to). */
    void addOrphan(final DpFlow flow) {
        orphans.add(flow);
    }

    boolean isEmpty() {
        return ukeys.isEmpty() && orphans.isEmpty();
    }

    int size() {
        return ukeys.size() + orphans.size();
    }

    /**
     * Deletes the flows and finishes their removal.
     *
     * @return false if waiting was abandoned (the ukeys are then unlocked, still INSTALLED, with
     *         dead flows that the next round deletes again)
     */
    boolean execute(final IntFunction<Pmd> pmds, final FlowRegistry registry, final Waiter waiter) {
        for (Ukey u : ukeys) {
            request(u.flow(), pmds, waiter);
        }
        for (DpFlow f : orphans) {
            request(f, pmds, waiter);
        }
        final BooleanSupplier acknowledged = () -> {
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
            return true;
        };
        while (!acknowledged.getAsBoolean()) {
            if (!waiter.idle()) {
                for (Ukey u : ukeys) {
                    u.unlock();
                }
                clear();
                return false;
            }
        }
        for (Ukey u : ukeys) {
            u.pushStats();
            registry.remove(u.flow());
            u.transition(UkeyState.REMOVED);
            u.unlock();
        }
        for (DpFlow f : orphans) {
            registry.remove(f);
        }
        clear();
        return true;
    }

    private static void request(final DpFlow flow, final IntFunction<Pmd> pmds, final Waiter waiter) {
        flow.markDead();
        final Pmd pmd = pmds.apply(flow.pmdId());
        if (pmd == null) {
            // The PMD is gone and its tables with it.
            flow.markRemoved();
            return;
        }
        final PmdCommand.Remove remove = new PmdCommand.Remove(flow);
        while (!pmd.offer(remove)) {
            if (!waiter.idle()) {
                return;
            }
        }
    }

    private void clear() {
        ukeys.clear();
        orphans.clear();
    }
}
