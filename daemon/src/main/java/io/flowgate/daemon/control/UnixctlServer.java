package io.flowgate.daemon.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The control socket: a Unix stream socket that speaks OVS's unixctl protocol, so the real
 * {@code ovs-appctl} is a client. Each connection is served by its own virtual thread, so a slow
 * command holds up nobody else. The socket file is mode 0600 (0660 with a control group) and a
 * peer must run as the daemon's user, as root, or in the control group. Connections that send
 * something that is not a request are closed without a reply, as OVS does; so are connections
 * idle for a minute and messages over 1 MiB.
 */
public final class UnixctlServer implements AutoCloseable {
    public static final int MAX_MESSAGE = 1 << 20;
    public static final int MAX_CONNECTIONS = 256;
    static final long IDLE_MILLIS = 60_000;
    private static final System.Logger LOG = System.getLogger("unixctl");

    private final Path path;
    private final Unixctl commands;
    private final String group;
    private final String owner = System.getProperty("user.name");
    private final ServerSocketChannel server;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "unixctl-reaper");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private long idleMillis = IDLE_MILLIS;
    private volatile boolean closed;

    /**
     * Binds the socket (replacing a stale file) and sets its permissions.
     *
     * @param group a group whose members may connect too, or null
     */
    public UnixctlServer(final Path path, final Unixctl commands, final String group) throws IOException {
        this.path = path;
        this.commands = commands;
        this.group = group;
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(group == null ? "rw-------" : "rw-rw----"));
            if (group != null) {
                final GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(g);
            }
        } catch (IOException e) {
            server.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Connections refused (peer not allowed, too many) so far. */
    public long refused() {
        return refused.get();
    }

    /** Requests answered so far. */
    public long served() {
        return served.get();
    }

    /** Open connections now. */
    public int connections() {
        return connections.size();
    }

    /** Closes connections idle this long (tests use a short one). */
    void idleMillis(final long millis) {
        this.idleMillis = millis;
    }

    /** Starts accepting. */
    public void start() {
        Thread.ofPlatform().daemon().name("unixctl").start(this::acceptLoop);
        reaper.scheduleWithFixedDelay(this::reap, 1, 1, TimeUnit.SECONDS);
    }

    private void acceptLoop() {
        while (!closed) {
            final SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "accept on " + path + ": " + e.getMessage());
                }
                continue;
            }
            if (!allowed(ch) || connections.size() >= MAX_CONNECTIONS) {
                refused.incrementAndGet();
                close(ch);
                continue;
            }
            final Connection c = new Connection(ch);
            connections.add(c);
            Thread.ofVirtual().name("unixctl-conn").start(c);
        }
    }

    private boolean allowed(final SocketChannel ch) {
        try {
            final UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            final String user = peer.user().getName();
            if (user.equals(owner) || user.equals("root") || (group != null && peer.group().getName().equals(group))) {
                return true;
            }
            LOG.log(System.Logger.Level.WARNING, "refused a control connection from user " + user);
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot check a control connection's peer: " + e.getMessage());
            return false;
        }
    }

    private void reap() {
        final long now = System.currentTimeMillis();
        for (Connection c : connections) {
            if (now - c.lastActivity > idleMillis && !c.busy) {
                LOG.log(System.Logger.Level.INFO, "closing a control connection idle for " + idleMillis + " ms");
                c.stop();
            }
        }
    }

    private static void close(final SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Already gone.
        }
    }

    /** Stops accepting, closes every connection and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + path + ": " + e.getMessage());
        }
        reaper.shutdownNow();
        // Let replies under way go out (the "exit" command's own, for one) before hanging up.
        final long deadline = System.currentTimeMillis() + 2_000;
        while (System.currentTimeMillis() < deadline && connections.stream().anyMatch(c -> c.busy)) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : connections) {
            c.stop();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "removing " + path + ": " + e.getMessage());
        }
    }

    /** One client: requests in, replies out, in order. */
    private final class Connection implements Runnable {
        private final SocketChannel ch;
        private final JsonFraming framing = new JsonFraming(MAX_MESSAGE);
        volatile long lastActivity = System.currentTimeMillis();
        volatile boolean busy;

        Connection(final SocketChannel ch) {
            this.ch = ch;
        }

        @Override
        public void run() {
            final ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            try {
                while (!closed) {
                    buf.clear();
                    final int n = ch.read(buf);
                    if (n < 0) {
                        return; // the client closed its side; every reply has been written
                    }
                    lastActivity = System.currentTimeMillis();
                    framing.feed(buf.array(), 0, n, this::handle);
                }
            } catch (JsonFraming.FramingException e) {
                LOG.log(System.Logger.Level.WARNING, "control connection closed: " + e.getMessage());
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.DEBUG, "control connection: " + e.getMessage());
                }
            } finally {
                connections.remove(this);
                close(ch);
            }
        }

        private void handle(final byte[] json) throws JsonFraming.FramingException {
            final JsonRpc.Request request;
            try {
                request = JsonRpc.parse(json);
            } catch (JsonRpc.ProtocolException e) {
                throw new JsonFraming.FramingException(e.getMessage());
            }
            busy = true;
            try {
                final Unixctl.Outcome outcome = commands.dispatch(request);
                final byte[] reply = outcome.error() != null ? JsonRpc.error(request.id(), outcome.error())
                        : JsonRpc.result(request.id(), outcome.result());
                final ByteBuffer out = ByteBuffer.wrap(reply);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                served.incrementAndGet();
            } catch (IOException e) {
                throw new JsonFraming.FramingException("cannot send the reply: " + e.getMessage());
            } finally {
                busy = false;
                lastActivity = System.currentTimeMillis();
            }
        }

        void stop() {
            close(ch);
        }
    }
}
