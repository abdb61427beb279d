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
 * The pid file, {@code RUNDIR/flowgate.pid} unless {@code --pidfile=FILE} says otherwise: the
 * daemon's pid, for clients (ovs-appctl finds the control socket {@code RUNDIR/NAME.PID.ctl}
 * through {@code RUNDIR/NAME.pid}, NAME being the pid file's name without {@code .pid}). It
 * appears only once the daemon is ready, its control socket listening ({@link #ready()}, an
 * atomic rename), so a script that waits for the pid file and then calls ovs-appctl is answered.
 * A second daemon with the same pid file is refused from the start through a lock on
 * {@code FILE.lock}, which holds the pid as well. Both are removed on close.
 */
final class PidFile implements AutoCloseable {
    static final String NAME = "flowgate.pid";

    private final Path file;
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;
    /** The pid file's own lock: ovs-appctl takes an unlocked pid file for a stale one. */
    private FileChannel pidChannel;

    private PidFile(final Path file, final Path lockFile, final FileChannel channel, final FileLock lock) {
        this.file = file;
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** The pid file OVS's way: FILE relative to the run directory; null or empty is the default. */
    static Path of(final Path rundir, final String given) {
        return given == null || given.isEmpty() ? rundir.resolve(NAME) : rundir.resolve(given);
    }

    /** The daemon's name for clients (ovs-appctl -t NAME): the pid file's name without .pid. */
    static String daemonName(final Path file) {
        final String f = file.getFileName().toString();
        return f.endsWith(".pid") && f.length() > 4 ? f.substring(0, f.length() - 4) : f;
    }

    /**
     * Creates the run directory (for the control socket) and the pid file's directory if needed
     * and takes the lock; fails if another daemon holds it.
     */
    static PidFile acquire(final Path rundir, final Path file) throws IOException {
        try {
            Files.createDirectories(rundir);
        } catch (IOException e) {
            throw new IOException("cannot create run directory " + rundir + ": " + FlowgateCommand.describe(e), e);
        }
        final Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create directory " + dir + " for the pid file: "
                    + FlowgateCommand.describe(e), e);
        }
        final Path path = lockFile(file);
        final FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        final FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            ch.close();
            throw new IOException("already running with " + owner(file) + " (in this process)");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            final String other = new String(Files.readAllBytes(path), StandardCharsets.US_ASCII).strip();
            ch.close();
            throw new IOException("already running with " + owner(file)
                    + (other.isEmpty() ? "" : " (pid " + other + ")"));
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(pidLine()), 0);
        ch.force(false);
        return new PidFile(file, path, ch, lock);
    }

    /** What the other daemon shares with this one: the run directory, or the pid file given. */
    private static String owner(final Path file) {
        return file.getFileName().toString().equals(NAME) ? "run directory " + file.getParent() : "pid file " + file;
    }

    static Path lockFile(final Path file) {
        return file.resolveSibling(file.getFileName() + ".lock");
    }

    private static byte[] pidLine() {
        return (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The daemon answers on its control socket: the pid file appears, whole and locked (as OVS
     * daemons hold theirs), at once.
     */
    void ready() throws IOException {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        final FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() == null) {
                throw new IOException(tmp + " is locked by another process");
            }
            ch.write(ByteBuffer.wrap(pidLine()), 0);
            ch.force(false);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        pidChannel = ch;
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(lockFile); // before the lock goes: a newcomer makes its own
            lock.release();
        } finally {
            channel.close();
            if (pidChannel != null) {
                pidChannel.close();
            }
        }
    }
}
