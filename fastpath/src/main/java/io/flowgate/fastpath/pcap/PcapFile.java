package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A classic pcap file being written by one or more threads, each through its own
 * {@link PcapWriter}. A writer buffers whole records and, when it flushes, reserves the next
 * stretch of the file with one atomic add and writes there with a positional write: writers never
 * wait for each other and records never interleave. Records from different writers appear in the
 * order their buffers were flushed.
 */
public final class PcapFile implements AutoCloseable {
    private final Path path;
    private final PcapHeader header;
    private final FileChannel channel;
    private final AtomicLong end = new AtomicLong(PcapHeader.SIZE);
    private final List<PcapWriter> writers = new ArrayList<>();
    private boolean closed;

    private PcapFile(final Path path, final PcapHeader header) throws IOException {
        this.path = path;
        this.header = header;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            final ByteBuffer h = ByteBuffer.allocate(PcapHeader.SIZE).order(header.order());
            h.putInt(header.nanos() ? PcapHeader.MAGIC_NANOS : PcapHeader.MAGIC_MICROS)
                    .putShort((short) header.versionMajor()).putShort((short) header.versionMinor())
                    .putInt(header.thisZone()).putInt(header.sigFigs()).putInt(header.snapLength())
                    .putInt(header.linkType()).flip();
            write(h, 0);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Creates (or truncates) {@code path} and writes the file header. */
    public static PcapFile create(final Path path, final PcapHeader header) throws IOException {
        return new PcapFile(path, header);
    }

    /** An Ethernet, microsecond, little-endian file (what OVS's tx_pcap writes). */
    public static PcapFile create(final Path path) throws IOException {
        return create(path, PcapHeader.ethernet());
    }

    public Path path() {
        return path;
    }

    PcapHeader header() {
        return header;
    }

    ByteOrder order() {
        return header.order();
    }

    /** A new writer for one thread. Call before the writing threads start. */
    public synchronized PcapWriter writer() {
        final PcapWriter w = new PcapWriter(this, false);
        writers.add(w);
        return w;
    }

    synchronized PcapWriter soleWriter() {
        final PcapWriter w = new PcapWriter(this, true);
        writers.add(w);
        return w;
    }

    /** Claims {@code length} bytes at the end of the file; returns where they start. */
    long reserve(final int length) {
        return end.getAndAdd(length);
    }

    void write(final ByteBuffer src, final long position) throws IOException {
        long at = position;
        while (src.hasRemaining()) {
            at += channel.write(src, at);
        }
    }

    /** Flushes every writer and closes the file (its data reaches the disk). */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        for (PcapWriter w : writers) {
            try {
                w.release();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        try {
            channel.force(false);
        } finally {
            channel.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
