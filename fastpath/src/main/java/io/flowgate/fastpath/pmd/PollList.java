package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.port.QueueHandover;
import io.flowgate.fastpath.port.RxQueue;

import java.util.ArrayList;
import java.util.List;

/**
 * The receive queues a PMD polls, in turn, and the ones it is handing over: released queues are
 * no longer polled but stay here until nothing of them is in flight, then their
 * {@link QueueHandover} says so. PMD thread only, except {@link #queues()}, a published copy.
 */
final class PollList {
    private static final RxQueue[] NONE = new RxQueue[0];

    private final int pmdId;
    private RxQueue[] polled = NONE;
    private final List<QueueHandover> releasing = new ArrayList<>();
    private int next;
    private volatile RxQueue[] published = NONE;

    PollList(final int pmdId) {
        this.pmdId = pmdId;
    }

    /** The queues to poll this iteration, starting where the last iteration left off. */
    RxQueue[] polled() {
        return polled;
    }

    /** Index of the queue to poll first; advances for the next iteration (round-robin). */
    int start() {
        final int n = polled.length;
        final int s = next < n ? next : 0;
        next = s + 1 < n ? s + 1 : 0;
        return s;
    }

    void adopt(final RxQueue q) {
        for (RxQueue p : polled) {
            if (p == q) {
                return;
            }
        }
        final RxQueue[] next = java.util.Arrays.copyOf(polled, polled.length + 1);
        next[polled.length] = q;
        polled = next;
        q.owner(pmdId);
        published = next;
    }

    /** Stops polling the handover's queue at once; it stays tracked until drained. */
    void release(final QueueHandover h) {
        final RxQueue q = h.queue();
        final List<RxQueue> keep = new ArrayList<>();
        for (RxQueue p : polled) {
            if (p != q) {
                keep.add(p);
            }
        }
        polled = keep.toArray(NONE);
        published = polled;
        q.owner(-1);
        h.stopped();
        releasing.add(h); // drained at the end of the iteration, after the transmit queues flushed
    }

    /** Completes the hand-overs whose queue has nothing in flight any more. */
    void checkReleases() {
        if (releasing.isEmpty()) {
            return;
        }
        releasing.removeIf(h -> {
            if (h.queue().inFlight() == 0) {
                h.drained();
                return true;
            }
            return false;
        });
    }

    boolean releasing() {
        return !releasing.isEmpty();
    }

    /** True if no queue is being handed over and every polled input has ended (a replayed capture). */
    boolean inputsDone() {
        if (!releasing.isEmpty()) {
            return false;
        }
        for (RxQueue q : polled) {
            if (q.port().receives() && !q.port().exhausted()) {
                return false;
            }
        }
        return true;
    }

    /** The polled or releasing queue of {@code port} with this id (whose upcall is being answered), or null. */
    RxQueue find(final int port, final int queue) {
        for (RxQueue q : polled) {
            if (q.port().number() == port && q.id() == queue) {
                return q;
            }
        }
        for (QueueHandover h : releasing) {
            if (h.queue().port().number() == port && h.queue().id() == queue) {
                return h.queue();
            }
        }
        return null;
    }

    /** The polled queues (any thread; a copy published at each change). */
    List<RxQueue> queues() {
        return List.of(published);
    }
}
