package io.flowgate.daemon.openflow;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The switch's OpenFlow connections. Passive: one listener per target ({@code punix:} sockets
 * are mode 0600, as OVS's {@code br0.mgmt}; {@code ptcp:} listens on loopback unless told
 * otherwise). Active: one link per controller ({@code tcp:}, {@code unix:}), connected again
 * after a failure or a hang-up with OVS's back-off (1 s, doubling up to 8 s), its connection
 * probed with an echo request after 5 s of silence and dropped after 10, its packet-ins held to
 * the {@link PacketInLimit} if one is set. Each connection is served by its own virtual thread
 * ({@link OfConnection}).
 */
public final class OfServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("openflow");
    /** At most this many connections at once (further ones are closed at once). */
    static final int MAX_CONNECTIONS = 64;

    private final OfSwitch sw;
    private final List<Listener> listeners = new ArrayList<>();
    private final Set<OfConnection> connections;
    private final OfPacketIns packetIns;
    private final List<OfTarget> controllers;
    private final PacketInLimit packetInLimit;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;
    /** Controller connections up now (for the log line "connected"/"disconnected" and tests). */
    private final Set<String> connectedControllers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final long MIN_BACKOFF_MILLIS = 1_000;
    private static final long MAX_BACKOFF_MILLIS = 8_000;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private record Listener(OfTarget target, ServerSocketChannel channel) {
    }

    /** Binds every target (replacing a stale Unix socket file); nothing is accepted before {@link #start()}. */
    public OfServer(final OfSwitch sw, final List<OfTarget> targets) throws IOException {
        this(sw, targets, List.of(), PacketInLimit.NONE);
    }

    /**
     * As above, and connects to {@code controllers} (active targets) once started, each held to
     * {@code packetInLimit} (as OVS limits the controllers it connects to, not its service connections).
     */
    public OfServer(final OfSwitch sw, final List<OfTarget> targets, final List<OfTarget> controllers,
                    final PacketInLimit packetInLimit) throws IOException {
        this.sw = sw;
        this.controllers = List.copyOf(controllers);
        this.packetInLimit = packetInLimit;
        this.connections = sw.connections();
        this.packetIns = new OfPacketIns(sw.packetIns(), connections);
        try {
            for (OfTarget t : targets) {
                listeners.add(new Listener(t, bind(t)));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private static ServerSocketChannel bind(final OfTarget t) throws IOException {
        if (t.address() instanceof UnixDomainSocketAddress unix) {
            Files.deleteIfExists(unix.getPath());
            final ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(unix);
                Files.setPosixFilePermissions(unix.getPath(), PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                ch.close();
                throw new IOException(t + ": " + e.getMessage(), e);
            }
            return ch;
        }
        final ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.bind(t.address());
        } catch (IOException e) {
            ch.close();
            throw new IOException(t + ": " + e.getMessage(), e);
        }
        return ch;
    }

    /** Starts accepting on every target. */
    public void start() {
        packetIns.start();
        for (Listener l : listeners) {
            threads.add(Thread.ofPlatform().daemon().name("ofp-listen").start(() -> acceptLoop(l)));
        }
        for (OfTarget t : controllers) {
            threads.add(Thread.ofVirtual().name("ofp-controller").start(() -> controllerLink(t)));
        }
        // Controllers are probed when quiet; every connection must say HELLO in time.
        threads.add(Thread.ofVirtual().name("ofp-probe").start(this::probeLoop));
    }

    /** Connects to a controller, serves the connection until it ends, and connects again, backing off. */
    private void controllerLink(final OfTarget t) {
        long backoff = MIN_BACKOFF_MILLIS;
        while (!closed) {
            SocketChannel ch = null;
            try {
                if (t.address() instanceof UnixDomainSocketAddress unix) {
                    ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(unix);
                } else {
                    ch = SocketChannel.open();
                    ch.socket().connect(t.address(), CONNECT_TIMEOUT_MILLIS);
                    ch.socket().setTcpNoDelay(true);
                }
            } catch (IOException e) {
                if (ch != null) {
                    OfConnection.closeQuietly(ch);
                }
                LOG.log(System.Logger.Level.INFO, t + ": connection failed (" + e.getMessage() + "), trying again in "
                        + backoff / 1000 + " s");
                if (!pause(backoff)) {
                    return;
                }
                backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
                continue;
            }
            LOG.log(System.Logger.Level.INFO, t + ": connected");
            final OfConnection c = new OfConnection(ch, t.text(), sw, connections::remove,
                    packetIns::listenersChanged, true, packetInLimit);
            connections.add(c);
            connectedControllers.add(t.text());
            final long since = System.nanoTime();
            c.run();
            connectedControllers.remove(t.text());
            if (closed) {
                return;
            }
            LOG.log(System.Logger.Level.INFO, t + ": connection closed, connecting again");
            // A connection that lasted resets the back-off; one dropped at once backs off further.
            backoff = System.nanoTime() - since > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS)
                    ? MIN_BACKOFF_MILLIS : Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
            if (!pause(backoff)) {
                return;
            }
        }
    }

    /** Sleeps, or returns false if the server closed meanwhile. */
    private boolean pause(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !closed;
    }

    private void probeLoop() {
        while (pause(MIN_BACKOFF_MILLIS)) {
            final long now = System.nanoTime();
            for (OfConnection c : connections) {
                c.probe(now);
            }
        }
    }

    /** Packet-ins lost because a connection's send queue was full (a controller that does not read). */
    public long refusedPacketIns() {
        return packetIns.refused();
    }

    /**
     * {@code openflow/show}: the listeners, each connection (controllers with their packet-in rate
     * limit's counters, named as OVS's Controller status keys), the controllers not connected now,
     * and the packet-ins lost to full send queues.
     */
    public String show() {
        final StringBuilder s = new StringBuilder();
        for (String l : listening()) {
            if (!l.startsWith("controller ")) {
                s.append("listening on ").append(l).append('\n');
            }
        }
        if (!controllers.isEmpty()) {
            s.append("controller packet-in rate limit: ").append(packetInLimit).append('\n');
        }
        final long now = System.nanoTime();
        final java.util.List<String> lines = new ArrayList<>();
        for (OfConnection c : connections) {
            lines.add(c.describe(now));
        }
        java.util.Collections.sort(lines);
        lines.forEach(l -> s.append(l).append('\n'));
        for (OfTarget t : controllers) {
            if (!connectedControllers.contains(t.text())) {
                s.append("controller ").append(t.text()).append(": not connected\n");
            }
        }
        return s.append("packet-ins lost to full send queues: ").append(refusedPacketIns()).append('\n').toString();
    }

    /** The controllers connected now (their targets). */
    public Set<String> connectedControllers() {
        return Set.copyOf(connectedControllers);
    }

    /** Where the listeners are (for ptcp:0, the port the system chose). */
    public List<String> listening() {
        final List<String> out = new ArrayList<>();
        for (Listener l : listeners) {
            try {
                out.add(l.target().address() instanceof UnixDomainSocketAddress ? l.target().text()
                        : "ptcp:" + ((java.net.InetSocketAddress) l.channel().getLocalAddress()).getPort());
            } catch (IOException e) {
                out.add(l.target().text());
            }
        }
        for (OfTarget t : controllers) {
            out.add("controller " + t.text());
        }
        return out;
    }

    /** Open connections now. */
    public int connections() {
        return connections.size();
    }

    private void acceptLoop(final Listener l) {
        while (!closed) {
            final SocketChannel ch;
            try {
                ch = l.channel().accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "accept on " + l.target() + ": " + e.getMessage());
                }
                continue;
            }
            if (connections.size() >= MAX_CONNECTIONS) {
                LOG.log(System.Logger.Level.WARNING, l.target() + ": refused a connection (" + MAX_CONNECTIONS
                        + " open)");
                OfConnection.closeQuietly(ch);
                continue;
            }
            final OfConnection c = new OfConnection(ch, l.target().text(), sw, connections::remove,
                    packetIns::listenersChanged, false, PacketInLimit.NONE);
            connections.add(c);
            Thread.ofVirtual().name("ofp-conn").start(c);
        }
    }

    /** Stops listening, closes every connection and removes the Unix socket files. */
    @Override
    public void close() {
        closed = true;
        packetIns.close();
        sw.close();
        for (Thread t : threads) {
            if (t.isVirtual()) {
                t.interrupt(); // a controller link backing off
            }
        }
        for (Listener l : listeners) {
            try {
                l.channel().close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + l.target() + ": " + e.getMessage());
            }
            if (l.target().address() instanceof UnixDomainSocketAddress unix) {
                final Path p = unix.getPath();
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "removing " + p + ": " + e.getMessage());
                }
            }
        }
        for (OfConnection c : connections) {
            c.close();
        }
    }
}
