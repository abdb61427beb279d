package io.flowgate.fastpath.parse;

/**
 * Why a frame could not be parsed in full. Each reason has a counter in {@link ParseCounters}.
 * Only {@link #RUNT_FRAME} drops the packet (as OVS drops frames shorter than an Ethernet header
 * on receive); every other anomaly leaves the fields that could not be read at zero and the packet
 * is classified like OVS would classify it.
 */
public enum ParseAnomaly {
    /** Shorter than an Ethernet header (14 bytes): dropped. */
    RUNT_FRAME("runt frame (< 14 bytes), dropped"),
    /** A VLAN TPID with fewer than 6 bytes behind it: the tag is not parsed. */
    VLAN_TRUNCATED("truncated VLAN tag"),
    /** An ARP/RARP body that is short or not Ethernet/IPv4. */
    ARP_MALFORMED("ARP not Ethernet/IPv4 or truncated"),
    /** Fewer than 20 bytes where an IPv4 header should be. */
    IPV4_TRUNCATED("IPv4 header truncated"),
    /** IHL below 5, or a header longer than the frame. */
    IPV4_BAD_IHL("IPv4 header length bad"),
    /** Total length beyond the frame or shorter than the header. */
    IPV4_BAD_TOTAL_LENGTH("IPv4 total length bad"),
    /** Fewer than 40 bytes, or payload length beyond the frame. */
    IPV6_TRUNCATED("IPv6 header or payload truncated"),
    /** An extension header that does not fit. */
    IPV6_BAD_EXTENSION_CHAIN("IPv6 extension header chain broken"),
    /** A non-first fragment: it carries no L4 header (counted, not an error). */
    IP_LATER_FRAGMENT("later IP fragment, no L4 fields"),
    /** A TCP, UDP, SCTP, ICMP or ICMPv6 header that does not fit in the IP payload. */
    L4_TRUNCATED("L4 header truncated"),
    /** A TCP data offset below 5, or beyond the segment. */
    TCP_BAD_OFFSET("TCP data offset bad"),
    /** A neighbour discovery message with a repeated link-layer address option. */
    ND_MALFORMED("ND option repeated");

    private final String description;

    ParseAnomaly(final String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
