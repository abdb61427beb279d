package io.flowgate.fastpath.pmd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A PMD's bounded command queue: any thread offers ({@link #offer} never blocks), the PMD drains
 * up to a budget per iteration. Senders that find it full keep their command in an
 * {@link Outbox} and try again later; nobody waits inside a duty cycle.
 *
 * <p>When its PMD retires the mailbox is {@link #close closed}: from then on it refuses every
 * command (the sender's outbox finds the PMD gone and drops it), and what was accepted before is
 * still run, so no command someone waits for is left in a mailbox nobody reads. Offers count
 * themselves in and out (one atomic add each: commands are per flow, never per packet) so that
 * closing can wait for an offer in progress.
 */
public final class Mailbox {
    public static final int CAPACITY = 4096;
    /** Commands run per PMD iteration at most, so a flood of them does not stop forwarding. */
    public static final int BUDGET = 256;

    private final ManyToOneConcurrentArrayQueue<PmdCommand> queue = new ManyToOneConcurrentArrayQueue<>(CAPACITY);
    private final AtomicInteger offering = new AtomicInteger();
    private volatile boolean closed;

    /** Queues a command (any thread); false if the mailbox is full or closed. */
    public boolean offer(final PmdCommand command) {
        offering.incrementAndGet();
        try {
            return !closed && queue.offer(command);
        } finally {
            offering.decrementAndGet();
        }
    }

    /** Refuses commands from now on; returns once no offer is in progress (the PMD's thread has ended). */
    void close() {
        closed = true;
        while (offering.get() != 0) {
            Thread.onSpinWait();
        }
    }

    /** Runs up to {@link #BUDGET} commands, oldest first (PMD thread); returns how many. */
    int drain(final Consumer<PmdCommand> runner) {
        return queue.drain(runner, BUDGET);
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Commands waiting. */
    public int size() {
        return queue.size();
    }
}
