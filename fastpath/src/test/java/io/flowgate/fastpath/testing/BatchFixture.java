package io.flowgate.fastpath.testing;

import io.flowgate.fastpath.action.ActionExecutor;
import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.action.Outputs;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of frames parsed as the PMD parses them, on which tests run datapath actions and see
 * what was sent where (copies of the bytes at the moment of output) and what was dropped why.
 */
public final class BatchFixture implements AutoCloseable, Outputs {
    /** One transmitted packet. */
    public record Sent(int port, int packet, byte[] frame, boolean last) {
    }

    /** One dropped packet. */
    public record Dropped(int packet, DropReason reason) {
    }

    public final PacketBatch batch = PacketBatch.owning(2048);
    public final long[] keys = new long[PacketBatch.MAX_BURST * FlowKey.WORDS];
    public final List<Sent> sent = new ArrayList<>();
    public final List<Dropped> dropped = new ArrayList<>();
    private final FlowExtractor extractor = new FlowExtractor(new ParseCounters());

    public BatchFixture(final int inPort, final byte[]... frames) {
        batch.inPort(inPort);
        for (byte[] f : frames) {
            add(f);
        }
    }

    public BatchFixture add(final byte[] frame) {
        final int i = batch.count();
        MemorySegment.copy(frame, 0, batch.slotSegment(i), ValueLayout.JAVA_BYTE, PacketBatch.HEADROOM, frame.length);
        batch.addOwned(frame.length, 0);
        final long offsets = extractor.extract(Memory.ALL, batch.address(i), frame.length, batch.inPort(), keys,
                i * FlowKey.WORDS);
        if (offsets != FlowExtractor.DROP) {
            batch.headerOffsets(i, FlowExtractor.l3Offset(offsets), FlowExtractor.l4Offset(offsets));
        }
        return this;
    }

    /** Runs the actions on every packet of the batch as one group. */
    public BatchFixture execute(final DpActions actions) {
        final int[] all = new int[batch.count()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        new ActionExecutor().execute(actions, batch, all, all.length, keys, FlowKey.rowStarts(PacketBatch.MAX_BURST), this);
        return this;
    }

    /** Packet {@code i}'s current bytes. */
    @SuppressWarnings("restricted") // the batch's own buffer, of the batch's length
    public byte[] frame(final int i) {
        return MemorySegment.ofAddress(batch.address(i)).reinterpret(batch.length(i)).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void output(final int port, final PacketBatch b, final int i, final boolean last) {
        sent.add(new Sent(port, i, frame(i), last));
    }

    @Override
    public void drop(final PacketBatch b, final int i, final DropReason reason) {
        dropped.add(new Dropped(i, reason));
    }

    @Override
    public void close() {
        batch.close();
    }
}
