package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.xlate.GroupSelector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connection scheduling for select groups with {@code selection_method=hprio}, {@code wrr} or
 * {@code rr} (hash groups stay stateless in {@link io.flowgate.slowpath.xlate.Xlate}).
 *
 * <p>The packet's way: a handler translating a miss reaches a select group and asks
 * {@link #select}. A connection already in the {@link ConnectionTable} keeps its bucket; a new
 * one (TCP SYN, the first packet of a UDP 5-tuple, or any packet the table does not know) gets a
 * bucket from the group's {@link Scheduler}. Either way the 5-tuple is un-wildcarded, so the
 * megaflow is one exact connection carrying its bucket's actions. Nothing changes yet: the
 * choice is a {@link GroupSelector.Claim}, which the handler {@link #commit commits} only if it
 * installs the flow. Committing writes the table entry, counts the connection on its bucket and
 * makes the ukey the connection's holder; when that ukey reaches DELETED (its flow idled out, or
 * a revalidator removed it after FIN or RST, see {@link #track}) the connection ends and its
 * count is released, exactly once. Revalidators move a connection from inactive to active when
 * its flow has seen an ACK.
 *
 * <p>One lock guards the counts, the table's writes and the group states: connection set-up is
 * the slow path, and one lock keeps "count" and "table" in step without ordering rules.
 */
public final class LoadBalancer implements GroupSelector, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("lb");
    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;

    /** Counters for {@code lb/show}. */
    public static final class Counters {
        public final LongAdder scheduled = new LongAdder();
        public final LongAdder kept = new LongAdder();
        public final LongAdder noUsableBucket = new LongAdder();
        public final LongAdder ended = new LongAdder();
        public final LongAdder endedByFlags = new LongAdder();
        public final LongAdder restored = new LongAdder();
        public final LongAdder staleDropped = new LongAdder();
        public final LongAdder orphansExpired = new LongAdder();
    }

    private record ConnectionClaim(ConnectionKey key, int bucketId, boolean active) implements Claim {
    }

    /**
     * The connections one ukey's flow carries, and which of them revalidators already know to be
     * established. Read and written under the ukey's lock (commit, then revalidation).
     */
    private final class Held implements Ukey.Finisher {
        final ConnectionKey[] keys;
        final boolean[] active;
        final long holder;

        Held(final List<ConnectionClaim> claims, final long holder) {
            this.keys = new ConnectionKey[claims.size()];
            this.active = new boolean[keys.length];
            for (int j = 0; j < keys.length; j++) {
                keys[j] = claims.get(j).key();
                active[j] = claims.get(j).active();
            }
            this.holder = holder;
        }

        boolean anyTcp() {
            for (ConnectionKey k : keys) {
                if (k.proto() == FlowKey.IPPROTO_TCP) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void finished(final Ukey ukey) {
            end(this);
        }
    }

    private final ConnectionTable table;
    private final Counters counters = new Counters();
    private final Map<Integer, SelectGroup> groups = new HashMap<>();
    /** Names the ukey holding a connection; 0 is "no flow holds it". */
    private long lastHolder;
    /** Restored connections no flow has claimed yet. */
    private int orphans;

    /**
     * @param table  the connection table (its entries are restored against {@code groups})
     * @param groups the select groups of the current pipeline
     */
    public LoadBalancer(final ConnectionTable table, final List<Group> groups) {
        this.table = table;
        update(groups);
        restore();
    }

    public Counters counters() {
        return counters;
    }

    @Override
    public boolean handles(final Group group) {
        return group.type() == Group.Type.SELECT && Scheduler.supports(group.selectionMethod());
    }

    /** The state of {@code g}: the current one if it is for this very definition, else a new one inheriting it. */
    private SelectGroup stateFor(final Group g) {
        final SelectGroup old = groups.get(g.groupId());
        return old != null && old.group().equals(g) ? old : new SelectGroup(g, old);
    }

    private Backend backend(final int groupId, final int bucketId) {
        final SelectGroup sg = groups.get(groupId);
        return sg == null ? null : sg.backend(bucketId);
    }

    /**
     * Publishes new group definitions: a group whose buckets changed is replaced as a whole, its
     * remaining buckets keeping their connection counts.
     */
    public synchronized void update(final List<Group> definitions) {
        final Map<Integer, SelectGroup> next = new HashMap<>();
        for (Group g : definitions) {
            if (handles(g)) {
                next.put(g.groupId(), stateFor(g));
            }
        }
        groups.clear();
        groups.putAll(next);
    }

    @Override
    public synchronized Bucket select(final Group group, final long[] flow, final long[] wc, final List<Claim> claims) {
        // A translation may run against a pipeline version this balancer has not been told about yet.
        final SelectGroup sg = stateFor(group);
        groups.put(group.groupId(), sg);
        if (!FlowKey.isIp(flow, 0)) {
            final Backend b = sg.schedule();
            if (b == null) {
                counters.noUsableBucket.increment();
            }
            return b == null ? null : b.bucket();
        }
        final ConnectionKey key = ConnectionKey.of(group.groupId(), flow, wc);
        final ConnectionTable.Entry entry = table.get(key);
        if (entry != null) {
            final Backend b = sg.backend(entry.bucketId());
            if (b != null) {
                counters.kept.increment();
                claims.add(new ConnectionClaim(key, b.bucketId(), entry.active()));
                return b.bucket();
            }
            // Its bucket is gone: the connection ends here and is scheduled again.
            if (table.remove(key, entry)) {
                orphans -= entry.holder() == 0 ? 1 : 0;
                counters.ended.increment();
            }
        }
        final Backend b = sg.schedule();
        if (b == null) {
            counters.noUsableBucket.increment();
            return null;
        }
        counters.scheduled.increment();
        claims.add(new ConnectionClaim(key, b.bucketId(), midStream(flow)));
        return b.bucket();
    }

    /** A TCP packet with ACK and without SYN belongs to an established connection. */
    private static boolean midStream(final long[] flow) {
        final int flags = FlowKey.tcpFlags(flow, 0);
        return FlowKey.nwProto(flow, 0) == FlowKey.IPPROTO_TCP && (flags & TCP_ACK) != 0 && (flags & TCP_SYN) == 0;
    }

    /**
     * Makes the choices of its translation real for the ukey that installs its flow. Call while
     * holding the new ukey's lock, before it is installed.
     */
    public void commit(final Ukey ukey) {
        final List<Claim> claims = ukey.xlate().claims();
        if (claims.isEmpty()) {
            return;
        }
        final List<ConnectionClaim> held = new ArrayList<>(claims.size());
        final long holder;
        synchronized (this) {
            // Not the ufid: a replacing ukey has the same ufid as the one it replaces.
            holder = ++lastHolder;
            final long now = System.currentTimeMillis();
            // What this commit changed, to put back if a later claim fails (the table may refuse a put).
            final List<Runnable> undo = new ArrayList<>();
            try {
                for (Claim c : claims) {
                    if (!(c instanceof ConnectionClaim cc)) {
                        continue;
                    }
                    final Backend b = backend(cc.key().groupId(), cc.bucketId());
                    if (b == null) {
                        continue; // the group changed since translation; the flow will be revalidated
                    }
                    final ConnectionTable.Entry old = table.get(cc.key());
                    if (old == null || old.bucketId() != cc.bucketId()) {
                        // The entry first: counts follow only what the table holds.
                        table.put(cc.key(), new ConnectionTable.Entry(cc.bucketId(), cc.active(), now, holder));
                        if (old != null) {
                            release(cc.key(), old);
                        }
                        b.add(cc.active());
                        undo.add(() -> {
                            b.remove(cc.active());
                            if (old == null) {
                                table.remove(cc.key(), table.get(cc.key()));
                            } else {
                                table.put(cc.key(), old);
                                final Backend was = backend(cc.key().groupId(), old.bucketId());
                                if (was != null) {
                                    was.add(old.active());
                                }
                            }
                        });
                    } else {
                        // The same connection set up again (its flow was replaced, or after a restart).
                        table.put(cc.key(), new ConnectionTable.Entry(old.bucketId(), old.active(), now, holder));
                        undo.add(() -> table.put(cc.key(), old));
                    }
                    if (old != null && old.holder() == 0) {
                        orphans--; // a restored connection's first packet since the restart
                        undo.add(() -> orphans++);
                    }
                    held.add(cc);
                }
            } catch (RuntimeException e) {
                for (int i = undo.size() - 1; i >= 0; i--) {
                    undo.get(i).run();
                }
                throw e;
            }
        }
        if (!held.isEmpty()) {
            ukey.onFinish(new Held(held, holder));
        }
    }

    /** The ukey holding these connections is finished: they end, unless a newer ukey holds them. */
    private synchronized void end(final Held held) {
        for (ConnectionKey key : held.keys) {
            final ConnectionTable.Entry e = table.get(key);
            if (e != null && e.holder() == held.holder && table.remove(key, e)) {
                release(key, e);
                counters.ended.increment();
            }
        }
    }

    private void release(final ConnectionKey key, final ConnectionTable.Entry e) {
        final Backend b = backend(key.groupId(), e.bucketId());
        if (b != null) {
            b.remove(e.active());
        }
    }

    /**
     * What a revalidator learns from a flow that carries connections: an ACK makes an inactive
     * TCP connection active; FIN or RST ends it.
     *
     * @return true if the flow's connection ended and the flow should be deleted
     */
    public boolean track(final Ukey ukey) {
        if (!(ukey.finisher() instanceof Held held)) {
            return false;
        }
        final int flags = ukey.flow().tcpFlags();
        if ((flags & (TCP_FIN | TCP_RST)) != 0) {
            if (held.anyTcp()) {
                counters.endedByFlags.increment();
                return true;
            }
            return false;
        }
        if ((flags & TCP_ACK) == 0) {
            return false;
        }
        for (int j = 0; j < held.keys.length; j++) {
            // Once per connection: later rounds see the flag and skip the table.
            if (!held.active[j] && held.keys[j].proto() == FlowKey.IPPROTO_TCP) {
                held.active[j] = true;
                activate(held.keys[j]);
            }
        }
        return false;
    }

    private synchronized void activate(final ConnectionKey key) {
        final ConnectionTable.Entry e = table.get(key);
        if (e == null || e.active()) {
            return;
        }
        table.put(key, new ConnectionTable.Entry(e.bucketId(), true, System.currentTimeMillis(), e.holder()));
        final Backend b = backend(key.groupId(), e.bucketId());
        if (b != null) {
            b.activate();
        }
    }

    /**
     * Counts the connections a previous run left in the table: each keeps its bucket, held by no
     * flow until its next packet; those whose group or bucket no longer exists are dropped.
     */
    private synchronized void restore() {
        final long now = System.currentTimeMillis();
        final List<ConnectionKey> stale = new ArrayList<>();
        final Map<ConnectionKey, ConnectionTable.Entry> orphaned = new HashMap<>();
        table.forEach((key, e) -> {
            final SelectGroup sg = groups.get(key.groupId());
            if (sg == null || sg.backend(e.bucketId()) == null) {
                stale.add(key);
            } else {
                orphaned.put(key, e);
            }
        });
        for (ConnectionKey key : stale) {
            final ConnectionTable.Entry e = table.get(key);
            if (e != null && table.remove(key, e)) {
                counters.staleDropped.increment();
            }
        }
        orphaned.forEach((key, e) -> {
            groups.get(key.groupId()).backend(e.bucketId()).add(e.active());
            // The orphan clock starts now: the connection has max-idle to show up again.
            table.put(key, new ConnectionTable.Entry(e.bucketId(), e.active(), now, 0));
            counters.restored.increment();
        });
        orphans = orphaned.size();
        if (!stale.isEmpty() || !orphaned.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "connection table: restored " + orphaned.size()
                    + " connection(s), dropped " + stale.size() + " whose group or bucket no longer exists");
        }
    }

    /** Ends restored connections that no packet has claimed for {@code idleMillis}. */
    public synchronized int expireOrphans(final long nowMillis, final long idleMillis) {
        if (orphans <= 0) {
            return 0; // the usual case: no walk over the table
        }
        final List<ConnectionKey> expired = new ArrayList<>();
        table.forEach((key, e) -> {
            if (e.holder() == 0 && nowMillis - e.lastSeenMillis() > idleMillis) {
                expired.add(key);
            }
        });
        int n = 0;
        for (ConnectionKey key : expired) {
            final ConnectionTable.Entry e = table.get(key);
            if (e != null && e.holder() == 0 && table.remove(key, e)) {
                release(key, e);
                counters.orphansExpired.increment();
                orphans--;
                n++;
            }
        }
        return n;
    }

    /** Active and inactive connections of a bucket (0 if there is no such group or bucket). */
    public synchronized int[] connections(final int groupId, final int bucketId) {
        final Backend b = backend(groupId, bucketId);
        return b == null ? new int[2] : new int[] {b.active(), b.inactive()};
    }

    /** {@code lb/show}: every scheduled group, its buckets' connections and overload state. */
    public synchronized String show() {
        final StringBuilder s = new StringBuilder();
        groups.keySet().stream().sorted().forEach(id -> {
            final SelectGroup sg = groups.get(id);
            s.append("group ").append(id).append(" (selection_method=").append(sg.group().selectionMethod())
                    .append("):\n");
            for (Backend b : sg.backends()) {
                s.append("  ").append(b).append('\n');
            }
        });
        s.append("connections in table: ").append(table.size()).append('\n');
        s.append("scheduled ").append(counters.scheduled.sum()).append(", kept ").append(counters.kept.sum())
                .append(", no usable bucket ").append(counters.noUsableBucket.sum()).append(", ended ")
                .append(counters.ended.sum()).append(" (FIN/RST ").append(counters.endedByFlags.sum())
                .append("), restored ").append(counters.restored.sum()).append(", stale dropped ")
                .append(counters.staleDropped.sum()).append(", orphans expired ")
                .append(counters.orphansExpired.sum()).append('\n');
        return s.toString();
    }

    @Override
    public void close() {
        table.close();
    }
}
