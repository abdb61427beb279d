package io.flowgate.fastpath.pcap;

import java.nio.ByteOrder;

/**
 * The global header of a classic pcap file. Kept whole so that a file read and written back is
 * byte-identical.
 *
 * @param order        byte order of every header field in the file
 * @param nanos        true for the nanosecond magic (0xa1b23c4d), false for microseconds
 * @param linkType     the full 32-bit link-type field (the low 16 bits are the link type)
 */
public record PcapHeader(ByteOrder order, boolean nanos, int versionMajor, int versionMinor,
                         int thisZone, int sigFigs, int snapLength, int linkType) {
    public static final int MAGIC_MICROS = 0xA1B2_C3D4;
    public static final int MAGIC_NANOS = 0xA1B2_3C4D;
    public static final int SIZE = 24;
    /** Default snap length of files Flowgate writes (as tcpdump's). */
    public static final int DEFAULT_SNAPLEN = 262_144;

    /** What Flowgate writes by default: little-endian, microseconds, Ethernet, like OVS's tx_pcap. */
    public static PcapHeader ethernet() {
        return new PcapHeader(ByteOrder.LITTLE_ENDIAN, false, 2, 4, 0, 0, DEFAULT_SNAPLEN, PacketReader.LINKTYPE_ETHERNET);
    }

    public PcapHeader withNanos(final boolean useNanos) {
        return new PcapHeader(order, useNanos, versionMajor, versionMinor, thisZone, sigFigs, snapLength, linkType);
    }
}
