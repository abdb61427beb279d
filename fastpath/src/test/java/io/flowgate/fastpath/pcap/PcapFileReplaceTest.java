package io.flowgate.fastpath.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output made by {@link PcapFile#replacing} never shows half of itself under its name: the
 * old file stays whole until close, which puts the new one in its place in one rename; a discarded
 * output, or one of a process that died, leaves the old file as it was.
 */
class PcapFileReplaceTest {
    private static final byte[] OLD = "the capture an operator kept\n".getBytes();

    @TempDir
    Path dir;

    private static void writePackets(final PcapFile f, final int n) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment frame = arena.allocate(60);
            final PcapWriter w = f.writer();
            for (int i = 0; i < n; i++) {
                frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) i);
                w.write(1_000_000_000L * i, frame, 0, 60, 60);
            }
            w.flush();
        }
    }

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
        }
    }

    @Test
    void theOldFileStaysWholeUntilCloseReplacesIt() throws IOException {
        final Path out = Files.write(dir.resolve("out.pcap"), OLD);
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r-----"));
        final PcapFile f = PcapFile.replacing(out);
        writePackets(f, 3);
        assertArrayEquals(OLD, Files.readAllBytes(out), "while written, the name still holds the old file");
        assertEquals(List.of(dir.resolve(".out.pcap.tmp-" + ProcessHandle.current().pid())), temporaries());
        assertEquals(out, f.path());
        f.close();
        assertEquals(3, PcapTest.readAll(out).size(), "closed: the new capture, whole");
        assertEquals(List.of(), temporaries());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    void aDiscardedOutputLeavesTheOldFileAndNoTemporary() throws IOException {
        final Path out = Files.write(dir.resolve("out.pcap"), OLD);
        final PcapFile f = PcapFile.replacing(out);
        writePackets(f, 2);
        f.discard();
        assertArrayEquals(OLD, Files.readAllBytes(out));
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aTemporaryOfAProcessThatDiedIsRemovedAndOneOfALiveProcessKept() throws IOException {
        final Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            final Path dead = Files.write(dir.resolve(".out.pcap.tmp-" + deadPid()), OLD);
            final Path live = Files.write(dir.resolve(".out.pcap.tmp-" + sleeper.pid()), OLD);
            final Path other = Files.write(dir.resolve(".other.pcap.tmp-" + deadPid()), OLD);
            final PcapFile f = PcapFile.replacing(dir.resolve("out.pcap"));
            f.close();
            assertFalse(Files.exists(dead), "a crashed run's temporary goes");
            assertTrue(Files.exists(live), "another running process's temporary stays");
            assertTrue(Files.exists(other), "another output's temporary is not this one's business");
        } finally {
            sleeper.destroy();
        }
    }

    @Test
    void aSymbolicLinkIsFollowedAndKept() throws IOException {
        final Path real = Files.write(dir.resolve("real.pcap"), OLD);
        final Path link = Files.createSymbolicLink(dir.resolve("link.pcap"), real.getFileName());
        final PcapFile f = PcapFile.replacing(link);
        writePackets(f, 1);
        f.close();
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals(1, PcapTest.readAll(real).size(), "the file it names was replaced");
    }

    @Test
    void aFileThatIsNotRegularIsWrittenInPlace() throws IOException {
        final PcapFile f = PcapFile.replacing(Path.of("/dev/null"));
        writePackets(f, 2);
        f.close();
        assertFalse(Files.isRegularFile(Path.of("/dev/null")), "/dev/null is not replaced by a file");
    }

    /** A pid no process has (pids count up; this one was just used and is gone). */
    private static long deadPid() throws IOException {
        final Process p = new ProcessBuilder("true").start();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return p.pid();
    }
}
