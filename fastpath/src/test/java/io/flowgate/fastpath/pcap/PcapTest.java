package io.flowgate.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapTest {
    private static final Path PCAP = TestResources.path("oracle/parse/packets.pcap");
    private static final Path PCAPNG = TestResources.path("oracle/parse/packets.pcapng");
    private static final Path EDITCAP_PCAPNG = TestResources.path("oracle/parse/packets.editcap.pcapng");

    @TempDir
    Path tmp;

    record Packet(long timestampNanos, int originalLength, byte[] bytes) {
        @Override
        public boolean equals(final Object o) {
            return o instanceof Packet p && p.timestampNanos == timestampNanos && p.originalLength == originalLength
                    && Arrays.equals(p.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    static List<Packet> readAll(final Path file) throws IOException {
        final List<Packet> out = new ArrayList<>();
        try (PacketReader r = PacketReader.open(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(1 << 17);
            while (r.next()) {
                r.copyTo(buf, 0);
                out.add(new Packet(r.timestampNanos(), r.originalLength(),
                        buf.asSlice(0, r.capturedLength()).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        return out;
    }

    static void copy(final Path from, final Path to) throws IOException {
        try (PcapReader r = PcapReader.open(from); PcapWriter w = new PcapWriter(to, r.header());
             Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(1 << 17);
            while (r.next()) {
                r.copyTo(buf, 0);
                w.write(r.timestampNanos(), buf, 0, r.capturedLength(), r.originalLength());
            }
        }
    }

    @Test
    void readingAndWritingBackIsByteIdentical() throws IOException {
        final Path out = tmp.resolve("copy.pcap");
        copy(PCAP, out);
        assertArrayEquals(Files.readAllBytes(PCAP), Files.readAllBytes(out));
    }

    @Test
    void bigEndianNanosecondFilesRoundTripWithTheirTimestamps() throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(24 + 2 * (16 + 20)).order(ByteOrder.BIG_ENDIAN);
        b.putInt(PcapHeader.MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int i = 0; i < 2; i++) {
            b.putInt(1_700_000_000 + i).putInt(123_456_789).putInt(20).putInt(60);
            for (int j = 0; j < 20; j++) {
                b.put((byte) (i * 20 + j));
            }
        }
        final Path file = tmp.resolve("be-nanos.pcap");
        Files.write(file, b.array());
        final List<Packet> packets = readAll(file);
        assertEquals(2, packets.size());
        assertEquals(1_700_000_001L * 1_000_000_000L + 123_456_789L, packets.get(1).timestampNanos());
        assertEquals(60, packets.get(0).originalLength());
        assertEquals(20, packets.get(1).bytes()[0]);

        final Path out = tmp.resolve("be-nanos-copy.pcap");
        copy(file, out);
        assertArrayEquals(b.array(), Files.readAllBytes(out));
    }

    @Test
    void pcapAndPcapngHoldingTheSamePacketsGiveTheSamePackets() throws IOException {
        final List<Packet> classic = readAll(PCAP);
        assertEquals(68, classic.size());
        assertEquals(classic, readAll(PCAPNG));
        assertEquals(classic, readAll(EDITCAP_PCAPNG));
    }

    @Test
    void truncatedRecordDataIsReportedWithFileAndOffsetAfterDeliveringEarlierPackets() throws IOException {
        final byte[] whole = Files.readAllBytes(PCAP);
        // Header, then record 1 (16 + len1), record 2, then half of record 3.
        final int rec1 = 24;
        final int rec2 = rec1 + 16 + le32(whole, rec1 + 8);
        final int rec3 = rec2 + 16 + le32(whole, rec2 + 8);
        final Path cut = tmp.resolve("cut-data.pcap");
        Files.write(cut, Arrays.copyOf(whole, rec3 + 16 + 5));
        final List<byte[]> delivered = new ArrayList<>();
        final PcapFormatException e = assertThrows(PcapFormatException.class, () -> {
            try (PacketReader r = PacketReader.open(cut); Arena arena = Arena.ofConfined()) {
                final MemorySegment buf = arena.allocate(1 << 16);
                while (r.next()) {
                    r.copyTo(buf, 0);
                    delivered.add(buf.asSlice(0, r.capturedLength()).toArray(ValueLayout.JAVA_BYTE));
                }
            }
        });
        assertEquals(2, delivered.size());
        assertEquals(rec3, e.offset());
        assertEquals(cut, e.file());
        assertTrue(e.getMessage().contains("cut-data.pcap") && e.getMessage().contains("byte offset " + rec3)
                && e.getMessage().contains("truncated packet record"), e.getMessage());
    }

    @Test
    void truncatedRecordHeaderIsReported() throws IOException {
        final byte[] whole = Files.readAllBytes(PCAP);
        final int rec2 = 24 + 16 + le32(whole, 24 + 8);
        final Path cut = tmp.resolve("cut-header.pcap");
        Files.write(cut, Arrays.copyOf(whole, rec2 + 7));
        final PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(cut));
        assertEquals(rec2, e.offset());
        assertTrue(e.getMessage().contains("truncated record header (7 of 16 bytes)"), e.getMessage());
    }

    @Test
    void truncatedFileHeaderAndBadMagicAreReportedAtOffsetZero() throws IOException {
        final Path shortFile = tmp.resolve("short.pcap");
        Files.write(shortFile, Arrays.copyOf(Files.readAllBytes(PCAP), 10));
        final PcapFormatException shortError = assertThrows(PcapFormatException.class, () -> readAll(shortFile));
        assertEquals(0, shortError.offset());
        assertTrue(shortError.getMessage().contains("truncated pcap file header"), shortError.getMessage());

        final Path junk = tmp.resolve("junk.pcap");
        Files.writeString(junk, "this is not a capture file at all");
        final PcapFormatException magic = assertThrows(PcapFormatException.class, () -> readAll(junk));
        assertEquals(0, magic.offset());
        assertTrue(magic.getMessage().contains("junk.pcap: not a pcap or pcapng file (magic 0x74686973) at byte offset 0"),
                magic.getMessage());

        final Path empty = tmp.resolve("empty.pcap");
        Files.write(empty, new byte[0]);
        assertTrue(assertThrows(PcapFormatException.class, () -> readAll(empty)).getMessage().contains("too short"));
    }

    @Test
    void implausibleCapturedLengthIsCorruption() throws IOException {
        final byte[] bytes = Files.readAllBytes(PCAP);
        bytes[24 + 8 + 3] = 0x40; // record 1 claims ~1 GiB
        final Path bad = tmp.resolve("huge.pcap");
        Files.write(bad, bytes);
        final PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(bad));
        assertEquals(24, e.offset());
        assertTrue(e.getMessage().contains("captured bytes"), e.getMessage());
    }

    @Test
    void nonEthernetLinkTypeIsRefused() throws IOException {
        final byte[] bytes = Files.readAllBytes(PCAP);
        bytes[20] = 101; // LINKTYPE_RAW
        final Path raw = tmp.resolve("raw.pcap");
        Files.write(raw, bytes);
        final PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(raw));
        assertTrue(e.getMessage().contains("link type 101 is not Ethernet"), e.getMessage());
    }

    @Test
    void pcapngBlockWithMismatchedTrailerIsCorruptionAfterEarlierPackets() throws IOException {
        final byte[] bytes = Files.readAllBytes(PCAPNG);
        // Walk to the third enhanced packet block and damage its trailing length.
        int at = 0;
        int epbs = 0;
        int target = -1;
        while (at < bytes.length) {
            final int type = le32(bytes, at);
            final int len = le32(bytes, at + 4);
            if (type == 6 && ++epbs == 3) {
                target = at;
                bytes[at + len - 4] ^= 0x04;
                break;
            }
            at += len;
        }
        final Path bad = tmp.resolve("trailer.pcapng");
        Files.write(bad, bytes);
        final int[] count = {0};
        final PcapFormatException e = assertThrows(PcapFormatException.class, () -> {
            try (PacketReader r = PacketReader.open(bad)) {
                while (r.next()) {
                    count[0]++;
                }
            }
        });
        assertEquals(2, count[0]);
        assertTrue(e.getMessage().contains("trailer.pcapng") && e.getMessage().contains("does not match"), e.getMessage());
        assertEquals(target + le32(bytes, target + 4) - 4, e.offset());
    }

    @Test
    void truncatedPcapngIsReported() throws IOException {
        final byte[] bytes = Files.readAllBytes(PCAPNG);
        final Path cut = tmp.resolve("cut.pcapng");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 10));
        final PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(cut));
        assertTrue(e.getMessage().contains("truncated block"), e.getMessage());
    }

    @Test
    void pcapngTimestampResolutionsConvertToNanoseconds() {
        assertEquals(1_500_000_000L, PcapngReader.toNanos(1_500_000, 6));
        assertEquals(1_500_000_000L, PcapngReader.toNanos(1_500_000_000L, 9));
        assertEquals(1_500_000_000L, PcapngReader.toNanos(15_000_000_000L, 10));
        assertEquals(1_500_000_000L, PcapngReader.toNanos(3L << 29, 0x80 | 30));
    }

    @Test
    void emptyCaptureHasNoPackets() throws IOException {
        final Path file = tmp.resolve("empty-ok.pcap");
        try (PcapWriter _ = PcapWriter.create(file)) {
            assertTrue(Files.exists(file));
        }
        try (PacketReader r = PacketReader.open(file)) {
            assertFalse(r.next());
        }
    }

    private static int le32(final byte[] b, final int at) {
        return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void severalThreadsWriteOneFileThroughTheirOwnWritersWithoutMixingRecords() throws Exception {
        final Path file = tmp.resolve("shared.pcap");
        final int threads = 4;
        final int perThread = 20_000;
        try (PcapFile pcap = PcapFile.create(file)) {
            final List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final PcapWriter w = pcap.writer();
                final int id = t;
                workers.add(Thread.ofPlatform().start(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        final MemorySegment frame = arena.allocate(100);
                        for (int i = 0; i < perThread; i++) {
                            // Frame length and contents encode the writer and the sequence number.
                            final int len = 20 + (i % 80);
                            frame.fill((byte) id);
                            frame.set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                            w.write(i, frame, 0, len, len);
                            if (i % 7 == 0) {
                                w.flush();
                            }
                        }
                        w.flush();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (Thread t : workers) {
                t.join();
            }
        }
        final int[] next = new int[threads];
        try (PacketReader r = PacketReader.open(file); Arena arena = Arena.ofConfined()) {
            final MemorySegment buf = arena.allocate(256);
            while (r.next()) {
                r.copyTo(buf, 0);
                final int id = buf.get(ValueLayout.JAVA_BYTE, r.capturedLength() - 1);
                final int seq = buf.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                assertEquals(next[id], seq, "writer " + id + "'s records stay whole and in order");
                assertEquals(20 + seq % 80, r.capturedLength());
                next[id]++;
            }
        }
        assertArrayEquals(new int[] {perThread, perThread, perThread, perThread}, next);
    }
}
