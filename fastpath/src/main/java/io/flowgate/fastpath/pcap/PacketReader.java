package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads the packets of a capture file one at a time, front to back, in constant memory. Packets
 * before any damage are delivered; the damage itself surfaces as a {@link PcapFormatException}
 * from {@link #next()} naming the file and the byte offset.
 *
 * <p>After {@code next()} returns true the current packet's bytes are copied out with
 * {@link #copyTo}; nothing is allocated per packet. Not thread-safe.
 */
public interface PacketReader extends AutoCloseable {
    /** Ethernet, the only link type Flowgate reads. */
    int LINKTYPE_ETHERNET = 1;

    /** Opens a classic pcap or a pcapng file, telling them apart by their first four bytes. */
    static PacketReader open(final Path path) throws IOException {
        return CaptureReader.open(path, window -> {
            if (!window.ensure(4)) {
                throw window.error(0, "too short for a capture file header (" + window.available() + " bytes)");
            }
            return window.raw32(0, ByteOrder.BIG_ENDIAN) == PcapngReader.SHB_TYPE ? new PcapngReader(window)
                    : new PcapReader(window);
        });
    }

    /** Advances to the next packet; false at a clean end of file. */
    boolean next() throws IOException;

    /** Capture time of the current packet, in nanoseconds since the epoch. */
    long timestampNanos();

    /** Bytes captured for the current packet (what {@link #copyTo} copies). */
    int capturedLength();

    /** Length of the current packet on the wire. */
    int originalLength();

    /** File offset of the current packet's record. */
    long recordOffset();

    /** Copies the current packet's captured bytes to {@code dst} at {@code offset}. */
    void copyTo(MemorySegment dst, long offset);

    /** Snap length of the interface the current packet was captured on (or the file's). */
    int snapLength();

    Path path();

    @Override
    void close() throws IOException;
}
