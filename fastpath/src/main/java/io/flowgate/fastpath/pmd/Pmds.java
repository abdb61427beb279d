package io.flowgate.fastpath.pmd;

import java.util.ArrayList;
import java.util.List;

/**
 * The datapath's live PMDs, by id: how handlers, revalidators and the control thread find the
 * PMD a flow or an upcall belongs to. Replaced as a whole (copy on write) when a PMD is added or
 * retired; readers never lock. A PMD's id is also the transmit queue it uses on every port, so
 * ids are reused, lowest first.
 */
public final class Pmds {
    private volatile Pmd[] byId = new Pmd[0];

    /** The PMD with this id, or null. */
    public Pmd get(final int id) {
        final Pmd[] p = byId;
        return id >= 0 && id < p.length ? p[id] : null;
    }

    /** Offers a command to PMD {@code id}: false if the mailbox is full; the PMD must exist. */
    public boolean offer(final int id, final PmdCommand command) {
        final Pmd p = get(id);
        if (p == null) {
            throw new IllegalStateException("no PMD " + id);
        }
        return p.mailbox().offer(command);
    }

    /** Every live PMD, by id. */
    public List<Pmd> all() {
        final List<Pmd> out = new ArrayList<>();
        for (Pmd p : byId) {
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    public int size() {
        int n = 0;
        for (Pmd p : byId) {
            n += p == null ? 0 : 1;
        }
        return n;
    }

    /** The lowest id no live PMD has. */
    public synchronized int freeId() {
        final Pmd[] p = byId;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == null) {
                return i;
            }
        }
        return p.length;
    }

    public synchronized void add(final Pmd pmd) {
        final Pmd[] p = byId;
        if (pmd.id() < p.length && p[pmd.id()] != null) {
            throw new IllegalStateException("PMD " + pmd.id() + " exists");
        }
        final Pmd[] next = java.util.Arrays.copyOf(p, Math.max(p.length, pmd.id() + 1));
        next[pmd.id()] = pmd;
        byId = next;
    }

    public synchronized void remove(final Pmd pmd) {
        final Pmd[] next = byId.clone();
        if (pmd.id() < next.length && next[pmd.id()] == pmd) {
            next[pmd.id()] = null;
        }
        byId = next;
    }
}
