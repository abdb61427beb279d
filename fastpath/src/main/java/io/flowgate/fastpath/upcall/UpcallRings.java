package io.flowgate.fastpath.upcall;

import java.util.List;

/**
 * The handlers' rings as the PMDs see them: an upcall goes to the ring its hash picks. The set is
 * replaced as a whole when handlers are added or retired ({@link #publish}); a PMD reads it once
 * per upcall, so it takes the new set from its next upcall on.
 */
public final class UpcallRings implements UpcallRing.Router {
    private static final UpcallRing[] NONE = new UpcallRing[0];

    private volatile UpcallRing[] rings;

    public UpcallRings(final List<UpcallRing> rings) {
        this.rings = rings.toArray(NONE);
    }

    /** The ring for this hash, or null if there are no handlers. */
    @Override
    public UpcallRing ring(final long hash) {
        final UpcallRing[] r = rings;
        return r.length == 0 ? null : r[pick(hash, r.length)];
    }

    /** Which of {@code n} rings an upcall with this hash goes to. */
    public static int pick(final long hash, final int n) {
        return (int) ((hash >>> 1) % n);
    }

    /** The rings in use now. */
    public List<UpcallRing> rings() {
        return List.of(rings);
    }

    public int size() {
        return rings.length;
    }

    /** Replaces the set (any thread); PMDs use it from their next upcall. */
    public void publish(final List<UpcallRing> next) {
        this.rings = next.toArray(NONE);
    }
}
