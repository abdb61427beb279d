package io.flowgate.slowpath.upcall;

import io.flowgate.fastpath.agent.AgentHost;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The handler threads of a datapath and their rings (OVS's n-handler-threads), resized at run time
 * without losing, repeating or purging anything.
 *
 * <p>More handlers: new rings and threads start, then the PMDs get the larger set of rings.
 * Fewer handlers (as the seed's closing listener hands its queued connections to the survivors):
 * <ol>
 * <li>the PMDs get the survivors' rings: from their next upcall on, nothing goes to a retiring ring;</li>
 * <li>each retiring handler stops handling and moves what its ring holds, oldest first, to the ring
 *     of the survivor its hash picks, so each survivor receives them in their original order;</li>
 * <li>once every PMD has finished two iterations (any upcall it was offering to an old ring has
 *     landed) and a retiring ring is empty, its handler is retired, its thread stopped, its ring
 *     freed.</li>
 * </ol>
 * Every upcall is handled exactly once, by the handler whose ring it is in when it is read. A
 * flow's packets are never reordered by this: a PMD has at most one upcall of a flow in flight.
 */
public final class Handlers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("handler");

    private final Udpif udpif;
    private final Pmds pmds;
    private final UpcallRings rings;
    private final int ringBytes;
    private final AgentHost host;
    private final List<Handler> handlers = new ArrayList<>();
    /** Retiring handlers still moving what their rings hold (after a resize that timed out, say). */
    private final List<Handler> retiring = new ArrayList<>();
    /** What readers see (a resize in progress holds the lock for a while). */
    private volatile List<Handler> published = List.of();

    /**
     * @param rings where the PMDs send upcalls (published to as handlers come and go)
     */
    public Handlers(final Udpif udpif, final Pmds pmds, final UpcallRings rings, final int ringBytes,
                    final AgentHost host) {
        this.udpif = udpif;
        this.pmds = pmds;
        this.rings = rings;
        this.ringBytes = ringBytes;
        this.host = host;
    }

    public UpcallRings rings() {
        return rings;
    }

    /** The handlers, by id (those retiring included until they are gone). */
    public List<Handler> all() {
        return published;
    }

    public int size() {
        return published.size();
    }

    /**
     * Changes the number of handler threads to {@code n}; returns when the retiring ones are gone.
     *
     * @throws TimeoutException if a PMD or a retiring handler did not get there within the time
     *                          (the retiring handlers keep moving their upcalls meanwhile; nothing is lost)
     */
    public synchronized void resize(final int n, final long timeoutMillis) throws InterruptedException,
            TimeoutException {
        if (n < 1) {
            throw new IllegalArgumentException("n-handler-threads must be at least 1, not " + n);
        }
        reapRetired();
        final int current = handlers.size();
        if (n >= current) {
            for (int i = current; i < n; i++) {
                final Handler h = new Handler(i, new UpcallRing(ringBytes), udpif, pmds);
                handlers.add(h);
                host.start(h, AgentHost.Kind.HANDLER);
            }
            rings.publish(ringsOf(handlers));
            published = List.copyOf(handlers);
            return;
        }
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        final List<Handler> stay = new ArrayList<>(handlers.subList(0, n));
        final List<Handler> go = new ArrayList<>(handlers.subList(n, current));
        final UpcallRings survivors = new UpcallRings(ringsOf(stay));
        rings.publish(survivors.rings());
        for (Handler h : go) {
            h.retire(survivors);
        }
        // From now on they are no longer handlers: no later resize may give their rings out again.
        handlers.removeAll(go);
        retiring.addAll(go);
        published = List.copyOf(handlers);
        awaitPmdIterations(deadline);
        for (Handler h : go) {
            h.producersGone();
        }
        for (Handler h : go) {
            while (!h.retired()) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(h.roleName() + " still has upcalls to move (it goes on moving them)");
                }
                Thread.sleep(1);
            }
        }
        reapRetired();
        LOG.log(System.Logger.Level.INFO, "handlers: " + current + " -> " + n + ", " + udpif.counters().moved()
                + " upcall(s) moved in all");
    }

    /** Stops the retiring handlers that are done and frees their rings. */
    private void reapRetired() {
        for (Handler h : List.copyOf(retiring)) {
            if (h.retired()) {
                host.stop(h);
                h.ring().close();
                retiring.remove(h);
            }
        }
    }

    /** Waits until every PMD has finished two more iterations (its upcalls in progress have landed). */
    private void awaitPmdIterations(final long deadline) throws InterruptedException, TimeoutException {
        final Map<Pmd, Long> start = new HashMap<>();
        for (Pmd p : pmds.all()) {
            start.put(p, p.stats().iterations());
        }
        for (Map.Entry<Pmd, Long> e : start.entrySet()) {
            while (e.getKey().stats().iterations() < e.getValue() + 2 && pmds.get(e.getKey().id()) == e.getKey()) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException(e.getKey().roleName() + " did not run");
                }
                Thread.sleep(1);
            }
        }
    }

    private static List<UpcallRing> ringsOf(final List<Handler> hs) {
        final List<UpcallRing> r = new ArrayList<>();
        for (Handler h : hs) {
            r.add(h.ring());
        }
        return r;
    }

    /** Stops every handler and frees the rings (after the PMDs have stopped). */
    @Override
    public synchronized void close() {
        handlers.addAll(retiring);
        retiring.clear();
        for (Handler h : handlers) {
            host.stop(h);
        }
        for (Handler h : handlers) {
            h.ring().close();
        }
        handlers.clear();
        published = List.of();
    }
}
