package io.flowgate.daemon.reconfig;

import io.flowgate.fastpath.port.RxQueue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which PMD polls which receive queue, decided as OVS 3.1 decides it (pmd-rxq-assign):
 * <ol>
 * <li>a queue with a pmd-rxq-affinity core that has a PMD is pinned there, and that PMD polls no
 *     unpinned queue (unless pmd-rxq-isolate=false with group); a core without a PMD gets a
 *     warning and the queue is assigned like the others;</li>
 * <li>the other queues go to the non-isolated PMDs: {@code cycles} (the default) takes them
 *     busiest first and deals them over the PMDs up and down (0, 1, 1, 0, 0, 1, …);
 *     {@code roundrobin} deals them in port order; {@code group} gives each to the least loaded
 *     PMD (by measured time, then by fewest queues);</li>
 * <li>with no non-isolated PMD left, a queue is not polled (a warning says so).</li>
 * </ol>
 * A pure function of its input: the queues' affinities and measured load, and the PMDs' cores.
 * The log lines follow OVS's, with Flowgate's measure (nanoseconds, not cycles).
 */
public final class RxqScheduler {
    /** The assignment modes (pmd-rxq-assign). */
    public static final List<String> MODES = List.of("cycles", "roundrobin", "group");

    /** The outcome: the core of each queue (-1: not polled), and what to log. */
    public record Assignment(Map<RxQueue, Integer> cores, List<String> info, List<String> warnings) {
        public int coreOf(final RxQueue q) {
            return cores.getOrDefault(q, -1);
        }
    }

    private RxqScheduler() {
    }

    /**
     * @param queues   every queue to place, in port order
     * @param cores    the PMDs' cores
     * @param mode     cycles, roundrobin or group
     * @param isolate  pinned PMDs poll nothing else (honoured as false only with group)
     */
    public static Assignment assign(final List<RxQueue> queues, final List<Integer> cores, final String mode,
                                    final boolean isolate) {
        final List<Integer> sortedCores = cores.stream().distinct().sorted().toList();
        // The loads once: their owners update them meanwhile, and a sort needs values that hold still.
        final Map<RxQueue, Long> measured = new java.util.IdentityHashMap<>();
        for (RxQueue q : queues) {
            measured.put(q, q.historyBusyNanos());
        }
        final Map<RxQueue, Integer> out = new LinkedHashMap<>();
        final List<String> info = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final Set<Integer> isolated = new HashSet<>();
        final Map<Integer, Long> load = new LinkedHashMap<>();
        final Map<Integer, Integer> count = new LinkedHashMap<>();
        for (int c : sortedCores) {
            load.put(c, 0L);
            count.put(c, 0);
        }
        final boolean isolating = isolate || !mode.equals("group");
        final List<RxQueue> unpinned = new ArrayList<>();
        for (RxQueue q : queues) {
            final int core = q.affinity();
            if (core < 0) {
                unpinned.add(q);
            } else if (!load.containsKey(core)) {
                warnings.add(String.format("Core %2d cannot be pinned with port '%s' rx queue %d. Use pmd-cpu-mask to"
                        + " enable a pmd on core %d. An alternative core will be assigned.", core, q.port().name(),
                        q.id(), core));
                unpinned.add(q);
            } else {
                out.put(q, core);
                load.merge(core, measured.get(q), Long::sum);
                count.merge(core, 1, Integer::sum);
                if (isolating) {
                    isolated.add(core);
                }
                info.add(String.format("Core %2d on numa node 0 is pinned with port '%s' rx queue %d (measured processing"
                        + " time %d ns)", core, q.port().name(), q.id(), measured.get(q)));
            }
        }
        final List<Integer> free = sortedCores.stream().filter(c -> !isolated.contains(c)).toList();
        final List<RxQueue> order = new ArrayList<>(unpinned);
        if (mode.equals("cycles") || mode.equals("group")) {
            order.sort(Comparator.comparingLong((RxQueue q) -> measured.get(q)).reversed());
        }
        if (!order.isEmpty()) {
            info.add("Performing pmd to rx queue assignment using " + mode + " algorithm.");
        }
        for (int k = 0; k < order.size(); k++) {
            final RxQueue q = order.get(k);
            if (free.isEmpty()) {
                warnings.add(String.format("No non-isolated pmd on any numa available for port '%s' rx queue %d"
                        + " (measured processing time %d ns). This rx queue will not be polled.", q.port().name(),
                        q.id(), measured.get(q)));
                out.put(q, -1);
                continue;
            }
            final int core = switch (mode) {
                case "roundrobin" -> free.get(k % free.size());
                case "group" -> free.stream().min(Comparator.<Integer>comparingLong(load::get)
                        .thenComparingInt(count::get).thenComparingInt(c -> c)).orElseThrow();
                default -> {
                    final int n = free.size();
                    final int pos = k % (2 * n);
                    yield free.get(pos < n ? pos : 2 * n - 1 - pos);
                }
            };
            out.put(q, core);
            load.merge(core, measured.get(q), Long::sum);
            count.merge(core, 1, Integer::sum);
            info.add(String.format("Core %2d on numa node 0 assigned port '%s' rx queue %d%s", core, q.port().name(),
                    q.id(), mode.equals("roundrobin") ? "." : " (measured processing time " + measured.get(q)
                            + " ns)."));
        }
        return new Assignment(out, info, warnings);
    }

    /** The cores whose PMD polls a pinned queue and so nothing else. */
    public static Set<Integer> isolatedCores(final List<RxQueue> queues, final List<Integer> cores,
                                             final String mode, final boolean isolate) {
        final Set<Integer> out = new HashSet<>();
        if (!isolate && mode.equals("group")) {
            return out;
        }
        for (RxQueue q : queues) {
            if (q.affinity() >= 0 && cores.contains(q.affinity())) {
                out.add(q.affinity());
            }
        }
        return out;
    }
}
