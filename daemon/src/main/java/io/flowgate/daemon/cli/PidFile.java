package io.flowgate.daemon.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code RUNDIR/flowgate.pid}: the daemon's pid, for clients (ovs-appctl finds the control socket
 * {@code flowgate.PID.ctl} through it). It appears only once the daemon is ready, its control
 * socket listening ({@link #ready()}, an atomic rename), so a script that waits for the pid file
 * and then calls ovs-appctl is answered. A second daemon with the same run directory is refused
 * from the start through a lock on {@code flowgate.pid.lock}, which holds the pid as well.
 * Both are removed on close.
 */
final class PidFile implements AutoCloseable {
    static final String NAME = "flowgate.pid";
    static final String LOCK = NAME + ".lock";

    private final Path rundir;
    private final FileChannel channel;
    private final FileLock lock;
    /** The pid file's own lock: ovs-appctl takes an unlocked pid file for a stale one. */
    private FileChannel pidChannel;

    private PidFile(final Path rundir, final FileChannel channel, final FileLock lock) {
        this.rundir = rundir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the run directory if needed and takes the lock; fails if another daemon holds it. */
    static PidFile acquire(final Path rundir) throws IOException {
        try {
            Files.createDirectories(rundir);
        } catch (IOException e) {
            throw new IOException("cannot create run directory " + rundir + ": " + FlowgateCommand.describe(e), e);
        }
        final Path path = rundir.resolve(LOCK);
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
        ch.write(ByteBuffer.wrap(pidLine()), 0);
        ch.force(false);
        return new PidFile(rundir, ch, lock);
    }

    private static byte[] pidLine() {
        return (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The daemon answers on its control socket: the pid file appears, whole and locked (as OVS
     * daemons hold theirs), at once.
     */
    void ready() throws IOException {
        final Path tmp = rundir.resolve(NAME + ".tmp");
        final FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() == null) {
                throw new IOException(tmp + " is locked by another process");
            }
            ch.write(ByteBuffer.wrap(pidLine()), 0);
            ch.force(false);
            Files.move(tmp, rundir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        pidChannel = ch;
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(rundir.resolve(NAME));
            Files.deleteIfExists(rundir.resolve(LOCK)); // before the lock goes: a newcomer makes its own
            lock.release();
        } finally {
            channel.close();
            if (pidChannel != null) {
                pidChannel.close();
            }
        }
    }
}
