package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Streaming reader of pcapng files: section header, interface description and enhanced, simple
 * and (obsolete) packet blocks; other blocks are skipped. Several sections, either byte order,
 * per-interface timestamp resolution and offset. Every interface must be Ethernet.
 */
public final class PcapngReader extends CaptureReader {
    /** Block type of a section header block; also the file's first four bytes. */
    static final int SHB_TYPE = 0x0A0D_0D0A;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B_3C4D;
    private static final int IDB_TYPE = 1;
    private static final int PB_TYPE = 2;
    private static final int SPB_TYPE = 3;
    private static final int EPB_TYPE = 6;
    private static final int OPT_END = 0;
    private static final int OPT_IF_TSRESOL = 9;
    private static final int OPT_IF_TSOFFSET = 14;

    /** Per interface of the current section: snap length, and timestamp unit as (decimal?, exponent). */
    private int[] snapLengths = new int[4];
    private int[] resolutions = new int[4];
    private long[] tsOffsets = new long[4];
    private int interfaces;

    private int dataAt;
    private int blockLength;
    private boolean inBlock;
    private int currentSnap;

    public static PcapngReader open(final Path path) throws IOException {
        return open(path, PcapngReader::new);
    }

    PcapngReader(final FileWindow in) throws IOException {
        super(in);
        if (!in.ensure(4) || in.raw32(0, ByteOrder.BIG_ENDIAN) != SHB_TYPE) {
            throw in.error(0, "not a pcapng file (no section header block)");
        }
    }

    @Override
    public boolean next() throws IOException {
        while (true) {
            if (inBlock) {
                in.skip(blockLength);
                inBlock = false;
            }
            final long at = in.offset();
            if (!in.ensure(12)) {
                if (in.available() == 0) {
                    return false;
                }
                throw in.error(at, "truncated block header (" + in.available() + " of 12 bytes)");
            }
            if (in.raw32(0, ByteOrder.BIG_ENDIAN) == SHB_TYPE) {
                // The byte-order magic tells how to read this section, its own length included.
                final int magicLe = in.raw32(8, ByteOrder.LITTLE_ENDIAN);
                if (magicLe == BYTE_ORDER_MAGIC) {
                    in.order(ByteOrder.LITTLE_ENDIAN);
                } else if (Integer.reverseBytes(magicLe) == BYTE_ORDER_MAGIC) {
                    in.order(ByteOrder.BIG_ENDIAN);
                } else {
                    throw in.error(at + 8, String.format("section header has no byte-order magic (0x%08x)", magicLe));
                }
                interfaces = 0;
            }
            final int type = in.s32(0);
            final long length = in.u32(4);
            if (length < 12 || (length & 3) != 0 || length > FileWindow.MAX_RECORD) {
                throw in.error(at, "block of type " + Integer.toUnsignedString(type) + " has an invalid length " + length);
            }
            if (!in.ensure((int) length)) {
                throw in.error(at, "truncated block of type " + Integer.toUnsignedString(type) + " (" + in.available()
                        + " of " + length + " bytes)");
            }
            if (in.u32((int) length - 4) != length) {
                throw in.error(at + length - 4, "block trailer length " + in.u32((int) length - 4)
                        + " does not match the header length " + length);
            }
            blockLength = (int) length;
            inBlock = true;
            switch (type) {
                case IDB_TYPE -> interfaceDescription(at);
                case EPB_TYPE -> {
                    if (enhancedPacket(at, 8, true)) {
                        return true;
                    }
                }
                case PB_TYPE -> {
                    if (enhancedPacket(at, 8, false)) {
                        return true;
                    }
                }
                case SPB_TYPE -> {
                    if (simplePacket(at)) {
                        return true;
                    }
                }
                default -> {
                    // Section headers, name resolution, statistics, custom blocks: nothing to deliver.
                }
            }
        }
    }

