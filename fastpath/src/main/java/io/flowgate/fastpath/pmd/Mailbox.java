package io.flowgate.fastpath.pmd;

import java.util.function.Consumer;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A PMD's bounded command queue: any thread offers ({@link #offer} never blocks), the PMD drains
 * up to a budget per iteration. Senders that find it full keep their command in an
 * {@link Outbox} and try again later; nobody waits inside a duty cycle.
 */
public final class Mailbox {
    public static final int CAPACITY = 4096;
    /** Commands run per PMD iteration at most, so a flood of them does not stop forwarding. */
    public static final int BUDGET = 256;

    private final ManyToOneConcurrentArrayQueue<PmdCommand> queue = new ManyToOneConcurrentArrayQueue<>(CAPACITY);

    /** Queues a command (any thread); false if the mailbox is full. */
    public boolean offer(final PmdCommand command) {
        return queue.offer(command);
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
