package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Streaming reader of classic pcap files: microsecond and nanosecond magic, either byte order,
 * Ethernet link type. Use {@link PacketReader#open} unless the format is known.
 */
public final class PcapReader extends CaptureReader {
    private static final int RECORD_HEADER = 16;

    private final PcapHeader header;
    private final int maxCaptured;
    private boolean consumed = true;

    public static PcapReader open(final Path path) throws IOException {
        return open(path, PcapReader::new);
    }

    PcapReader(final FileWindow in) throws IOException {
        super(in);
        if (!in.ensure(PcapHeader.SIZE)) {
            throw in.error(0, "truncated pcap file header (" + in.available() + " of " + PcapHeader.SIZE + " bytes)");
        }
        final int le = in.raw32(0, ByteOrder.LITTLE_ENDIAN);
        final int be = in.raw32(0, ByteOrder.BIG_ENDIAN);
        final ByteOrder order;
        final boolean nanos;
        if (le == PcapHeader.MAGIC_MICROS || le == PcapHeader.MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanos = le == PcapHeader.MAGIC_NANOS;
        } else if (be == PcapHeader.MAGIC_MICROS || be == PcapHeader.MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            nanos = be == PcapHeader.MAGIC_NANOS;
        } else {
            throw in.error(0, String.format("not a pcap or pcapng file (magic 0x%08x)", be));
        }
        in.order(order);
        header = new PcapHeader(order, nanos, in.u16(4), in.u16(6), in.s32(8), in.s32(12), in.s32(16), in.s32(20));
        if ((header.linkType() & 0xFFFF) != LINKTYPE_ETHERNET) {
            throw in.error(20, "link type " + (header.linkType() & 0xFFFF) + " is not Ethernet (1)");
        }
        in.skip(PcapHeader.SIZE);
        // Some writers put 0 or 65535 in snaplen and still write bigger records; accept up to the
        // largest snap length in use (262144) before calling a record corrupt.
        final long snap = header.snapLength() & 0xFFFF_FFFFL;
        maxCaptured = (int) Math.min(FileWindow.MAX_RECORD, Math.max(snap, PcapHeader.DEFAULT_SNAPLEN));
    }

    public PcapHeader header() {
        return header;
    }

    @Override
    public boolean next() throws IOException {
        if (!consumed) {
            in.skip(capturedLength());
        }
        consumed = true;
        final long at = in.offset();
        if (!in.ensure(RECORD_HEADER)) {
            if (in.available() == 0) {
                return false;
            }
            throw in.error(at, "truncated record header (" + in.available() + " of " + RECORD_HEADER + " bytes)");
        }
        final long seconds = in.u32(0);
        final long fraction = in.u32(4);
        final long incl = in.u32(8);
        final long orig = in.u32(12);
        if (incl > maxCaptured) {
            throw in.error(at, "record claims " + incl + " captured bytes, more than the snap length "
                    + (header.snapLength() & 0xFFFF_FFFFL) + " allows");
        }
        if (!in.ensure(RECORD_HEADER + (int) incl)) {
            throw in.error(at, "truncated packet record (" + (in.available() - RECORD_HEADER) + " of " + incl
                    + " captured bytes present)");
        }
        in.skip(RECORD_HEADER);
        record(at, seconds * 1_000_000_000L + (header.nanos() ? fraction : fraction * 1_000L), (int) incl, orig);
        consumed = false;
        return true;
    }

    @Override
    public void copyTo(final MemorySegment dst, final long offset) {
        in.copy(0, dst, offset, capturedLength());
    }

    @Override
    public int snapLength() {
        return header.snapLength();
    }
}
