package io.flowgate.daemon.testing;

import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.pcap.PcapFormatException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reading captures back in tests. */
public final class Pcaps {
    private Pcaps() {
    }

    /** Every packet of a capture as a hex string, in file order. */
    public static List<String> packets(final Path pcap) throws IOException {
        final List<String> out = new ArrayList<>();
        try (PacketReader r = PacketReader.open(pcap); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(65536);
            while (r.next()) {
                r.copyTo(buf, 0);
                out.add(HexFormat.of().formatHex(buf.asSlice(0, r.capturedLength()).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return out;
    }

    /**
     * The packets of a capture another thread or process is still writing: a record it has not
     * finished (its header is there, its bytes not yet) is read again until it is whole, for up
     * to five seconds.
     */
    public static List<String> packetsSoFar(final Path pcap) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return packets(pcap);
            } catch (PcapFormatException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }

    /** The packets sorted (for outputs whose order is not promised). */
    public static List<String> sortedPackets(final Path pcap) throws IOException {
        final List<String> p = packets(pcap);
        p.sort(null);
        return p;
    }
}
