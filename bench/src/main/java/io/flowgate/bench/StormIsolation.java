package io.flowgate.bench;

import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.upcall.UpcallRings;
import io.flowgate.fastpath.pmd.PmdStats;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.revalidator.Revalidator;
import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.revalidator.Revalidators;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.upcall.FlowLimit;
import io.flowgate.slowpath.upcall.Handler;
import io.flowgate.slowpath.upcall.Udpif;
import io.flowgate.slowpath.xlate.Xlate;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;

/**
 * PMD isolation during a flow-setup storm. One busy-polling PMD forwards established traffic
 * (1,000 installed flows on a zero-copy loop port) while a second port on the same PMD offers
 * packets of new flows at {@code rate} per second (default 100,000), each an upcall that a real
 * handler thread translates and answers with an install and a packet-out, with a revalidator
 * running. Established throughput is measured in alternating windows without and with the storm,
 * side by side in one run, and compared.
 *
 * <pre>taskset -c 0 ci/bench --main StormIsolation [rate] [handlers] [busy-baseline]</pre>
 * With 0 handlers nobody serves the upcall ring: what is left is the PMD's own share of a storm.
 * With {@code busy-baseline}, storm-free windows run a spinning thread on the other CPUs (the
 * control for CPUs that slow each other down, as vCPUs of one physical core do).
 * (the PMD takes the highest online CPU; the JVM's other threads stay on the taskset CPUs)
 */
public final class StormIsolation {
    private static final int WINDOWS = 8;
    private static final long WINDOW_MILLIS = 2_000;

    private static final java.lang.invoke.VarHandle SPIN =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(boolean[].class);

    private StormIsolation() {
    }

