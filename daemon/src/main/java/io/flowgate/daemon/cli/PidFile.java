package io.flowgate.daemon.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code RUNDIR/flowgate.pid}, locked while the daemon runs, so a second daemon with the same run
 * directory refuses to start (as OVS daemons do with their pid files). Removed on close.
 */
final class PidFile implements AutoCloseable {
    static final String NAME = "flowgate.pid";

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private PidFile(final Path path, final FileChannel channel, final FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the run directory if needed and takes the pid file; fails if another daemon holds it. */
    static PidFile acquire(final Path rundir) throws IOException {
        try {
            Files.createDirectories(rundir);
        } catch (IOException e) {
            throw new IOException("cannot create run directory " + rundir + ": " + FlowgateCommand.describe(e), e);
        }
        final Path path = rundir.resolve(NAME);
        final FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        final FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            ch.close();
            throw new IOException("already running with run directory " + rundir + " (in this process)");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            final String other = new String(Files.readAllBytes(path), StandardCharsets.US_ASCII).strip();
            ch.close();
            throw new IOException("already running with run directory " + rundir
                    + (other.isEmpty() ? "" : " (pid " + other + ")"));
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new PidFile(path, ch, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(path);
            lock.release();
        } finally {
            channel.close();
        }
    }
}