    private void interfaceDescription(final long at) throws PcapFormatException {
        if (blockLength < 20) {
            throw in.error(at, "interface description block too short (" + blockLength + " bytes)");
        }
        final int linkType = in.u16(8);
        if (linkType != LINKTYPE_ETHERNET) {
            throw in.error(at + 8, "interface " + interfaces + " has link type " + linkType + ", not Ethernet (1)");
        }
        if (interfaces == snapLengths.length) {
            snapLengths = Arrays.copyOf(snapLengths, interfaces * 2);
            resolutions = Arrays.copyOf(resolutions, interfaces * 2);
            tsOffsets = Arrays.copyOf(tsOffsets, interfaces * 2);
        }
        snapLengths[interfaces] = in.s32(12);
        resolutions[interfaces] = 6;
        tsOffsets[interfaces] = 0;
        int p = 16;
        final int end = blockLength - 4;
        while (p + 4 <= end) {
            final int code = in.u16(p);
            final int len = in.u16(p + 2);
            if (code == OPT_END) {
                break;
            }
            if (p + 4 + len > end) {
                throw in.error(at + p, "interface option " + code + " runs past its block");
            }
            if (code == OPT_IF_TSRESOL && len >= 1) {
                resolutions[interfaces] = in.u8(p + 4);
            } else if (code == OPT_IF_TSOFFSET && len >= 8) {
                final long a = in.u32(p + 4);
                final long b = in.u32(p + 8);
                tsOffsets[interfaces] = in.order() == ByteOrder.LITTLE_ENDIAN ? (b << 32) | a : (a << 32) | b;
            }
            p += 4 + ((len + 3) & ~3);
        }
        interfaces++;
    }

    /** Enhanced packet block, or the obsolete packet block (2-byte interface id and drop count). */
    private boolean enhancedPacket(final long at, final int body, final boolean enhanced) throws PcapFormatException {
        if (blockLength < body + 20 + 4) {
            throw in.error(at, "packet block too short (" + blockLength + " bytes)");
        }
        final int iface = enhanced ? in.s32(body) : in.u16(body);
        if (iface < 0 || iface >= interfaces) {
            throw in.error(at + body, "packet refers to interface " + Integer.toUnsignedString(iface)
                    + " but the section describes " + interfaces);
        }
        final long ts = (in.u32(body + 4) << 32) | in.u32(body + 8);
        final long incl = in.u32(body + 12);
        final long orig = in.u32(body + 16);
        final int data = body + 20;
        if (data + incl > blockLength - 4) {
            throw in.error(at, "packet block claims " + incl + " captured bytes but holds " + (blockLength - 4 - data));
        }
        deliver(at, data, (int) incl, orig, iface, toNanos(ts, resolutions[iface]) + tsOffsets[iface] * 1_000_000_000L);
        return true;
    }

    private boolean simplePacket(final long at) throws PcapFormatException {
        if (interfaces == 0) {
            throw in.error(at, "simple packet block before any interface description");
        }
        final long orig = in.u32(8);
        final int room = blockLength - 16;
        final int snap = snapLengths[0];
        long incl = Math.min(orig, room);
        if (snap > 0) {
            incl = Math.min(incl, snap);
        }
        deliver(at, 12, (int) incl, orig, 0, 0);
        return true;
    }

    private void deliver(final long at, final int data, final int incl, final long orig, final int iface, final long ts) {
        record(at, ts, incl, orig);
        dataAt = data;
        currentSnap = snapLengths[iface];
    }

    /** Converts a timestamp in units given by an if_tsresol value to nanoseconds. */
    static long toNanos(final long ts, final int resolution) {
        final int exponent = resolution & 0x7F;
        if ((resolution & 0x80) == 0) {
            if (exponent <= 9) {
                long scale = 1;
                for (int i = exponent; i < 9; i++) {
                    scale *= 10;
                }
                return ts * scale;
            }
            long div = 1;
            for (int i = 9; i < exponent && div < Long.MAX_VALUE / 10; i++) {
                div *= 10;
            }
            return Long.divideUnsigned(ts, div);
        }
        if (exponent >= 63) {
            return 0;
        }
        final long whole = ts >>> exponent;
        final long frac = ts & ((1L << exponent) - 1);
        return whole * 1_000_000_000L + Math.multiplyHigh(frac << (63 - exponent), 2_000_000_000L);
    }

    @Override
    public void copyTo(final MemorySegment dst, final long offset) {
        in.copy(dataAt, dst, offset, capturedLength());
    }

    @Override
    public int snapLength() {
        return currentSnap;
    }
}
