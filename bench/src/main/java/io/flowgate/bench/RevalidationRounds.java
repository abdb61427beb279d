package io.flowgate.bench;

import io.flowgate.revalidator.RevalidatorSettings;
import io.flowgate.revalidator.Round;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.syntax.FlowSyntax;

import java.util.concurrent.TimeUnit;

/**
 * Round times one by one (to see their spread, which JMH's averages hide): {@code flows} flows,
 * {@code rounds} rounds alternating a rule change and none.
 *
 * <pre>ci/bench --main RevalidationRounds [flows] [rounds]</pre>
 */
public final class RevalidationRounds {
    private RevalidationRounds() {
    }

    public static void main(final String[] args) throws Exception {
        final int flows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (SlowPathRig rig = new SlowPathRig(1, new RevalidatorSettings(1, TimeUnit.DAYS.toMillis(1), 5))) {
            rig.install(flows);
            final Rule unrelated = FlowSyntax.parseRule("bench", 1, "priority=1,arp,actions=drop", 0);
            final var pmd = rig.pmds.getFirst();
            for (int i = 0; i < rounds; i++) {
                final boolean change = (i & 1) == 1;
                if (change) {
                    final boolean add = (i & 2) == 2;
                    rig.pipeline.apply(e -> {
                        if (add) {
                            e.addRule(unrelated);
                        } else {
                            e.deleteRule(unrelated);
                        }
                    });
                }
                rig.udpif.flowLimit().set(10_000_000);
                final long t0 = System.nanoTime();
                final Round r = rig.revalidators.startRound(System.currentTimeMillis());
                rig.revalidators.dump(0, r, pmd::doWork);
                final long t1 = System.nanoTime();
                rig.revalidators.sweep(0, r, pmd::doWork);
                rig.revalidators.finishRound(r);
                final long t2 = System.nanoTime();
                System.out.printf("round %2d %-9s dump %6.1f ms, sweep %5.1f ms, flows %d%n", i,
                        change ? "(changed)" : "", (t1 - t0) / 1e6, (t2 - t1) / 1e6, rig.udpif.registry().size());
            }
        }
    }
}
