package io.flowgate.bench;

import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.slowpath.lb.ConnectionTable;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.xlate.GroupSelector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Rates of the connection table as the slow path uses it, in memory and written through to a
 * Chronicle Map file ({@code --state-dir}): new connections (a SYN scheduled on an hprio group
 * and entered), lookups of known connections by a handler (a packet of the connection: found,
 * state moved) and by a revalidator (found, nothing scheduled), and the time to open the table,
 * empty and with the connections in it (a restart). Each figure is the median of the rounds.
 *
 * <pre>ci/bench --main ConnectionTableRates [CONNECTIONS] [ROUNDS]</pre>
 */
public final class ConnectionTableRates {
    private static final String GROUP = "group_id=1,type=select,selection_method=hprio,"
            + "bucket=bucket_id:1,weight:5,actions=output:2,bucket=bucket_id:2,weight:5,actions=output:3,"
            + "bucket=bucket_id:3,weight:1,actions=output:4";

    private ConnectionTableRates() {
    }

    public static void main(final String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final Group group = GroupSyntax.parseGroup("bench", 1, GROUP);
        final long[][] syn = keys(n, 0x02);
        final long[][] ack = keys(n, 0x10);
        final long capacity = 2L * n;
        for (boolean persisted : new boolean[] {false, true}) {
            final List<double[]> results = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                final Path dir = Files.createTempDirectory("flowgate-conn-bench");
                try {
                    results.add(round(group, syn, ack, capacity, persisted ? dir : null));
                } finally {
                    delete(dir);
                }
            }
            System.out.printf("%s, %,d connections, median of %d rounds:%n", persisted ? "persisted (Chronicle Map file)"
                    : "in memory", n, rounds);
            System.out.printf("  open, empty, first time:    %8.1f ms (classes loaded and generated)%n", results.getFirst()[0]);
            System.out.printf("  open, empty:                %8.1f ms%n", median(results, 0));
            System.out.printf("  new connections:            %8.0f k/s%n", median(results, 1) / 1e3);
            System.out.printf("  lookups by a handler:       %8.0f k/s%n", median(results, 2) / 1e3);
            System.out.printf("  lookups by a revalidator:   %8.0f k/s%n", median(results, 3) / 1e3);
            if (persisted) {
                System.out.printf("  reopen with them (restart): %8.1f ms%n", median(results, 4));
            }
        }
    }

    /** One round: open, n new connections, n handler lookups, n revalidator lookups, (reopen). */
    private static double[] round(final Group group, final long[][] syn, final long[][] ack, final long capacity,
                                  final Path dir) throws Exception {
        final double[] r = new double[5];
        final long[] wc = new long[FlowKey.WORDS];
        final List<GroupSelector.Claim> claims = new ArrayList<>();
        long t0 = System.nanoTime();
        final ConnectionTable table = dir == null ? ConnectionTable.inMemory(capacity) : ConnectionTable.open(dir, capacity);
        final LoadBalancer lb = new LoadBalancer(table, List.of(group), 1);
        r[0] = (System.nanoTime() - t0) / 1e6;
        try {
            r[1] = rate(lb, group, syn, wc, claims, true);
            r[2] = rate(lb, group, ack, wc, claims, true);
            r[3] = rate(lb, group, ack, wc, claims, false);
            if (table.size() != syn.length) {
                throw new IllegalStateException(table.size() + " connections in the table, not " + syn.length);
            }
        } finally {
            table.close();
        }
        if (dir != null) {
            t0 = System.nanoTime();
            try (ConnectionTable again = ConnectionTable.open(dir, capacity)) {
                final LoadBalancer restored = new LoadBalancer(again, List.of(group), 1);
                r[4] = (System.nanoTime() - t0) / 1e6;
                if (again.size() != syn.length || restored.countMismatches().size() != 0) {
                    throw new IllegalStateException("restored " + again.size() + " of " + syn.length);
                }
            }
        }
        return r;
    }

    private static double rate(final LoadBalancer lb, final Group group, final long[][] keys, final long[] wc,
                               final List<GroupSelector.Claim> claims, final boolean schedule) {
        final long t0 = System.nanoTime();
        for (long[] key : keys) {
            claims.clear();
            if (lb.select(group, 1, key, wc, claims, schedule) == null) {
                throw new IllegalStateException("no bucket for a connection");
            }
        }
        return keys.length / ((System.nanoTime() - t0) / 1e9);
    }

    /** {@code n} TCP connections to one service, from distinct addresses and ports, with {@code flags}. */
    private static long[][] keys(final int n, final int flags) {
        final long[] base = Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", "192.168.0.1").tcp(1024, 80, flags)
                .build(), 1).key();
        final long[][] keys = new long[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = base.clone();
            FlowField.NW_SRC.set(keys[i], 0x0A00_0000L | (i & 0xFF_FFFF));
            FlowField.TP_SRC.set(keys[i], 1024 + (i % 50_000));
        }
        return keys;
    }

    private static double median(final List<double[]> results, final int column) {
        final double[] v = results.stream().mapToDouble(r -> r[column]).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static void delete(final Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
