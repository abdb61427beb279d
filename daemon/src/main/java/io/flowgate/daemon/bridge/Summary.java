package io.flowgate.daemon.bridge;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.parse.ParseAnomaly;
import io.flowgate.fastpath.pmd.Pmd;
import io.flowgate.fastpath.pmd.PmdCounter;
import io.flowgate.fastpath.port.Port;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The end-of-run report of a datapath: packets in and out per port, drops by reason, malformed
 * packets by reason, cache hits, upcalls, megaflows installed and masks in use; as text or as
 * one JSON object with the same content.
 */
public record Summary(long seconds, long nanos, List<PortLine> ports, Bridge.Totals totals, long masks, long flows) {
    public record PortLine(int number, String spec, long in, long out) {
    }

    /** Takes the summary of a stopped datapath (masks are read from the PMDs' own tables). */
    public static Summary of(final Bridge dp, final long elapsedNanos) {
        final Bridge.Totals t = dp.totals();
        final List<Port> ports = dp.ports();
        final PortLine[] lines = new PortLine[ports.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new PortLine(ports.get(i).number(), ports.get(i).spec(), t.counters().portRx()[i], t.counters().portTx()[i]);
        }
        long masks = 0;
        long flows = 0;
        for (Pmd p : dp.pmds()) {
            masks += p.maskCount();
            flows += p.flowCount();
        }
        return new Summary(elapsedNanos / 1_000_000_000L, elapsedNanos, List.of(lines), t, masks, flows);
    }

    /** Time the PMDs spent in iterations that found work, summed over them. */
    public double busySeconds() {
        return totals.get(PmdCounter.BUSY_NANOS) / 1e9;
    }

    public long packetsIn() {
        return totals.get(PmdCounter.RX_PACKETS);
    }

    public long packetsOut() {
        return totals.get(PmdCounter.TX_PACKETS);
    }

    public String text() {
        final StringBuilder s = new StringBuilder();
        final double secs = nanos / 1e9;
        // The rate is over the PMDs' busy time: a daemon that ran an hour for a minute of traffic
        // forwarded at the rate of that minute, not of the hour.
        final double busy = busySeconds();
        s.append(String.format("%d packets in %.2f s (%.0f kpps while busy: %.2f s of PMD time)%n", packetsIn(), secs,
                busy > 0 ? packetsIn() / busy / 1000 : 0.0, busy));
        for (PortLine p : ports) {
            s.append(String.format("port %d (%s): in %d, out %d%n", p.number(), p.spec(), p.in(), p.out()));
        }
        s.append(String.format("dropped: %d%n", totals.drops()));
        for (DropReason r : DropReason.values()) {
            if (totals.drops(r) > 0) {
                s.append(String.format("  %s: %d%n", r.description(), totals.drops(r)));
            }
        }
        final long malformed = totals.parse().malformed();
        if (malformed > 0 || totals.parse().get(ParseAnomaly.IP_LATER_FRAGMENT) > 0) {
            s.append(String.format("malformed packets: %d%n", malformed));
            for (ParseAnomaly a : ParseAnomaly.values()) {
                if (totals.parse().get(a) > 0) {
                    s.append(String.format("  %s: %d%n", a.description(), totals.parse().get(a)));
                }
            }
        }
        s.append(String.format("emc hits: %d%n", totals.get(PmdCounter.EMC_HITS)));
        s.append(String.format("smc hits: %d%n", totals.get(PmdCounter.SMC_HITS)));
        s.append(String.format("megaflow hits: %d%n", totals.get(PmdCounter.MEGAFLOW_HITS)));
        s.append(String.format("upcalls: %d (lost: %d)%n", totals.get(PmdCounter.MISSES),
                totals.get(PmdCounter.LOST_UPCALLS)));
        s.append(String.format("megaflows installed: %d (in use at the end: %d)%n",
                totals.get(PmdCounter.FLOWS_INSTALLED), flows));
        s.append(String.format("masks in use: %d%n", masks));
        return s.toString();
    }

    public String json() {
        final StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("packets_in", packetsIn());
            g.writeNumberField("packets_out", packetsOut());
            g.writeNumberField("seconds", nanos / 1e9);
            g.writeNumberField("busy_seconds", busySeconds());
            g.writeArrayFieldStart("ports");
            for (PortLine p : ports) {
                g.writeStartObject();
                g.writeNumberField("port", p.number());
                g.writeStringField("spec", p.spec());
                g.writeNumberField("in", p.in());
                g.writeNumberField("out", p.out());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("drops");
            g.writeNumberField("total", totals.drops());
            for (DropReason r : DropReason.values()) {
                g.writeNumberField(r.counterName(), totals.drops(r));
            }
            g.writeEndObject();
            g.writeObjectFieldStart("malformed");
            g.writeNumberField("total", totals.parse().malformed());
            for (ParseAnomaly a : ParseAnomaly.values()) {
                g.writeNumberField(a.name().toLowerCase(java.util.Locale.ROOT), totals.parse().get(a));
            }
            g.writeEndObject();
            g.writeNumberField("emc_hits", totals.get(PmdCounter.EMC_HITS));
            g.writeNumberField("smc_hits", totals.get(PmdCounter.SMC_HITS));
            g.writeNumberField("megaflow_hits", totals.get(PmdCounter.MEGAFLOW_HITS));
            g.writeNumberField("upcalls", totals.get(PmdCounter.MISSES));
            g.writeNumberField("lost_upcalls", totals.get(PmdCounter.LOST_UPCALLS));
            g.writeNumberField("megaflows_installed", totals.get(PmdCounter.FLOWS_INSTALLED));
            g.writeNumberField("megaflows", flows);
            g.writeNumberField("masks", masks);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
