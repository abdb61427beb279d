package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
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
 *
 * <p>Made by {@link #create}, the file is written in place, as packets go (a dummy port's tx_pcap,
 * which a reader follows while it runs). Made by {@link #replacing}, it is written to a temporary
 * file beside it, {@code .NAME.tmp-PID}, which {@link #close()} renames over NAME in one step: a
 * reader sees the old file or the whole new one, never half of it, and an earlier file survives a
 * run that does not finish ({@link #discard()}, a crash). A target that exists and is not a
 * regular file (/dev/null, a FIFO) is written in place; a symbolic link is followed, so the file
 * it names is replaced and the link kept.
 */
public final class PcapFile implements AutoCloseable {
    private final Path path;
    /** Where the finished file goes, or null when the file is written in place. */
    private final ReplacedFile replaced;
    private final PcapHeader header;
    private final FileChannel channel;
    private final AtomicLong end = new AtomicLong(PcapHeader.SIZE);
    private final List<PcapWriter> writers = new ArrayList<>();
    private boolean closed;

    private PcapFile(final Path path, final ReplacedFile replaced, final PcapHeader header) throws IOException {
        this.path = path;
        this.replaced = replaced;
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

    /** Creates (or truncates) {@code path} and writes the file header; records are written in place. */
    public static PcapFile create(final Path path, final PcapHeader header) throws IOException {
        return new PcapFile(path, null, header);
    }

    /**
     * An Ethernet, microsecond, little-endian file that replaces {@code path} when closed; until
     * then {@code path} is left as it was. Temporary files of processes that no longer run (a
     * crash, a SIGKILL) are removed on the way.
     */
    public static PcapFile replacing(final Path path) throws IOException {
        final ReplacedFile r = ReplacedFile.of(path);
        final PcapFile f = new PcapFile(r.written(), r, PcapHeader.ethernet());
        r.keepPermissions();
        return f;
    }

    /** An Ethernet, microsecond, little-endian file (what OVS's tx_pcap writes). */
    public static PcapFile create(final Path path) throws IOException {
        return create(path, PcapHeader.ethernet());
    }

    /** The file as named (the target of a {@link #replacing} file, not its temporary name). */
    public Path path() {
        return replaced != null ? replaced.target() : path;
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

    /**
     * Flushes every writer and closes the file (its data reaches the disk); a {@link #replacing}
     * file then takes its name. If that fails, the temporary file is removed and the old file kept.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            IOException failure = null;
            for (PcapWriter w : writers) {
                try {
                    w.release();
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
            try {
                if (Files.isRegularFile(path)) { // /dev/null or a FIFO cannot be synced (EINVAL)
                    channel.force(false);
                }
            } finally {
                channel.close();
            }
            if (failure != null) {
                throw failure;
            }
            if (replaced != null) {
                replaced.publish();
            }
        } catch (IOException | RuntimeException e) {
            deleteTemporary();
            throw e;
        }
    }

    /**
     * Closes without publishing: a {@link #replacing} file's temporary file is removed and the old
     * file left as it was (a file written in place keeps what was written).
     */
    public synchronized void discard() {
        if (closed) {
            return;
        }
        closed = true;
        for (PcapWriter w : writers) {
            try {
                w.release();
            } catch (IOException e) {
                // Being thrown away.
            }
        }
        try {
            channel.close();
        } catch (IOException e) {
            // Being thrown away.
        }
        deleteTemporary();
    }

    private void deleteTemporary() {
        if (replaced != null) {
            replaced.discard();
        }
    }
}
