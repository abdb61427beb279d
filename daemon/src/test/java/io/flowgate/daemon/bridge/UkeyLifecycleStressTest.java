package io.flowgate.daemon.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.fastpath.port.RingPort;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.lb.ConnTimeouts;
import io.flowgate.slowpath.lb.LoadBalancer;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.ukey.UkeyState;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

/**
 * Everything at once, for a minute (longer with {@code -Dflowgate.stress.seconds=N}): 2 PMDs on
 * four ring ports, 2 handlers, 2 revalidators with a 1 s max-idle; traffic over 50,000 flows
 * whose population keeps changing, so flows are set up and expire all the time; a rule replaced
 * or a narrowing rule added or removed every 100 ms. Among the traffic, TCP connections that open,
 * carry data, close and open again through the seed's hprio select group (three weight-5 buckets
 * with thresholds 50/20, a weight-1 spill-over), whose buckets are removed and added back as the
 * rules change, with short connection timeouts so that connections end all the time.
 *
 * <p>Every 100 ms: each bucket's counts equal its entries in the connection table, and no bucket
 * holds more connections than its upper threshold. At the end, exactly: every packet received
 * was sent or dropped for a counted reason; the statistics of all rules ever installed add up to
 * the packets classified; every ukey is live or was finished once; nothing moved backwards.
 */
class UkeyLifecycleStressTest {
    private static final int PORTS = 4;
    private static final int FLOWS = 50_000;
    private static final long SECONDS = Long.getLong("flowgate.stress.seconds", 60);
    private static final int UPPER = 50;
    private static final int CONNECTIONS_PER_PORT = 300;

    /**
     * A host table that makes megaflows fine-grained (1,024 /32 source rules per port: prefix
     * tracking then needs about 26 bits of nw_src to rule them out, so thousands of megaflows),
     * plus routing rules that change with the generation.
     */
    private static String hostRules() {
        final StringBuilder s = new StringBuilder();
        for (int p = 1; p <= PORTS; p++) {
            for (int a = 0; a < 256; a++) {
                for (int b = 0; b < 256; b += 64) {
                    s.append("priority=3,udp,nw_src=10.").append(p).append('.').append(a).append('.').append(b)
                            .append(",actions=output:").append(1 + p % PORTS).append('\n');
                }
            }
        }
        return s.toString();
    }

    /** The seed's hprio group, with buckets taken out and put back as the generations go. */
    private static String group(final int generation) {
        final StringBuilder s = new StringBuilder("group_id=1,type=select,selection_method=hprio");
        for (int b = 1; b <= 3; b++) {
            if (!(generation % 4 == 1 && b == 2)) {
                s.append(",bucket=bucket_id:").append(b).append(",weight:5,upper_threshold:").append(UPPER)
                        .append(",lower_threshold:20,actions=output:").append(b);
            }
        }
        if (generation % 4 != 2) {
            s.append(",bucket=bucket_id:4,weight:1,actions=output:4");
        }
        return s.toString();
    }

    /** Generation g's routing: one port's rules move every 100 ms; a narrowing drop rule comes and goes. */
    private static String routingRules(final int generation) {
        final StringBuilder s = new StringBuilder("priority=10,tcp,actions=group:1\n");
        for (int p = 1; p <= PORTS; p++) {
            final int shift = p == 1 + generation % PORTS ? generation : 0;
            // Output to the input port is dropped, as OpenFlow says.
            s.append("priority=2,udp,in_port=").append(p).append(",tp_dst=0x0/0x1,actions=output:")
                    .append(1 + (p + shift) % PORTS).append('\n');
            s.append("priority=2,udp,in_port=").append(p).append(",tp_dst=0x1/0x1,actions=output:")
                    .append(1 + (p + shift + 1) % PORTS).append('\n');
        }
        s.append("priority=1,ip,actions=drop\n");
        if (generation % 3 == 0) {
            s.append("priority=5,udp,tp_src=0x400/0x400,actions=drop\n");
        }
        return s.toString();
    }

