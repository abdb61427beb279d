package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a classic pcap file through an off-heap buffer; nothing is allocated per packet. Records
 * are written with the header's byte order and timestamp precision, so a file read by
 * {@link PcapReader} and written back with its header is byte-identical. Not thread-safe.
 */
public final class PcapWriter implements AutoCloseable {
    private static final int BUFFER = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf;
    private final ByteBuffer view;
    private final PcapHeader header;
    private final ValueLayout.OfInt u32;
    private final ValueLayout.OfShort u16;
    private int fill;
    private long packets;
    private long bytes;

    public PcapWriter(final Path path, final PcapHeader header) throws IOException {
        this.path = path;
        this.header = header;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        this.buf = arena.allocate(BUFFER, 64);
        this.view = buf.asByteBuffer();
        this.u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(header.order());
        this.u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(header.order());
        buf.set(u32, 0, header.nanos() ? PcapHeader.MAGIC_NANOS : PcapHeader.MAGIC_MICROS);
        buf.set(u16, 4, (short) header.versionMajor());
        buf.set(u16, 6, (short) header.versionMinor());
        buf.set(u32, 8, header.thisZone());
        buf.set(u32, 12, header.sigFigs());
        buf.set(u32, 16, header.snapLength());
        buf.set(u32, 20, header.linkType());
        fill = PcapHeader.SIZE;
    }

    /** An Ethernet, microsecond, little-endian file (what OVS's tx_pcap writes). */
    public static PcapWriter create(final Path path) throws IOException {
        return new PcapWriter(path, PcapHeader.ethernet());
    }

    public Path path() {
        return path;
    }

    /**
     * Appends one record.
     *
     * @param src            where the packet's bytes are
     * @param offset         their offset in {@code src}
     * @param capturedLength how many bytes to write
     * @param originalLength the packet's length on the wire
     */
    public void write(final long timestampNanos, final MemorySegment src, final long offset, final int capturedLength,
                      final int originalLength) throws IOException {
        final int need = 16 + capturedLength;
        if (fill + need > BUFFER) {
            flush();
        }
        if (need > BUFFER) {
            writeDirect(timestampNanos, src, offset, capturedLength, originalLength);
            return;
        }
        putRecordHeader(fill, timestampNanos, capturedLength, originalLength);
        MemorySegment.copy(src, offset, buf, fill + 16, capturedLength);
        fill += need;
        packets++;
        bytes += capturedLength;
    }

    private void putRecordHeader(final int at, final long timestampNanos, final int captured, final int original) {
        final long seconds = Math.floorDiv(timestampNanos, 1_000_000_000L);
        final long nanos = Math.floorMod(timestampNanos, 1_000_000_000L);
        buf.set(u32, at, (int) seconds);
        buf.set(u32, at + 4, (int) (header.nanos() ? nanos : nanos / 1_000L));
        buf.set(u32, at + 8, captured);
        buf.set(u32, at + 12, original);
    }

    private void writeDirect(final long ts, final MemorySegment src, final long offset, final int captured,
                             final int original) throws IOException {
        putRecordHeader(0, ts, captured, original);
        fill = 16;
        flush();
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment copy = tmp.allocate(captured);
            MemorySegment.copy(src, offset, copy, 0, captured);
            final ByteBuffer bb = copy.asByteBuffer();
            while (bb.hasRemaining()) {
                channel.write(bb);
            }
        }
        packets++;
        bytes += captured;
    }

    public long packets() {
        return packets;
    }

    public long bytes() {
        return bytes;
    }

    /** Writes buffered records to the file. */
    public void flush() throws IOException {
        view.limit(fill).position(0);
        while (view.hasRemaining()) {
            channel.write(view);
        }
        fill = 0;
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
            channel.force(false);
        } finally {
            try {
                channel.close();
            } finally {
                arena.close();
            }
        }
    }
}
