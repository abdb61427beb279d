package io.flowgate.bench;

import io.flowgate.revalidator.RevalidatorSettings;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Bytes of heap per installed megaflow, everything included: the datapath flow (match, stats),
 * its ukey (packet key, translation, identity), the entries in the ukey map and the flow
 * registry, and the slots of the PMD's classifier. Installs 100,000 flows through the handler
 * path and compares the heap after full collections before and after. (Masks are shared.)
 *
 * <pre>ci/bench --main MegaflowFootprint</pre>
 */
public final class MegaflowFootprint {
    private MegaflowFootprint() {
    }

    public static void main(final String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (SlowPathRig rig = new SlowPathRig(1, RevalidatorSettings.DEFAULTS)) {
            rig.install(1_000); // classes loaded, tables past their first growth
            final long before = usedAfterGc(memory);
            rig.install(n + 1_000);
            final long after = usedAfterGc(memory);
            final int installed = rig.udpif.registry().size() - 1_000;
            System.out.printf("%d megaflows installed, %d bytes of heap each (ukey and classifier included)%n",
                    installed, (after - before) / installed);
            if (rig.udpif.registry().size() < n) {
                throw new IllegalStateException("only " + rig.udpif.registry().size() + " flows");
            }
        }
    }

    private static long usedAfterGc(final MemoryMXBean memory) throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
