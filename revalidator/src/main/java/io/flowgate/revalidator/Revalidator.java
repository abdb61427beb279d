package io.flowgate.revalidator;

import org.agrona.concurrent.Agent;

/**
 * One revalidator thread's duty cycle. The leader (id 0) starts rounds when they are due; every
 * revalidator runs each round's dump, waits for the others, sweeps its own shards, and waits again;
 * then the leader closes the round.
 */
public final class Revalidator implements Agent {
    private final int id;
    private final Revalidators group;
    private final FlowRemoval.Waiter waiter;
    private long lastRound;

    Revalidator(final int id, final Revalidators group) {
        this.id = id;
        this.group = group;
        this.waiter = group.backoff();
    }

    public int id() {
        return id;
    }

    @Override
    public String roleName() {
        return "revalidator" + id;
    }

    @Override
    public int doWork() {
        final Round r = id == 0 ? group.maybeStartRound(System.currentTimeMillis()) : group.current();
        if (r == null || r.seq() == lastRound) {
            return 0;
        }
        lastRound = r.seq();
        group.dump(id, r, waiter);
        if (!group.barrier()) {
            return 1;
        }
        group.sweep(id, r, waiter);
        if (!group.barrier()) {
            return 1;
        }
        if (id == 0) {
            group.finishRound(r);
        }
        return 1;
    }
}
