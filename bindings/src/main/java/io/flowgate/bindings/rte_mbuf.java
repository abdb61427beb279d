package io.flowgate.bindings;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct rte_mbuf} (DPDK 22.11, x86_64), in jextract's shape: its layout, the offsets of
 * the fields Flowgate uses, and accessors. The fast path reads and writes mbufs by address, so the
 * accessors take one ({@code long}) over the whole address space. {@link Layouts} checks every
 * offset here against the shim at start-up.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:MethodName", "checkstyle:ConstantName"})
public final class rte_mbuf {
    @SuppressWarnings("restricted") // mbufs are read by address; Layouts checks the offsets against the shim
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /** The first two cache lines as far as Flowgate uses them; the rest is padding. */
    private static final StructLayout LAYOUT = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("buf_addr"),
            ValueLayout.JAVA_LONG.withName("buf_iova"),
            ValueLayout.JAVA_SHORT.withName("data_off"),
            ValueLayout.JAVA_SHORT.withName("refcnt"),
            ValueLayout.JAVA_SHORT.withName("nb_segs"),
            ValueLayout.JAVA_SHORT.withName("port"),
            ValueLayout.JAVA_LONG.withName("ol_flags"),
            ValueLayout.JAVA_INT.withName("packet_type"),
            ValueLayout.JAVA_INT.withName("pkt_len"),
            ValueLayout.JAVA_SHORT.withName("data_len"),
            ValueLayout.JAVA_SHORT.withName("vlan_tci"),
            MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_INT).withName("hash"),
            ValueLayout.JAVA_SHORT.withName("vlan_tci_outer"),
            ValueLayout.JAVA_SHORT.withName("buf_len"),
            ValueLayout.ADDRESS.withName("pool"),
            ValueLayout.ADDRESS.withName("next"),
            MemoryLayout.paddingLayout(56)).withName("rte_mbuf");

    public static final long buf_addr = offset("buf_addr");
    public static final long data_off = offset("data_off");
    public static final long refcnt = offset("refcnt");
    public static final long nb_segs = offset("nb_segs");
    public static final long port = offset("port");
    public static final long ol_flags = offset("ol_flags");
    public static final long pkt_len = offset("pkt_len");
    public static final long data_len = offset("data_len");
    public static final long buf_len = offset("buf_len");
    /** {@code hash.rss}: the NIC's RSS hash, valid when {@link #F_RX_RSS_HASH} is in ol_flags. */
    public static final long hash_rss = offset("hash");
    /** {@code RTE_MBUF_F_RX_RSS_HASH}. */
    public static final long F_RX_RSS_HASH = 1L << 1;
    public static final long pool = offset("pool");
    public static final long next = offset("next");

    private rte_mbuf() {
    }

    public static StructLayout layout() {
        return LAYOUT;
    }

    private static long offset(final String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    public static long buf_addr(final long m) {
        return ALL.get(U64, m + buf_addr);
    }

    public static int data_off(final long m) {
        return ALL.get(U16, m + data_off) & 0xFFFF;
    }

    public static void data_off(final long m, final int value) {
        ALL.set(U16, m + data_off, (short) value);
    }

    public static int nb_segs(final long m) {
        return ALL.get(U16, m + nb_segs) & 0xFFFF;
    }

    public static int pkt_len(final long m) {
        return ALL.get(U32, m + pkt_len);
    }

    public static void pkt_len(final long m, final int value) {
        ALL.set(U32, m + pkt_len, value);
    }

    public static int data_len(final long m) {
        return ALL.get(U16, m + data_len) & 0xFFFF;
    }

    public static void data_len(final long m, final int value) {
        ALL.set(U16, m + data_len, (short) value);
    }

    public static int buf_len(final long m) {
        return ALL.get(U16, m + buf_len) & 0xFFFF;
    }

    public static long ol_flags(final long m) {
        return ALL.get(U64, m + ol_flags);
    }

    public static int hash_rss(final long m) {
        return ALL.get(U32, m + hash_rss);
    }

    /** A 64-bit dynamic field at {@code offset} (as registered through rte_mbuf_dynfield_lookup). */
    public static long dynfield64(final long m, final int offset) {
        return ALL.get(U64, m + offset);
    }
}
