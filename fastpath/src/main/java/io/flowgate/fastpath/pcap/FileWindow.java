package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A sliding off-heap window over a file read front to back: constant memory for any file size
 * (the window grows only to the largest single record). Reads never allocate.
 */
final class FileWindow implements AutoCloseable {
    private static final int INITIAL_CAPACITY = 1 << 20;
    /** No record of a sane capture is larger than this. */
    static final int MAX_RECORD = 16 << 20;

    private final Path path;
    private final FileChannel channel;
    private final Arena arena = Arena.ofShared();
    private MemorySegment buf;
    private ByteBuffer view;
    private int start;
    private int limit;
    private long startOffset;
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    private ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
    private ValueLayout.OfInt u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);

    FileWindow(final Path path) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        allocate(INITIAL_CAPACITY);
    }

    private void allocate(final int capacity) {
        final MemorySegment next = arena.allocate(capacity, 64);
        if (buf != null) {
            MemorySegment.copy(buf, start, next, 0, limit - start);
            limit -= start;
            startOffset += start;
            start = 0;
        }
        buf = next;
        view = next.asByteBuffer();
    }

    Path path() {
        return path;
    }

    void order(final ByteOrder byteOrder) {
        this.order = byteOrder;
        this.u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(byteOrder);
        this.u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(byteOrder);
    }

    ByteOrder order() {
        return order;
    }

    /** File offset of the current position. */
    long offset() {
        return startOffset + start;
    }

    /** Bytes buffered at the current position. */
    int available() {
        return limit - start;
    }

    /**
     * Makes {@code n} bytes readable at the current position.
     *
     * @return false if the file ends first ({@link #available()} then tells how many there are)
     */
    boolean ensure(final int n) throws IOException {
        if (limit - start >= n) {
            return true;
        }
        if (n > buf.byteSize()) {
            allocate(Math.max(n, (int) Math.min(MAX_RECORD, buf.byteSize() * 2)));
        } else if (start > 0) {
            MemorySegment.copy(buf, start, buf, 0, limit - start);
            limit -= start;
            startOffset += start;
            start = 0;
        }
        while (limit - start < n) {
            view.limit((int) buf.byteSize()).position(limit);
            final int read = channel.read(view);
            if (read < 0) {
                return false;
            }
            limit += read;
        }
        return true;
    }

    void skip(final int n) {
        start += n;
    }

    int u8(final int at) {
        return buf.get(ValueLayout.JAVA_BYTE, start + at) & 0xFF;
    }

    int u16(final int at) {
        return buf.get(u16, start + at) & 0xFFFF;
    }

    /** Unsigned 32-bit value as a long. */
    long u32(final int at) {
        return buf.get(u32, start + at) & 0xFFFF_FFFFL;
    }

    int s32(final int at) {
        return buf.get(u32, start + at);
    }

    /** Raw 32-bit value in the given order, for magic numbers. */
    int raw32(final int at, final ByteOrder byteOrder) {
        return buf.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(byteOrder), start + at);
    }

    void copy(final int at, final MemorySegment dst, final long dstOffset, final int length) {
        MemorySegment.copy(buf, start + at, dst, dstOffset, length);
    }

    PcapFormatException error(final long atOffset, final String problem) {
        return new PcapFormatException(path, atOffset, problem);
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            arena.close();
        }
    }
}
