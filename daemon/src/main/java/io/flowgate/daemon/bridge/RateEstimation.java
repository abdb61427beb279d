package io.flowgate.daemon.bridge;

import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.pmd.PmdStats.PortField;
import io.flowgate.fastpath.port.Port;
import io.flowgate.revalidator.estimator.Estimator;
import io.flowgate.revalidator.estimator.EstimatorSettings;
import io.flowgate.revalidator.estimator.Estimators;
import io.flowgate.revalidator.estimator.Rates;
import io.flowgate.revalidator.estimator.StatsSource;
import io.flowgate.slowpath.lb.LoadBalancer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The datapath's stats objects and their rate estimators: each port (received = in, sent = out),
 * the datapath as a whole, and each select group that keeps connections with its buckets (as
 * IPVS's services and real servers: connections scheduled, packets and bytes towards the backend
 * and back). Every source sums the per-PMD counters, the retired PMDs' included, without
 * allocating; group and bucket estimators follow the groups as they change.
 */
public final class RateEstimation implements AutoCloseable {
    private final List<Port> ports;
    private final LoadBalancer lb;
    private final Estimators estimators;
    /**
     * The counters of every PMD there has been, retired ones included (copy on write): sums over
     * them never go down, whatever PMDs come and go.
     */
    private volatile PmdStats[] everyPmd = new PmdStats[0];
    private final List<Estimator> portEstimators = new ArrayList<>();
    private final Estimator total;
    /** Bucket estimators by (group, bucket), and group estimators by group. */
    private final Map<Long, Estimator> buckets = new HashMap<>();
    private final Map<Integer, Estimator> groups = new HashMap<>();
    /** Each group's buckets' stats slots, read by its estimator (replaced whole when they change). */
    private final Map<Integer, java.util.concurrent.atomic.AtomicReference<int[][]>> groupSlots = new HashMap<>();

    RateEstimation(final List<Port> ports, final LoadBalancer lb, final EstimatorSettings settings,
                   final int counters) throws InterruptedException {
        this.ports = ports;
        this.lb = lb;
        this.estimators = Estimators.start(settings, counters);
        for (int i = 0; i < ports.size(); i++) {
            final int slot = i;
            final Estimator e = new Estimator("port " + Integer.toUnsignedString(ports.get(i).number()), into -> {
                into[StatsSource.CONNS] = 0;
                into[StatsSource.IN_PACKETS] = port(PortField.RX_PACKETS, slot);
                into[StatsSource.OUT_PACKETS] = port(PortField.TX_PACKETS, slot);
                into[StatsSource.IN_BYTES] = port(PortField.RX_BYTES, slot);
                into[StatsSource.OUT_BYTES] = port(PortField.TX_BYTES, slot);
            });
            portEstimators.add(e);
        }
        total = new Estimator("datapath", into -> {
            into[StatsSource.CONNS] = 0;
            into[StatsSource.IN_PACKETS] = allPorts(PortField.RX_PACKETS);
            into[StatsSource.OUT_PACKETS] = allPorts(PortField.TX_PACKETS);
            into[StatsSource.IN_BYTES] = allPorts(PortField.RX_BYTES);
            into[StatsSource.OUT_BYTES] = allPorts(PortField.TX_BYTES);
        });
    }

    /** Starts estimating the ports, the datapath and the groups there are now. */
    void start() {
        portEstimators.forEach(estimators::add);
        estimators.add(total);
        syncGroups();
    }

    public Estimators estimators() {
        return estimators;
    }

    private long port(final PortField field, final int slot) {
        long n = 0;
        for (PmdStats p : everyPmd) {
            n += p.port(field, slot);
        }
        return n;
    }

    private long allPorts(final PortField field) {
        long n = 0;
        for (int i = 0; i < ports.size(); i++) {
            n += port(field, i);
        }
        return n;
    }

    private long slot(final int slot, final boolean bytes) {
        if (slot < 0) {
            return 0;
        }
        long n = 0;
        for (PmdStats p : everyPmd) {
            n += p.slot(slot, bytes);
        }
        return n;
    }

