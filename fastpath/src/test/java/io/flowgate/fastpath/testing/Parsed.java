package io.flowgate.fastpath.testing;

import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A frame parsed in a segment of exactly its own size, so that any read past the frame fails the
 * test with an IndexOutOfBoundsException.
 */
public record Parsed(long[] key, long offsets, ParseCounters counters) {
    public static Parsed parse(final byte[] frame, final int inPort) {
        return parse(frame, inPort, FlowExtractor.DEFAULT_VLAN_LIMIT);
    }

    public static Parsed parse(final byte[] frame, final int inPort, final int vlanLimit) {
        final ParseCounters counters = new ParseCounters();
        final long[] key = new long[FlowKey.WORDS];
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment seg = arena.allocate(Math.max(1, frame.length)).asSlice(0, frame.length);
            MemorySegment.copy(frame, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, frame.length);
            final long offsets = new FlowExtractor(counters, vlanLimit).extract(seg, 0, frame.length, inPort, key, 0);
            return new Parsed(key, offsets, counters);
        }
    }

    public int l3() {
        return FlowExtractor.l3Offset(offsets);
    }

    public int l4() {
        return FlowExtractor.l4Offset(offsets);
    }

    public boolean dropped() {
        return offsets == FlowExtractor.DROP;
    }
}
