package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What the pcap and pcapng readers share: the file they read through a {@link FileWindow} and the
 * description of the current packet record. Each format's reader finds its records and says what
 * it found with {@link #record}.
 */
abstract sealed class CaptureReader implements PacketReader permits PcapReader, PcapngReader {
    /** Reads a format's header from a window; the window is closed if it throws. */
    @FunctionalInterface
    interface Format<R extends PacketReader> {
        R read(FileWindow window) throws IOException;
    }

    final FileWindow in;
    private long timestampNanos;
    private int captured;
    private int original;
    private long recordOffset = -1;

    CaptureReader(final FileWindow in) {
        this.in = in;
    }

    /** Opens {@code path} and reads its header as {@code format} says, closing the file on failure. */
    static <R extends PacketReader> R open(final Path path, final Format<R> format) throws IOException {
        final FileWindow window = new FileWindow(path);
        try {
            return format.read(window);
        } catch (IOException | RuntimeException e) {
            window.close();
            throw e;
        }
    }

    /** The record at file offset {@code at} is current now. */
    final void record(final long at, final long timestampNanos, final int captured, final long original) {
        this.recordOffset = at;
        this.timestampNanos = timestampNanos;
        this.captured = captured;
        this.original = (int) Math.min(original, Integer.MAX_VALUE);
    }

    @Override
    public final long timestampNanos() {
        return timestampNanos;
    }

    @Override
    public final int capturedLength() {
        return captured;
    }

    @Override
    public final int originalLength() {
        return original;
    }

    @Override
    public final long recordOffset() {
        return recordOffset;
    }

    @Override
    public final Path path() {
        return in.path();
    }

    @Override
    public final void close() throws IOException {
        in.close();
    }
}