    /** Adds a bucket's totals, from its two stats slots (towards it, back from it), to {@code into}. */
    private void addBucket(final int in, final int out, final long[] into) {
        into[StatsSource.CONNS] += lb.connectionsScheduled(in);
        into[StatsSource.IN_PACKETS] += slot(in, false);
        into[StatsSource.OUT_PACKETS] += slot(out, false);
        into[StatsSource.IN_BYTES] += slot(in, true);
        into[StatsSource.OUT_BYTES] += slot(out, true);
    }

    /** A PMD starts: its counters join the sums, for good (a retired PMD's counts stay in them). */
    synchronized void pmdStarted(final PmdStats stats) {
        final PmdStats[] now = java.util.Arrays.copyOf(everyPmd, everyPmd.length + 1);
        now[now.length - 1] = stats;
        everyPmd = now;
    }

    /**
     * Follows the select groups: an estimator for every bucket that keeps connections and for its
     * group; those of buckets and groups that are gone stop.
     */
    public synchronized void syncGroups() {
        final Map<Integer, List<int[]>> now = new TreeMap<>();
        for (int[] gb : lb.bucketIds()) {
            now.computeIfAbsent(gb[0], k -> new ArrayList<>()).add(gb);
        }
        final Map<Long, Estimator> keep = new HashMap<>();
        now.forEach((group, list) -> {
            final int[][] slots = new int[list.size()][];
            for (int i = 0; i < list.size(); i++) {
                final int bucket = list.get(i)[1];
                final int in = lb.statsSlot(group, bucket, false);
                final int out = lb.statsSlot(group, bucket, true);
                slots[i] = new int[] {in, out};
                final long key = ((long) group << 32) | (bucket & 0xFFFF_FFFFL);
                Estimator e = buckets.remove(key);
                if (e == null) {
                    e = new Estimator("group " + group + " bucket " + bucket, into -> {
                        java.util.Arrays.fill(into, 0, StatsSource.FIELDS, 0L);
                        addBucket(in, out, into);
                    });
                    estimators.add(e);
                }
                keep.put(key, e);
            }
            final var holder = groupSlots.computeIfAbsent(group,
                    k -> new java.util.concurrent.atomic.AtomicReference<>(new int[0][]));
            holder.set(union(holder.get(), slots));
            if (!groups.containsKey(group)) {
                final Estimator g = new Estimator("group " + group, into -> {
                    java.util.Arrays.fill(into, 0, StatsSource.FIELDS, 0L);
                    for (int[] s : holder.get()) {
                        addBucket(s[0], s[1], into);
                    }
                });
                groups.put(group, g);
                estimators.add(g);
            }
        });
        buckets.values().forEach(estimators::remove);
        buckets.clear();
        buckets.putAll(keep);
        groups.entrySet().removeIf(e -> {
            if (!now.containsKey(e.getKey())) {
                estimators.remove(e.getValue());
                groupSlots.remove(e.getKey());
                return true;
            }
            return false;
        });
    }

    /**
     * A group's buckets' slots so far and now: a group counts what went to buckets it no longer
     * has too, so its totals never go down (and a bucket added back is not counted twice).
     */
    private static int[][] union(final int[][] before, final int[][] now) {
        final List<int[]> all = new ArrayList<>(java.util.Arrays.asList(before));
        for (int[] s : now) {
            boolean known = false;
            for (int[] b : before) {
                known |= b[0] == s[0] && b[1] == s[1];
            }
            if (!known) {
                all.add(s);
            }
        }
        return all.toArray(new int[0][]);
    }

    public Rates port(final int slot) {
        return portEstimators.get(slot).rates();
    }

    public Rates total() {
        return total.rates();
    }

    /** A group's rates, or null if it keeps no connections. */
    public synchronized Rates group(final int group) {
        final Estimator e = groups.get(group);
        return e == null ? null : e.rates();
    }

    public synchronized Rates bucket(final int group, final int bucket) {
        final Estimator e = buckets.get(((long) group << 32) | (bucket & 0xFFFF_FFFFL));
        return e == null ? null : e.rates();
    }

    @Override
    public void close() {
        estimators.close();
    }
}
