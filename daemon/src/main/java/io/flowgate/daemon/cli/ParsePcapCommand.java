package io.flowgate.daemon.cli;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseAnomaly;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.pcap.PcapFormatException;
import io.flowgate.slowpath.syntax.FlowFormat;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flowgate parse-pcap FILE}: the flow of every packet of a capture, in OVS's flow syntax,
 * as the fast path's parser sees it; then what could not be parsed, by reason.
 */
@Command(name = "parse-pcap", description = "Print the flow of every packet in a pcap or pcapng file.")
final class ParsePcapCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "pcap or pcapng capture (Ethernet)")
    Path file;

    @Option(names = "--in-port", defaultValue = "1", description = "in_port of every packet (default: ${DEFAULT-VALUE})")
    int inPort;

    @Option(names = "--vlan-limit", defaultValue = "1",
            description = "VLAN tags to parse, 1 or 2, 0 for all (OVS's vlan-limit; default: ${DEFAULT-VALUE})")
    int vlanLimit;

    @Override
    public Integer call() throws IOException {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final ParseCounters counters = new ParseCounters();
        final FlowExtractor parser;
        try {
            parser = new FlowExtractor(counters, vlanLimit);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--vlan-limit: " + e.getMessage());
        }
        final long[] key = new long[FlowKey.WORDS];
        long packets = 0;
        int status = 0;
        try (PacketReader reader = PacketReader.open(file); PacketBatch batch = PacketBatch.owning()) {
            while (reader.next()) {
                final int len = Math.min(reader.capturedLength(), batch.dataRoom());
                reader.copyTo(batch.slotSegment(0), PacketBatch.HEADROOM);
                packets++;
                if (parser.extract(Memory.ALL, batch.slotAddress(0), len, inPort, key, 0) == FlowExtractor.DROP) {
                    out.println("(dropped: " + ParseAnomaly.RUNT_FRAME.description() + ")");
                } else {
                    out.println(FlowFormat.flow(key));
                }
            }
        } catch (PcapFormatException e) {
            err.println("flowgate: " + e.getMessage());
            status = 1;
        }
        out.flush();
        err.println(packets + " packets");
        for (ParseAnomaly a : ParseAnomaly.values()) {
            final long n = counters.get(a);
            if (n > 0) {
                err.println("  " + a.description() + ": " + n);
            }
        }
        return status;
    }
}
