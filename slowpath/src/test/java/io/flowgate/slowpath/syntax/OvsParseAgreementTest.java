package io.flowgate.slowpath.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
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
 * printed for it ({@code oracle/parse/flows.txt}, made by {@code oracle/parse/make.py}): the fast
 * path's parser and this package's {@link FlowFormat#flow} together agree with
 * {@code ovs-ofctl ofp-parse-pcap}. The captures stay with the parser's own tests in fastpath.
 */
class OvsParseAgreementTest {
    private static final Path ORACLE = TestResources.repo("fastpath/src/test/resources/oracle/parse");

    @ParameterizedTest
    @ValueSource(strings = {"packets.pcap", "packets.pcapng"})
    void everyPacketParsesAsOvsParsesIt(final String capture) throws Exception {
        final List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(ORACLE.resolve("flows.txt"))) {
            if (!line.startsWith("#")) {
                expected.add(line);
            }
        }
        final List<String> actual = new ArrayList<>();
        final FlowExtractor parser = new FlowExtractor(new ParseCounters());
        final Path file = ORACLE.resolve(capture);
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
