package io.flowgate.fastpath.port;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The source PMD's side of moving a receive queue: it stops polling the queue (so nothing more is
 * received from it there), then waits until no packet of the queue is in flight (every upcall of
 * it answered, every packet parked behind one sent), and says so here. Only then may another PMD
 * start polling the queue: every packet the old owner received has left it, so a flow's later
 * packets, received by the new owner, cannot overtake its earlier ones.
 */
public final class QueueHandover {
    private final RxQueue queue;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch drained = new CountDownLatch(1);

    public QueueHandover(final RxQueue queue) {
        this.queue = queue;
    }

    public RxQueue queue() {
        return queue;
    }

    /** The source PMD no longer polls the queue (source PMD). */
    public void stopped() {
        stopped.countDown();
    }

    /** Nothing of the queue is in flight at the source any more (source PMD). */
    public void drained() {
        drained.countDown();
    }

    public boolean isDrained() {
        return drained.getCount() == 0;
    }

    /** Waits for the source to stop polling; false on timeout. */
    public boolean awaitStopped(final long timeout, final TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    /** Waits until nothing of the queue is in flight at the source; false on timeout. */
    public boolean awaitDrained(final long timeout, final TimeUnit unit) throws InterruptedException {
        return drained.await(timeout, unit);
    }
}