    public static void main(final String[] args) throws Exception {
        final long rate = args.length > 0 ? Long.parseLong(args[0]) : 100_000;
        final int handlerCount = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        final boolean busyBaseline = args.length > 2 && args[2].equals("busy-baseline");
        // As on a production box: the PMD has the last CPU to itself, every other thread made from
        // here on (handlers, revalidator) runs on the rest. Start the JVM under "taskset -c" of
        // the other CPUs to keep the JVM's own threads (GC, compiler) off the PMD's CPU as well.
        final java.util.BitSet online = io.flowgate.bindings.CpuAffinity.parseList(
                java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/online")).strip());
        final int pmdCpu = online.length() - 1;
        final java.util.BitSet rest = io.flowgate.bindings.CpuAffinity.currentThread();
        rest.clear(pmdCpu);
        if (!rest.isEmpty()) {
            io.flowgate.bindings.CpuAffinity.pinCurrentThread(rest);
        }
        System.out.printf("PMD on CPU %d, other threads on CPUs %s%n", pmdCpu, rest);
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var rules = FlowSyntax.parseFlows("storm", "priority=1,udp,actions=output:2\n", 0);
        pipeline.apply(e -> rules.forEach(e::addRule));
        final Udpif udpif = new Udpif(pipeline, new Xlate(p -> p >= 1 && p <= 3, null), new FlowRegistry(),
                new UkeyMap(), new FlowLimit());
        final Traffic established = new Traffic(Traffic.distinctUdp(1_000, 1));
        final LoopPort steady = new LoopPort(1, established);
        final StormPort storm = new StormPort(3);
        final SinkPort sink = new SinkPort(2);
        // 0 handlers: the upcall ring is there but nobody serves it (the PMD's own share of a storm).
        final UpcallRing[] rings = new UpcallRing[Math.max(1, handlerCount)];
        for (int i = 0; i < rings.length; i++) {
            rings[i] = new UpcallRing(8 << 20);
        }
        final Pmd pmd = new Pmd(0, List.<Port>of(steady, sink, storm), new UpcallRings(List.of(rings)), 100, 1, false);
        pmd.offer(new PmdCommand.AdoptQueue(new RxQueue(steady, 0)));
        pmd.offer(new PmdCommand.AdoptQueue(new RxQueue(storm, 0)));
        final Pmds live = new Pmds();
        live.add(pmd);
        udpif.megaflows(false); // every storm packet is a flow of its own
        PipelineBenchmark.installMegaflows(pmd, established, "priority=1,udp,actions=output:2\n");
        final List<AgentRunner> runners = new ArrayList<>();
        final Handler[] handlers = new Handler[handlerCount];
        for (int i = 0; i < handlerCount; i++) {
            handlers[i] = new Handler(i, rings[i], udpif, live);
            runners.add(start(new AgentRunner(new BackoffIdleStrategy(100, 10, 1_000, 200_000), Throwable::printStackTrace,
                    null, handlers[i])));
        }
        final Revalidators revalidators = new Revalidators(RevalidatorSettings.DEFAULTS, udpif, live);
        for (Revalidator r : revalidators.agents()) {
            runners.add(start(new AgentRunner(new BackoffIdleStrategy(10, 10, 10_000, 5_000_000),
                    Throwable::printStackTrace, null, r)));
        }
        final java.util.BitSet pmdSet = new java.util.BitSet();
        pmdSet.set(pmdCpu);
        pmd.cpus(pmdSet);
        runners.add(start(new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null, pmd)));
        // The control for machines whose CPUs slow each other down (shared cores or clocks under a
        // hypervisor): during storm-free windows a thread keeps the other CPU as busy as the
        // handler keeps it during the storm, so only the storm itself differs between windows.
        final boolean[] spin = new boolean[1];
        final Thread spinner = Thread.ofPlatform().daemon().start(() -> {
            long x = 1;
            while (true) {
                if (((boolean) SPIN.getVolatile(spin, 0))) {
                    for (int i = 0; i < 10_000; i++) { // real work, not a pause: a loaded CPU
                        x ^= x << 13;
                        x ^= x >>> 7;
                        x ^= x << 17;
                    }
                    if (x == 0) {
                        System.out.print("");
                    }
                } else {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
        try {
            // Warm-up: the storm path (misses, upcalls, packet-outs) gets compiled too.
            storm.rate(rate);
            Thread.sleep(5_000);
            storm.rate(0);
            Thread.sleep(2_000);
            double off = 0;
            double on = 0;
            final double[] ratios = new double[WINDOWS];
            double lastOff = 0;
            for (int w = 0; w < 2 * WINDOWS; w++) {
                final boolean stormy = (w & 1) == 1;
                storm.rate(stormy ? rate : 0);
                SPIN.setVolatile(spin, 0, busyBaseline && !stormy);
                Thread.sleep(300); // settle into the new regime
                final long rx0 = steadyRx(pmd);
                final long installed0 = udpif.counters().installed();
                final long upcalls0 = udpif.counters().handled();
                final long t0 = System.nanoTime();
                Thread.sleep(WINDOW_MILLIS);
                final double secs = (System.nanoTime() - t0) / 1e9;
                final double mpps = (steadyRx(pmd) - rx0) / secs / 1e6;
                System.out.printf("window %d, storm %s: established %.2f Mpps; upcalls %.0f/s, flows installed %.0f/s%n",
                        w, stormy ? "on " : "off", mpps, (udpif.counters().handled() - upcalls0) / secs,
                        (udpif.counters().installed() - installed0) / secs);
                if (stormy) {
                    on += mpps;
                    ratios[w / 2] = mpps / lastOff;
                } else {
                    off += mpps;
                    lastOff = mpps;
                }
            }
            java.util.Arrays.sort(ratios);
            System.out.printf("storm of %,d new flows/s, %d handler(s): established throughput %.2f Mpps with the storm,"
                            + " %.2f without: %.1f %% (median of the %d window pairs: %.1f %%)%n", rate, handlerCount,
                    on / WINDOWS, off / WINDOWS, 100 * on / off, WINDOWS, 100 * (ratios[WINDOWS / 2 - 1] + ratios[WINDOWS / 2]) / 2);
        } finally {
            spinner.interrupt();
            storm.rate(0);
            revalidators.close();
            for (AgentRunner r : runners) {
                r.close();
            }
        }
    }

    private static long steadyRx(final Pmd pmd) {
        final PmdStats.Snapshot s = pmd.stats().snapshot();
        return s.portRx()[0];
    }

    private static AgentRunner start(final AgentRunner r) {
        AgentRunner.startOnThread(r);
        return r;
    }
}
