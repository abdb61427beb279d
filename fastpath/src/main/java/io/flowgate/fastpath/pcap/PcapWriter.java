package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Writes pcap records through an off-heap buffer; nothing is allocated per packet. Records are
 * written with the file header's byte order and timestamp precision, so a file read by
 * {@link PcapReader} and written back with its header is byte-identical. One writer belongs to
 * one thread; several threads write one file through a writer each ({@link PcapFile#writer()}).
 */
public final class PcapWriter implements AutoCloseable {
    private static final int BUFFER = 1 << 20;

    private final PcapFile file;
    private final boolean ownsFile;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buf;
    private final ByteBuffer view;
    private final boolean nanos;
    private final ValueLayout.OfInt u32;
    private int fill;
    private long packets;
    private long bytes;
    private boolean released;

    PcapWriter(final PcapFile file, final boolean ownsFile) {
        this.file = file;
        this.ownsFile = ownsFile;
        this.buf = arena.allocate(BUFFER, 64);
        this.view = buf.asByteBuffer();
        this.nanos = file.header().nanos();
        this.u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(file.order());
    }

    /** A file with a single writer; closing the writer closes the file. */
    public PcapWriter(final Path path, final PcapHeader header) throws IOException {
        this(PcapFile.create(path, header));
    }

    private PcapWriter(final PcapFile file) {
        this(file, true);
    }

    /** An Ethernet, microsecond, little-endian file (what OVS's tx_pcap writes) with one writer. */
    public static PcapWriter create(final Path path) throws IOException {
        return PcapFile.create(path).soleWriter();
    }

    public Path path() {
        return file.path();
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
        final long fraction = Math.floorMod(timestampNanos, 1_000_000_000L);
        buf.set(u32, at, (int) seconds);
        buf.set(u32, at + 4, (int) (nanos ? fraction : fraction / 1_000L));
        buf.set(u32, at + 8, captured);
        buf.set(u32, at + 12, original);
    }

    /** A record larger than the buffer: header and data go to one reserved stretch of the file. */
    private void writeDirect(final long ts, final MemorySegment src, final long offset, final int captured,
                             final int original) throws IOException {
        putRecordHeader(0, ts, captured, original);
        final long at = file.reserve(16 + captured);
        view.limit(16).position(0);
        file.write(view, at);
        try (Arena tmp = Arena.ofConfined()) {
            final MemorySegment copy = tmp.allocate(captured);
            MemorySegment.copy(src, offset, copy, 0, captured);
            file.write(copy.asByteBuffer(), at + 16);
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
        if (fill == 0) {
            return;
        }
        final long at = file.reserve(fill);
        view.limit(fill).position(0);
        file.write(view, at);
        fill = 0;
    }

    /** Flushes and frees the buffer (the file closes it; idempotent). */
    void release() throws IOException {
        if (released) {
            return;
        }
        released = true;
        try {
            flush();
        } finally {
            arena.close();
        }
    }

    /** Flushes; a writer made by {@link #create} or the public constructor also closes its file. */
    @Override
    public void close() throws IOException {
        try {
            release();
        } finally {
            if (ownsFile) {
                file.close();
            }
        }
    }
}
