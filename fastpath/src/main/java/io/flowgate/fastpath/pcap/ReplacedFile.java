package io.flowgate.fastpath.pcap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An output file written under a temporary name beside its target, {@code .NAME.tmp-PID}, and
 * renamed over the target in one step when finished ({@link #publish()}): a reader sees the old
 * file or the whole new one, never half of it, and the old file survives a run that does not
 * finish ({@link #discard()}, a crash). A target that exists and is not a regular file
 * (/dev/null, a FIFO) is written in place; a symbolic link is followed, so the file it names is
 * replaced and the link kept. Temporary files of processes that no longer run are removed when
 * the next one is made for the same target.
 */
public final class ReplacedFile {
    private final Path written;
    /** Where the finished file goes, or null when {@link #written} is the target itself. */
    private final Path target;

    private ReplacedFile(final Path written, final Path target) {
        this.written = written;
        this.target = target;
    }

    /** Chooses the temporary name for {@code path} (nothing is created yet). */
    public static ReplacedFile of(final Path path) throws IOException {
        final Path abs = path.toAbsolutePath(); // the rename must not depend on a later working directory
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            return new ReplacedFile(abs, null);
        }
        final Path target = Files.isSymbolicLink(abs) && Files.exists(abs) ? abs.toRealPath() : abs;
        final String prefix = "." + target.getFileName() + ".tmp-";
        removeStale(target.getParent(), prefix);
        return new ReplacedFile(target.resolveSibling(prefix + ProcessHandle.current().pid()), target);
    }

    /** Where to write. */
    public Path written() {
        return written;
    }

    /** The file as named (followed if a symbolic link). */
    public Path target() {
        return target != null ? target : written;
    }

    /** The new file gives itself the old one's permissions, as an edit in place would keep them. */
    public void keepPermissions() {
        if (target == null || !Files.exists(target)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(written, Files.getPosixFilePermissions(target));
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the new file keeps the default permissions.
        }
    }

    /** Renames the written file over the target (then syncs the directory); on failure removes it. */
    public void publish() throws IOException {
        if (target == null) {
            return;
        }
        try {
            Files.move(written, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            discard();
            throw e;
        }
        try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename itself has happened.
        }
    }

    /** Removes the written file; the target stays as it was (a file written in place keeps what it got). */
    public void discard() {
        if (target == null) {
            return;
        }
        try {
            Files.deleteIfExists(written);
        } catch (IOException e) {
            // Left behind; the next file made for the same target removes it.
        }
    }

    private static void removeStale(final Path dir, final String prefix) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : s) {
                final String pid = p.getFileName().toString().substring(prefix.length());
                if (pid.matches("[0-9]{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()
                        && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // A directory that cannot be listed: creating the file there will say why.
        }
    }
}
