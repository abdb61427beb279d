package io.flowgate.fastpath.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowgate.fastpath.flow.FlowFormat;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.testing.TestResources;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every packet of {@code oracle/parse/packets.pcap[ng]} parses into the flow real Open vSwitch 3.1
 * printed for it ({@code oracle/parse/flows.txt}, made by {@code oracle/parse/make.py}).
 */
class OvsParseAgreementTest {
    @ParameterizedTest
    @ValueSource(strings = {"oracle/parse/packets.pcap", "oracle/parse/packets.pcapng"})
    void everyPacketParsesAsOvsParsesIt(final String capture) throws Exception {
        final List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(TestResources.path("oracle/parse/flows.txt"))) {
            if (!line.startsWith("#")) {
                expected.add(line);
            }
        }
        final List<String> actual = new ArrayList<>();
        final FlowExtractor parser = new FlowExtractor(new ParseCounters());
        final Path file = TestResources.path(capture);
        try (PacketReader reader = PacketReader.open(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(65536);
            while (reader.next()) {
                final int len = reader.capturedLength();
                reader.copyTo(buf, 0);
                final long[] key = new long[FlowKey.WORDS];
                parser.extract(buf.asSlice(0, len), 0, len, 1, key, 0);
                actual.add(FlowFormat.flow(key));
            }
        }
        assertEquals(expected.size(), actual.size(), "packet count");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "packet " + (i + 1) + " of " + capture);
        }
    }
}
