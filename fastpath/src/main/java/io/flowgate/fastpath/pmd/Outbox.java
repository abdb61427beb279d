package io.flowgate.fastpath.pmd;

import java.util.ArrayList;
import java.util.List;

/**
 * Commands one thread (a handler, a revalidator, the control thread) sends to PMDs, kept when a
 * PMD's mailbox is full instead of waiting: {@link #send} hands a command over now or keeps it,
 * {@link #flush} tries the kept ones again, oldest first. Commands for one PMD always arrive in
 * the order they were sent, so an install is never overtaken by the packet-out that follows it.
 * A duty cycle that finds its outbox not empty after a flush does no new work: that is the back
 * pressure, and nobody ever waits inside {@code doWork()}.
 *
 * <p>Owned by one thread.
 */
public final class Outbox {
    private record Kept(int pmd, PmdCommand command) {
    }

    private final Pmds pmds;
    private final List<Kept> kept = new ArrayList<>();
    private long dropped;

    public Outbox(final Pmds pmds) {
        this.pmds = pmds;
    }

    /**
     * Sends a command to PMD {@code pmd}, now if nothing is kept for it and its mailbox has room,
     * else after what is kept for it. A command for a PMD that no longer exists is dropped
     * (counted): its tables and queues are gone with it, so a removal is thereby done.
     */
    public void send(final int pmd, final PmdCommand command) {
        final Pmd p = pmds.get(pmd);
        if (p == null) {
            drop(command);
            return;
        }
        if (!keeps(pmd) && p.mailbox().offer(command)) {
            return;
        }
        kept.add(new Kept(pmd, command));
    }

    private boolean keeps(final int pmd) {
        for (Kept k : kept) {
            if (k.pmd() == pmd) {
                return true;
            }
        }
        return false;
    }

    /**
     * Tries the kept commands again, oldest first; a PMD whose mailbox is still full gets nothing
     * more in this pass (its later commands stay behind the one it refused).
     *
     * @return how many were handed over
     */
    public int flush() {
        if (kept.isEmpty()) {
            return 0;
        }
        int sent = 0;
        final java.util.BitSet full = new java.util.BitSet();
        int w = 0;
        for (int r = 0; r < kept.size(); r++) {
            final Kept k = kept.get(r);
            final Pmd p = pmds.get(k.pmd());
            if (p == null) {
                drop(k.command());
                continue;
            }
            if (!full.get(k.pmd()) && p.mailbox().offer(k.command())) {
                sent++;
                continue;
            }
            full.set(k.pmd());
            kept.set(w++, k);
        }
        kept.subList(w, kept.size()).clear();
        return sent;
    }

    private void drop(final PmdCommand command) {
        dropped++;
        if (command instanceof PmdCommand.Remove remove) {
            remove.flow().markRemoved();
        }
    }

    public boolean isEmpty() {
        return kept.isEmpty();
    }

    /** Commands waiting for room. */
    public int size() {
        return kept.size();
    }

    /** Commands dropped because their PMD no longer exists. */
    public long dropped() {
        return dropped;
    }
}