    @Test
    void ukeysAndStatisticsStayExactUnderChurn() throws Exception {
        final List<PortSpec> specs = new ArrayList<>();
        for (int p = 1; p <= PORTS; p++) {
            specs.add(PortSpec.parse(p, "ring:s" + p));
        }
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final ConcurrentLinkedQueue<Rule> everyRule = new ConcurrentLinkedQueue<>();
        final AtomicInteger generation = new AtomicInteger();
        final List<Rule> hosts = FlowSyntax.parseFlows("hosts", hostRules(), System.currentTimeMillis());
        everyRule.addAll(hosts);
        pipeline.apply(e -> hosts.forEach(e::addRule));
        applyRules(pipeline, everyRule, 0);
        final BridgeConfig config = BridgeConfig.of(specs, null, false).with(c -> {
            c.pmds = 2;
            c.handlers = 2;
            c.revalidation = new RevalidatorSettings(2, 1_000, 5);
        });
        final LongAdder finishedByHook = new LongAdder();
        try (Bridge dp = new Bridge(config, pipeline)) {
            final UkeyMap ukeys = dp.ukeys();
            ukeys.onFinish(u -> finishedByHook.increment());
            final RingPort[] ring = new RingPort[PORTS + 1];
            for (Port p : dp.ports()) {
                ring[p.number()] = (RingPort) p;
            }
            // Connections end within a second or two of their last packet, so counts go up and down.
            dp.loadBalancer().timeouts(ConnTimeouts.defaults().with(
                    "tcp=2,tcpfin=0.5,time_wait=0.5,close=0.2,close_wait=0.5,last_ack=0.5,syn_recv=1,none=0.2"));
            dp.start();
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
            final CountDownLatch stopped = new CountDownLatch(PORTS + 3);
            final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            final LongAdder checks = new LongAdder();
            final int[] peak = new int[5];
            final List<Thread> threads = new ArrayList<>();
            for (int p = 1; p <= PORTS; p++) {
                final int port = p;
                threads.add(Thread.ofPlatform().name("feeder" + p).start(() -> {
                    feed(ring[port], port, end);
                    stopped.countDown();
                }));
            }
            threads.add(Thread.ofPlatform().name("drainer").start(() -> {
                while (stopped.getCount() > 1) {
                    for (int p = 1; p <= PORTS; p++) {
                        ring[p].drainTransmitted(f -> { }, Integer.MAX_VALUE);
                    }
                    Thread.onSpinWait();
                }
                stopped.countDown();
            }));
            threads.add(Thread.ofPlatform().name("connection-checker").start(() -> {
                final LoadBalancer lb = dp.loadBalancer();
                while (System.nanoTime() < end) {
                    sleep(100);
                    problems.addAll(lb.countMismatches());
                    for (int b = 1; b <= 3; b++) {
                        final int[] c = lb.connections(1, b);
                        peak[b] = Math.max(peak[b], c[0] + c[1]);
                        if (c[0] + c[1] > UPPER) {
                            problems.add("bucket " + b + " holds " + (c[0] + c[1]) + " connections, above " + UPPER);
                        }
                    }
                    checks.increment();
                }
                stopped.countDown();
            }));
            threads.add(Thread.ofPlatform().name("rule-changer").start(() -> {
                while (System.nanoTime() < end) {
                    sleep(100);
                    applyRules(pipeline, everyRule, generation.incrementAndGet());
                }
                stopped.countDown();
            }));
            for (Thread t : threads) {
                t.join();
            }
            // Quiesce: everything received has been through the PMDs and every upcall answered.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                final Bridge.Totals t = dp.totals();
                boolean idle = t.get(PmdCounter.MISSES) == t.get(PmdCounter.PACKET_OUTS);
                for (int p = 1; p <= PORTS; p++) {
                    idle &= ring[p].pendingRx() == 0;
                }
                if (idle && t.get(PmdCounter.TX_PACKETS) + t.drops() == t.get(PmdCounter.RX_PACKETS)) {
                    break;
                }
                Thread.sleep(10);
            }
            dp.revalidators().awaitRound(30, TimeUnit.SECONDS);
            dp.revalidators().awaitRound(30, TimeUnit.SECONDS);

            final Bridge.Totals t = dp.totals();
            final long rx = t.get(PmdCounter.RX_PACKETS);
            System.out.printf("stress %d s: %,d packets, %,d upcalls (%,d lost), %,d ukeys created, %,d finished,"
                            + " %,d live, %,d rule generations, revalidator %s%n", SECONDS, rx,
                    t.get(PmdCounter.MISSES), t.get(PmdCounter.LOST_UPCALLS), ukeys.counters().created(),
                    ukeys.counters().finished(), ukeys.size(), generation.get(), dp.revalidators().counters());
            System.out.printf("connections: %d checks, bucket peaks %d/%d/%d, %s", checks.sum(), peak[1], peak[2],
                    peak[3], dp.loadBalancer().show());
            assertTrue(rx > 100_000, "enough traffic to mean something: " + rx);
            assertTrue(checks.sum() >= SECONDS * 5, "checked every 100 ms or so: " + checks.sum());
            assertEquals(List.of(), List.copyOf(problems), "counts = entries, thresholds held, at every check");
            assertEquals(List.of(), dp.loadBalancer().countMismatches());
            assertTrue(dp.loadBalancer().counters().scheduled.sum() > 1000, "connections came and went");
            assertTrue(dp.loadBalancer().counters().expired.sum() > 1000, "and ended");
            assertEquals(rx, t.get(PmdCounter.TX_PACKETS) + t.drops(), "packets in = packets out + counted drops");
            long rulePackets = 0;
            for (Rule r : everyRule) {
                rulePackets += r.stats().packets();
            }
            final long classified = rx - t.drops(DropReason.RX_INVALID) - t.drops(DropReason.UPCALL_LOST);
            assertEquals(classified, rulePackets, "the rules' statistics add up to the packets classified");
            assertEquals(0, ukeys.counters().backwardTransitions(), "no backward transition");
            final long discarded = dp.upcalls().duplicateLocked() + dp.upcalls().duplicateExisting();
            assertEquals(ukeys.counters().created(), ukeys.counters().finished() + ukeys.size(),
                    "every ukey is live or finished");
            assertEquals(ukeys.counters().finished(), finishedByHook.sum() + discarded,
                    "each finished once: by a sweep or a replace, or discarded unseen");
            final int[] notInstalled = new int[1];
            for (int s = 0; s < ukeys.shardCount(); s++) {
                ukeys.forEachInShard(s, u -> {
                    if (u.state() != UkeyState.INSTALLED) {
                        notInstalled[0]++;
                    }
                });
            }
            assertEquals(0, notInstalled[0], "after the final rounds every live ukey is INSTALLED");
            assertEquals(ukeys.size(), dp.registry().size(), "one registered flow per live ukey");
            assertEquals(ukeys.size(), pmdFlows(dp), "and the PMDs hold exactly those flows");
        }
    }

    /** Replaces the routing rules with generation {@code gen}'s (the host table stays), as one batch. */
    private static void applyRules(final RulePipeline pipeline, final ConcurrentLinkedQueue<Rule> every, final int gen) {
        try {
            final List<Rule> rules = FlowSyntax.parseFlows("routing", routingRules(gen), System.currentTimeMillis());
            final var g = GroupSyntax.parseGroup("stress", 1, group(gen));
            every.addAll(rules);
            pipeline.apply(e -> {
                e.putGroup(g);
                for (Rule r : e.rules()) {
                    if (r.priority() != 3) {
                        e.deleteRule(r);
                    }
                }
                rules.forEach(e::addRule);
            });
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Sends UDP packets from a population of 50,000 flows (per port 12,500) whose members are
     * replaced a few hundred at a time, so old flows go idle and new ones need setting up.
     */
    private static void feed(final RingPort port, final int number, final long end) {
        final SplittableRandom r = new SplittableRandom(number);
        final int n = FLOWS / PORTS;
        final int[] tuple = new int[n];
        for (int i = 0; i < n; i++) {
            tuple[i] = r.nextInt();
        }
        long sent = 0;
        // TCP connections through the select group: each slot opens (SYN), sends data (ACKs),
        // closes (FIN, then its last ACK) or resets, then opens again with a new source port.
        final int[] step = new int[CONNECTIONS_PER_PORT];
        final int[] sport = new int[CONNECTIONS_PER_PORT];
        for (int c = 0; c < CONNECTIONS_PER_PORT; c++) {
            sport[c] = 10_000 + c;
        }
        while (System.nanoTime() < end) {
            if ((sent & 3) == 0) {
                final int c = r.nextInt(CONNECTIONS_PER_PORT);
                final int flags = switch (step[c]) {
                    case 0 -> 0x02;
                    case 6 -> r.nextInt(8) == 0 ? 0x04 : 0x11;
                    default -> 0x10;
                };
                final byte[] f = PacketBuilder.eth().ipv4("172.16." + number + "." + (c & 0xFF), "192.168.9.1")
                        .tcp(sport[c], 80, flags).build();
                if (!port.inject(f)) {
                    Thread.onSpinWait();
                    continue;
                }
                sent++;
                if (++step[c] > 7 || flags == 0x04) {
                    step[c] = 0;
                    sport[c] = 10_000 + (sport[c] - 10_000 + CONNECTIONS_PER_PORT) % 50_000;
                }
                continue;
            }
            final int i = r.nextInt(n);
            if ((sent & 63) == 0) {
                tuple[r.nextInt(n)] = r.nextInt(); // churn
            }
            final int t = tuple[i];
            final byte[] f = PacketBuilder.eth().ipv4("10." + number + "." + ((t >>> 8) & 255) + "." + (t & 255),
                    "10.9.0.1").udp(1024 + ((t >>> 16) & 0x7FF), 5000 + (t >>> 27)).build();
            while (!port.inject(f)) {
                Thread.onSpinWait();
                if (System.nanoTime() >= end) {
                    return;
                }
            }
            sent++;
            if ((sent & 255) == 0) {
                Thread.yield();
            }
        }
    }

    /** Flows in the PMDs' classifiers, counted on the PMD threads themselves. */
    private static long pmdFlows(final Bridge dp) throws InterruptedException {
        long total = 0;
        for (Pmd pmd : dp.pmds()) {
            final CountDownLatch done = new CountDownLatch(1);
            final long[] n = new long[1];
            while (!pmd.offer(new PmdCommand.Run(() -> {
                n[0] = pmd.flowCount();
                done.countDown();
            }))) {
                Thread.sleep(1);
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            total += n[0];
        }
        return total;
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
