package io.flowgate.daemon.bridge;

import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdStats;

import java.util.ArrayList;
import java.util.List;

/**
 * The datapath's PMD counters over its whole life: what a PMD counted is kept here when it is
 * retired, so that the totals, summed with the live PMDs' counters, never go back.
 */
final class PmdTotals {
    private final List<PmdStats.Snapshot> retired = new ArrayList<>();
    private final ParseCounters retiredParse = new ParseCounters();

    /** Keeps what {@code pmd} counted (it has stopped). */
    synchronized void retired(final Pmd pmd) {
        retired.add(pmd.stats().snapshot());
        pmd.parseCounters().addTo(retiredParse);
    }

    /** The retired PMDs' counters and those of the {@code live} ones, summed over {@code ports} ports. */
    Bridge.Totals with(final List<Pmd> live, final int ports) {
        final ParseCounters parse = new ParseCounters();
        final List<PmdStats.Snapshot> all = new ArrayList<>();
        synchronized (this) {
            all.addAll(retired);
            retiredParse.addTo(parse);
        }
        for (Pmd p : live) {
            all.add(p.stats().snapshot());
            p.parseCounters().addTo(parse);
        }
        return new Bridge.Totals(PmdStats.Snapshot.sum(all, ports), parse);
    }
}
