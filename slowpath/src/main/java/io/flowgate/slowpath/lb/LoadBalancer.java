package io.flowgate.slowpath.lb;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.lb.ConnState.Direction;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ukey.Ukey;
import io.flowgate.slowpath.xlate.GroupSelector;
import io.flowgate.slowpath.xlate.XlateResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connections through select groups with {@code selection_method=hprio}, {@code wrr}, {@code rr}
 * or {@code maglev} (hash groups stay stateless in {@link io.flowgate.slowpath.xlate.Xlate}),
 * after Linux IPVS. The {@link ConnectionTable} is the truth; datapath flows are only a cache of it.
 *
 * <p>The packet's way: a handler translating a miss reaches a select group and asks
 * {@link #select}. A connection the table knows (in either direction) goes to its bucket, and the
 * packet's TCP flags move its state; an unknown one is scheduled (the group's scheduler, or its
 * Maglev table) and enters the table. Either way the 5-tuple is un-wildcarded, so the megaflow is
 * one exact connection direction carrying its bucket's actions. Deleting, idling out or replacing
 * that flow does not end the connection: its next miss finds it again.
 *
 * <p>Revalidators never schedule. Each round, {@link #track} gives the table what a connection's
 * flows saw (new TCP flags, the last packet's time) and says to delete a flow whose connection has
 * ended; {@link #expire} ends connections idle for their state's timeout (IPVS's, unless set), which
 * releases their count then, once. Counts per bucket (active = ESTABLISHED, inactive = the rest)
 * follow the entries one for one; group state is kept by group and bucket id, whatever pipeline
 * version a translation runs against ({@link SelectGroup}).
 *
 * <p>One lock guards the table, the counts and the group states: connection set-up is the slow
 * path, and one lock keeps "count" and "table" in step without ordering rules. That lock is
 * why this is one file above 400 lines: everything here runs under it, and split up, which
 * method takes it and which expects it held would be a rule to remember across files.
 */
public final class LoadBalancer implements GroupSelector, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("lb");
    /** The last-seen time is written to the file when it moved this much (or a quarter of the timeout). */
    private static final long PERSIST_GRANULARITY_MILLIS = 1000;
    private static final int TCP_ACK = 0x10;

    /** Counters for {@code lb/show} and the coverage counters. */
    public static final class Counters {
        public final LongAdder scheduled = new LongAdder();
        public final LongAdder kept = new LongAdder();
        public final LongAdder replies = new LongAdder();
        public final LongAdder noUsableBucket = new LongAdder();
        public final LongAdder tableFull = new LongAdder();
        public final LongAdder nodestDropped = new LongAdder();
        public final LongAdder expired = new LongAdder();
        public final LongAdder flowsEnded = new LongAdder();
        public final LongAdder restored = new LongAdder();
        public final LongAdder staleDropped = new LongAdder();
        public final LongAdder expiredWhileDown = new LongAdder();
    }

    private static final java.lang.invoke.VarHandle SLOT_CONNS =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    /** Stats slots by (group, bucket, direction): where PMDs count a bucket's packets and bytes. */
    private final Map<SlotKey, Integer> statsSlots = new HashMap<>();

    private record SlotKey(int groupId, int bucketId, Direction direction) {
    }
    /** Connections scheduled, by the bucket's input slot (IPVS's conns counter; written under the lock). */
    private final long[] slotConns = new long[io.flowgate.fastpath.pmd.PmdStats.STATS_SLOTS];

    /** A flow carries this connection in this direction, to this bucket; its packets count into the slot. */
    record ConnectionClaim(ConnectionKey key, int bucketId, Direction direction, int statsSlot) implements Claim {
    }

    /** The packet is dropped and no flow installed. */
    private record Refusal(DropReason reason) implements Claim {
        @Override
        public DropReason refusal() {
            return reason;
        }
    }

    /** Revalidation found no live connection for the flow: delete it. */
    private record Ended(ConnectionKey key) implements Claim {
        @Override
        public boolean ended() {
            return true;
        }
    }

    private record Deadline(long at, Connection connection) {
    }

    private final ConnectionTable table;
    private final Counters counters = new Counters();
    private final Map<Integer, SelectGroup> groups = new HashMap<>();
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>(Comparator.comparingLong(Deadline::at));
    private ConnTimeouts timeouts = ConnTimeouts.defaults();
    private boolean expireNodestConn;

    /**
     * @param table  the connection table (its entries, from a previous run, are restored against
     *               {@code groups})
     * @param groups  the groups of the current pipeline version
     * @param version that version's number
     */
    public LoadBalancer(final ConnectionTable table, final List<Group> groups, final long version) {
        this(table, groups, version, System.currentTimeMillis());
    }

    LoadBalancer(final ConnectionTable table, final List<Group> groups, final long version, final long nowMillis) {
        this.table = table;
        update(groups, version);
        restore(nowMillis);
    }

    public Counters counters() {
        return counters;
    }

    public ConnectionTable table() {
        return table;
    }

    @Override
    public boolean handles(final Group group) {
        return group.type() == Group.Type.SELECT && Scheduler.supports(group.selectionMethod());
    }

    /**
     * Applies the groups of pipeline version {@code version}: groups newer here replace their
     * pools; groups absent are deleted (their connections keep their buckets until they end).
     */
    public synchronized void update(final List<Group> definitions, final long version) {
        final Map<Integer, Group> byId = new HashMap<>();
        for (Group g : definitions) {
            if (handles(g)) {
                byId.put(g.groupId(), g);
            }
        }
        byId.forEach((id, g) -> groups.computeIfAbsent(id, SelectGroup::new).define(g, version));
        for (SelectGroup sg : groups.values()) {
            if (!byId.containsKey(sg.groupId())) {
                sg.delete(version);
            }
        }
    }

    /** The timeouts connections live by. */
    public synchronized ConnTimeouts timeouts() {
        return timeouts;
    }

    /** New timeouts: every connection's deadline moves with them. */
    public synchronized void timeouts(final ConnTimeouts t) {
        timeouts = t;
        deadlines.clear();
        for (Connection c : table.all()) {
            file(c, c.deadline(t));
        }
    }

    /** The global expire_nodest_conn (groups may also set it for themselves). */
    public synchronized boolean expireNodestConn() {
        return expireNodestConn;
    }

    public synchronized void expireNodestConn(final boolean on) {
        expireNodestConn = on;
    }

    private SelectGroup stateFor(final Group group, final long version) {
        SelectGroup sg = groups.get(group.groupId());
        if (sg == null) {
            // A translation against a version this balancer has not been told about yet.
            sg = new SelectGroup(group.groupId());
            groups.put(group.groupId(), sg);
        }
        sg.define(group, version); // no-op unless newer than what was applied
        return sg;
    }

    @Override
    public synchronized Bucket select(final Group group, final long version, final long[] flow, final long[] wc,
                                      final List<Claim> claims, final boolean schedule) {
        final SelectGroup sg = stateFor(group, version);
        if (!FlowKey.isIp(flow, 0)) {
            // Not a connection: scheduled per packet, nothing kept.
            final Backend b = schedule ? sg.schedule(0) : null;
            return b == null ? null : b.bucket();
        }
        final long now = System.currentTimeMillis();
        final int flags = FlowKey.nwProto(flow, 0) == FlowKey.IPPROTO_TCP ? FlowKey.tcpFlags(flow, 0) : 0;
        ConnectionKey key = ConnectionKey.of(group.groupId(), flow, wc);
        Direction direction = Direction.INPUT;
        Connection c = table.get(key);
        if (c == null) {
            final ConnectionKey reverse = key.reverse();
            c = table.get(reverse);
            if (c != null) {
                key = reverse;
                direction = Direction.OUTPUT;
            }
        }
        if (c != null) {
            final Backend b = sg.backend(c.bucketId);
            if (b == null || (b.removed() && sg.expireNodestConn(expireNodestConn))) {
                if (!schedule) {
                    claims.add(new Ended(key));
                    return null;
                }
                // IPVS's expire_nodest_conn: this packet is dropped and the connection ends.
                end(c);
                counters.nodestDropped.increment();
                claims.add(new Refusal(DropReason.NODEST_CONN));
                return null;
            }
            if (schedule) {
                see(c, sg, flags, direction, now);
            }
            (direction == Direction.INPUT ? counters.kept : counters.replies).increment();
            claims.add(new ConnectionClaim(key, c.bucketId, direction, statsSlot(key.groupId(), c.bucketId, direction)));
            return b.bucket();
        }
        if (!schedule) {
            claims.add(new Ended(key)); // revalidators never schedule
            return null;
        }
        if (!table.hasRoom()) {
            counters.tableFull.increment();
            claims.add(new Refusal(DropReason.CONN_TABLE_FULL));
            return null;
        }
        final Backend b = sg.schedule(key.fleetHash());
        if (b == null) {
            counters.noUsableBucket.increment();
            return null;
        }
        c = new Connection(key, b.bucketId(), ConnState.first(key.proto(), flags), false, now);
        table.insert(c);
        b.count(null, c.state);
        file(c, c.deadline(timeouts));
        counters.scheduled.increment();
        final int slot = statsSlot(key.groupId(), b.bucketId(), Direction.INPUT);
        if (slot >= 0) {
            SLOT_CONNS.setOpaque(slotConns, slot, (long) SLOT_CONNS.getOpaque(slotConns, slot) + 1);
        }
        claims.add(new ConnectionClaim(key, b.bucketId(), Direction.INPUT, slot));
        return b.bucket();
    }

    /**
     * The stats slot of a bucket's direction, given out on first use and kept for the balancer's
     * life (a bucket removed and added back counts on where it left off); -1 once all are taken.
     */
    private int statsSlot(final int groupId, final int bucketId, final Direction direction) {
        final SlotKey k = new SlotKey(groupId, bucketId, direction);
        Integer slot = statsSlots.get(k);
        if (slot == null) {
            if (statsSlots.size() >= slotConns.length) {
                return -1;
            }
            slot = statsSlots.size();
            statsSlots.put(k, slot);
        }
        return slot;
    }

    /** The stats slot of bucket {@code bucketId} of group {@code groupId}, towards it or back (given out now if new). */
    public synchronized int statsSlot(final int groupId, final int bucketId, final boolean back) {
        return statsSlot(groupId, bucketId, back ? Direction.OUTPUT : Direction.INPUT);
    }

    /** Connections ever scheduled to the bucket whose input slot is {@code slot} (any thread, opaque). */
    public long connectionsScheduled(final int slot) {
        return slot >= 0 && slot < slotConns.length ? (long) SLOT_CONNS.getOpaque(slotConns, slot) : 0;
    }

    /** (group id, bucket id) of every bucket that keeps connections, removed ones with connections included. */
    public synchronized List<int[]> bucketIds() {
        final List<int[]> out = new ArrayList<>();
        for (SelectGroup sg : groups.values()) {
            for (Backend b : sg.backends()) {
                out.add(new int[] {sg.groupId(), b.bucketId()});
            }
        }
        return out;
    }

    /** A packet of {@code c} with these TCP flags was seen at {@code when} (a miss, or a flow's traffic). */
    private void see(final Connection c, final SelectGroup sg, final int flags, final Direction direction,
                     final long when) {
        final ConnState before = c.state;
        final boolean repliesBefore = c.repliesSeen;
        ConnState from = before;
        if (direction == Direction.OUTPUT && !repliesBefore) {
            c.repliesSeen = true;
            from = before.withRepliesSeen();
        }
        final ConnState after = c.key.proto() == FlowKey.IPPROTO_TCP ? from.next(flags, direction, c.repliesSeen) : from;
        changed(c, sg, before, after, repliesBefore, when);
    }

    private void changed(final Connection c, final SelectGroup sg, final ConnState before, final ConnState after,
                         final boolean repliesBefore, final long when) {
        c.lastSeenMillis = Math.max(c.lastSeenMillis, when);
        if (after != before) {
            c.state = after;
            final Backend b = sg == null ? null : sg.backend(c.bucketId);
            if (b != null) {
                b.count(before, after);
            }
            final long deadline = c.deadline(timeouts);
            if (deadline < c.filedAt) {
                file(c, deadline); // a shorter timeout: the old filing would end it late
            }
        }
        final long granularity = Math.min(PERSIST_GRANULARITY_MILLIS, timeouts.millis(c.state) / 4);
        if (after != before || c.repliesSeen != repliesBefore || c.lastSeenMillis - c.persistedLastSeen >= granularity) {
            table.write(c);
        }
    }

    private void file(final Connection c, final long at) {
        c.filedAt = at;
        deadlines.add(new Deadline(at, c));
    }

    /** Ends a connection: out of the table, its count released (once: only a live one ends). */
    private void end(final Connection c) {
        if (!c.live) {
            return;
        }
        c.live = false;
        table.remove(c);
        final SelectGroup sg = groups.get(c.key.groupId());
        final Backend b = sg == null ? null : sg.backend(c.bucketId);
        if (b != null) {
            b.count(c.state, null);
            if (b.removed()) {
                sg.forgetIdle();
            }
        }
    }

    /**
     * What a revalidator learns from an installed flow each round: its packets since the last
     * round keep its connections alive (their last-seen time is the flow's) and move their state
     * as one more packet of the flow's kind would. A connection's flows are split by the SYN, FIN
     * and RST flags (see {@link ConnectionKey#of}), so each of those packets came up and was seen
     * one by one; what hits a flow afterwards is a retransmission of the same kind, or, on the
     * data flow, ACKs. Call under the ukey's lock.
     *
     * @param newPackets the flow's packets since the last round
     * @return true if a connection the flow carries has ended (or its bucket was removed with
     *         expire_nodest_conn): the flow must be deleted, so that the next packet comes up
     */
    public boolean track(final Ukey ukey, final long newPackets) {
        final List<Claim> claims = ukey.xlate().claims();
        if (claims.isEmpty()) {
            return false;
        }
        final int control = FlowKey.tcpFlags(ukey.key(), 0) & ConnectionKey.CONTROL_FLAGS;
        final int event = newPackets <= 0 ? 0 : control != 0 ? control : ukey.flow().tcpFlags() & TCP_ACK;
        final long used = ukey.flow().usedMillis();
        synchronized (this) {
            for (Claim claim : claims) {
                if (!(claim instanceof ConnectionClaim cc)) {
                    continue;
                }
                final Connection c = table.get(cc.key());
                final SelectGroup sg = groups.get(cc.key().groupId());
                final Backend b = sg == null || c == null ? null : sg.backend(c.bucketId);
                if (c == null || c.bucketId != cc.bucketId() || b == null
                        || (b.removed() && sg.expireNodestConn(expireNodestConn))) {
                    counters.flowsEnded.increment();
                    return true;
                }
                if (c.key.proto() == FlowKey.IPPROTO_TCP && event != 0) {
                    see(c, sg, event, cc.direction(), used);
                } else if (newPackets > 0) {
                    changed(c, sg, c.state, c.state, c.repliesSeen, used);
                }
            }
        }
        return false;
    }

    /**
     * Ends every connection idle for its state's timeout (a revalidator calls this each round).
     *
     * @return the connections ended
     */
    public synchronized int expire(final long nowMillis) {
        int n = 0;
        while (!deadlines.isEmpty() && deadlines.peek().at() <= nowMillis) {
            final Deadline d = deadlines.poll();
            final Connection c = d.connection();
            if (!c.live || d.at() != c.filedAt) {
                continue; // ended already, or filed again since
            }
            final long deadline = c.deadline(timeouts);
            if (deadline > nowMillis) {
                file(c, deadline); // seen since it was filed
                continue;
            }
            end(c);
            counters.expired.increment();
            n++;
        }
        return n;
    }

    /**
     * Counts the connections a previous run left in the table: each keeps its bucket and its state;
     * those whose group or bucket no longer exists, or whose timeout passed while Flowgate was down,
     * are dropped.
     */
    private synchronized void restore(final long nowMillis) {
        final List<Connection> stale = new ArrayList<>();
        int restored = 0;
        for (Connection c : table.all()) {
            final SelectGroup sg = groups.get(c.key.groupId());
            final Backend b = sg == null ? null : sg.backend(c.bucketId);
            if (b == null || b.removed()) {
                counters.staleDropped.increment();
                stale.add(c);
            } else if (c.deadline(timeouts) <= nowMillis) {
                counters.expiredWhileDown.increment();
                stale.add(c);
            } else {
                b.count(null, c.state);
                file(c, c.deadline(timeouts));
                restored++;
            }
        }
        for (Connection c : stale) {
            c.live = false;
            table.remove(c);
        }
        counters.restored.add(restored);
        if (restored > 0 || !stale.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "connection table: restored " + restored + " connection(s), dropped "
                    + stale.size() + " whose group or bucket no longer exists or whose timeout passed");
        }
    }

    /** Active and inactive connections of a bucket (0 if there is no such group or bucket). */
    public synchronized int[] connections(final int groupId, final int bucketId) {
        final SelectGroup sg = groups.get(groupId);
        final Backend b = sg == null ? null : sg.backend(bucketId);
        return b == null ? new int[2] : new int[] {b.active(), b.inactive()};
    }

    /**
     * Where the counts differ from the table's entries (tests and {@code lb/check}): one line per
     * bucket whose active or inactive count is not the number of its entries in that state; empty
     * when they agree.
     */
    public synchronized List<String> countMismatches() {
        final Map<Long, int[]> counted = new HashMap<>();
        for (Connection c : table.all()) {
            final int[] n = counted.computeIfAbsent((long) c.key.groupId() << 32 | (c.bucketId & 0xFFFF_FFFFL),
                    k -> new int[2]);
            n[c.state.active() ? 0 : 1]++;
        }
        final List<String> out = new ArrayList<>();
        for (SelectGroup sg : groups.values()) {
            for (Backend b : sg.backends()) {
                final int[] n = counted.remove((long) sg.groupId() << 32 | (b.bucketId() & 0xFFFF_FFFFL));
                final int active = n == null ? 0 : n[0];
                final int inactive = n == null ? 0 : n[1];
                if (active != b.active() || inactive != b.inactive()) {
                    out.add("group " + sg.groupId() + " bucket " + b.bucketId() + ": counted " + b.active() + "/"
                            + b.inactive() + ", entries " + active + "/" + inactive);
                }
            }
        }
        counted.forEach((k, n) -> out.add("group " + (k >>> 32) + " bucket " + (int) (long) k + ": " + n[0] + "/" + n[1]
                + " entries with no backend"));
        return out;
    }

    /** The bucket id a connection (by its first packet's flow key through {@code groupId}) is on, or -1. */
    public synchronized int bucketOf(final int groupId, final long[] flow) {
        final Connection c = table.get(ConnectionKey.of(groupId, flow, new long[FlowKey.WORDS]));
        return c == null ? -1 : c.bucketId;
    }

    /** {@code lb/show}: every group that keeps connections, its buckets' counts, and the counters. */
    public synchronized String show() {
        final StringBuilder s = new StringBuilder();
        groups.keySet().stream().sorted().forEach(id -> {
            final SelectGroup sg = groups.get(id);
            s.append("group ").append(id).append(" (selection_method=")
                    .append(sg.group() == null ? "?" : sg.group().selectionMethod())
                    .append(sg.expireNodestConn(expireNodestConn) ? ", expire_nodest_conn" : "")
                    .append(sg.deleted() ? ", deleted" : "").append("):\n");
            for (Backend b : sg.backends()) {
                s.append("  ").append(b).append('\n');
            }
        });
        s.append("connections in table: ").append(table.size()).append(" of ").append(table.capacity())
                .append(table.persistent() ? " (persistent" + (table.writeFailures() > 0 ? ", " + table.writeFailures()
                        + " failed writes" : "") + ")" : " (in memory)").append('\n');
        s.append(timeouts.summary()).append('\n');
        s.append("scheduled ").append(counters.scheduled.sum()).append(", kept ").append(counters.kept.sum())
                .append(", replies ").append(counters.replies.sum())
                .append(", no usable bucket ").append(counters.noUsableBucket.sum())
                .append(", table full ").append(counters.tableFull.sum())
                .append(", expired ").append(counters.expired.sum())
                .append(", nodest dropped ").append(counters.nodestDropped.sum())
                .append(", flows of ended connections deleted ").append(counters.flowsEnded.sum()).append('\n');
        s.append("restored ").append(counters.restored.sum()).append(", stale dropped ")
                .append(counters.staleDropped.sum()).append(", expired while down ")
                .append(counters.expiredWhileDown.sum()).append('\n');
        return s.toString();
    }

    /**
     * {@code lb/connections}: every connection, as {@code ipvsadm -Lc} lists them: protocol,
     * seconds until it expires, state, source, destination, group and bucket.
     *
     * @param groupId only this group's, or -1 for all
     */
    public synchronized String listConnections(final int groupId, final long nowMillis) {
        final List<Connection> list = new ArrayList<>();
        for (Connection c : table.all()) {
            if (groupId < 0 || c.key.groupId() == groupId) {
                list.add(c);
            }
        }
        list.sort(Comparator.comparingInt((Connection c) -> c.key.groupId()).thenComparingInt(c -> c.bucketId)
                .thenComparing(c -> c.key.describe()));
        final StringBuilder s = new StringBuilder();
        for (Connection c : list) {
            final long left = Math.max(0, c.deadline(timeouts) - nowMillis);
            s.append(String.format("%s expire %d.%03ds %s group %d bucket %d%s%n", c.key.describe(), left / 1000,
                    left % 1000, c.state.displayName(), c.key.groupId(), c.bucketId,
                    c.repliesSeen ? " (replies seen)" : ""));
        }
        s.append(list.size()).append(" connection(s)\n");
        return s.toString();
    }

    /** The connections a translation result carries, as (group, bucket) pairs: for tests. */
    public static List<int[]> carried(final XlateResult r) {
        final List<int[]> out = new ArrayList<>();
        for (Claim c : r.claims()) {
            if (c instanceof ConnectionClaim cc) {
                out.add(new int[] {cc.key().groupId(), cc.bucketId()});
            }
        }
        return out;
    }

    @Override
    public void close() {
        table.close();
    }
}
