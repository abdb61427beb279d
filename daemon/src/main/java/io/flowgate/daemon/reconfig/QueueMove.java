package io.flowgate.daemon.reconfig;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.QueueHandover;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.ukey.UkeyId;
import io.flowgate.slowpath.ukey.UkeyState;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Moves a receive queue from PMD A to PMD B ({@link #move}) without losing, repeating or
 * reordering a packet:
 * <ol>
 * <li>prewarm: the megaflows A has for the queue's port (those the moving queue's packets made,
 *     when A keeps another queue of the port) are installed in B too, each with a ukey of its own
 *     (a ukey names its PMD), so B starts with what A had learnt;</li>
 * <li>A stops polling the queue and reports when nothing of it is in flight (its upcalls answered,
 *     its parked packets sent): packets A received are forwarded by A, in order;</li>
 * <li>megaflows A set up meanwhile are copied too; then B adopts the queue (its installs are ahead
 *     of the adopt in B's mailbox, so they are in place before B polls);</li>
 * <li>A's copies of the port's megaflows go, their statistics pushed once, unless A still polls
 *     another queue of the port.</li>
 * </ol>
 * A flow's packets cannot overtake each other: B receives the queue's next packet only after the
 * last one A received has left.
 *
 * <p>Runs on the reconfiguring thread (the control socket's), inside one {@link Reconfiguration}
 * change; it waits for the PMDs, they never wait for it.
 */
final class QueueMove {
    private final Bridge dp;

    QueueMove(final Bridge dp) {
        this.dp = dp;
    }

    /**
     * Moves queue {@code q} from PMD {@code from} to PMD {@code to} (either may be null: not polled);
     * returns what it did, for the journal.
     */
    String move(final RxQueue q, final Pmd from, final Pmd to) throws TimeoutException, InterruptedException {
        final Outbox outbox = new Outbox(dp.pmdSet());
        int copied = 0;
        if (from != null) {
            // With no other queue of the port left there, every flow of the port goes along; else
            // those the moving queue's packets made (RSS keeps a flow on one queue).
            final int only = polls(from, q.port(), q) ? q.id() : -1;
            copied += to == null ? 0 : prewarm(q.port(), only, from, to, outbox);
            release(q, from);
            if (to != null) {
                copied += prewarm(q.port(), only, from, to, outbox); // set up at the source while it handed over
            }
        }
        if (to != null) {
            outbox.send(to.id(), new PmdCommand.AdoptQueue(q));
            deliver(outbox);
        }
        int removed = 0;
        if (from != null && !polls(from, q.port(), null)) {
            final List<DpFlow> left = new ArrayList<>();
            for (DpFlow f : dp.registry().view()) {
                if (f.pmdId() == from.id() && f.inPort() == q.port().number()) {
                    left.add(f);
                }
            }
            removed = dp.revalidators().flusher().remove(left);
        }
        return copied + " megaflow(s) copied, " + removed + " removed at the source";
    }

    /**
     * Has {@code from} stop polling {@code q} and waits until nothing of it is in flight there. If
     * that takes too long, {@code from} polls the queue again (it still holds what is in flight)
     * and the move fails.
     */
    void release(final RxQueue q, final Pmd from) throws TimeoutException, InterruptedException {
        final QueueHandover handover = new QueueHandover(q);
        send(dp, from, new PmdCommand.ReleaseQueue(handover));
        if (!handover.awaitDrained(Reconfiguration.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            send(dp, from, new PmdCommand.AdoptQueue(q));
            while (q.owner() != from.id()) {
                LockSupport.parkNanos(100_000); // until it polls it again: nobody else may take it meanwhile
            }
            throw new TimeoutException("port " + q.port().name() + " rx queue " + q.id() + ": "
                    + from.roleName() + " still has " + q.inFlight() + " packet(s) of it in flight; it keeps the"
                    + " queue");
        }
    }

    /** True if {@code pmd} polls a queue of {@code port} other than {@code except}. */
    private static boolean polls(final Pmd pmd, final Port port, final RxQueue except) {
        for (RxQueue q : pmd.rxQueues()) {
            if (q.port() == port && q != except) {
                return true;
            }
        }
        return false;
    }

    /**
     * Installs in {@code to} a copy of every megaflow of {@code port} (made by queue {@code only},
     * or any when it is -1) that {@code from} (the queue's PMD until now) has and {@code to}
     * lacks: only those, since what other PMDs learnt came from other queues. A source ukey that
     * is locked (being revalidated) is tried again a few times.
     */
    private int prewarm(final Port port, final int only, final Pmd from, final Pmd to, final Outbox outbox) {
        int copied = 0;
        List<Ukey> busy = new ArrayList<>();
        for (DpFlow f : dp.registry().view()) {
            if (f.inPort() == port.number() && f.pmdId() == from.id() && (only < 0 || f.rxq() == only)
                    && !f.isDead() && f.owner() instanceof Ukey source && !installedIn(f, to)) {
                if (dp.udpif().copy(source, to.id(), outbox)) {
                    copied++;
                } else if (source.isLocked()) {
                    busy.add(source);
                }
            }
        }
        for (int attempt = 0; attempt < 3 && !busy.isEmpty(); attempt++) {
            LockSupport.parkNanos(200_000);
            final List<Ukey> again = new ArrayList<>();
            for (Ukey source : busy) {
                if (installedIn(source.flow(), to)) {
                    continue;
                }
                if (dp.udpif().copy(source, to.id(), outbox)) {
                    copied++;
                } else if (source.isLocked()) {
                    again.add(source);
                }
            }
            busy = again;
        }
        deliver(outbox);
        return copied;
    }

    /** True if {@code to} has this megaflow installed (or being installed) with a ukey of its own. */
    private boolean installedIn(final DpFlow f, final Pmd to) {
        final Ukey there = dp.ukeys().get(new UkeyId(f.ufidHi(), f.ufidLo(), to.id()));
        return there != null && there.state().compareTo(UkeyState.INSTALLED) <= 0;
    }

    /** Sends one command to one PMD, waiting for room in its mailbox. */
    static void send(final Bridge dp, final Pmd pmd, final PmdCommand command) {
        final Outbox outbox = new Outbox(dp.pmdSet());
        outbox.send(pmd.id(), command);
        deliver(outbox);
    }

    /** Hands over everything in {@code outbox}, waiting for room in the mailboxes. */
    static void deliver(final Outbox outbox) {
        while (!outbox.isEmpty()) {
            outbox.flush();
            if (!outbox.isEmpty()) {
                LockSupport.parkNanos(100_000);
            }
        }
    }
}
