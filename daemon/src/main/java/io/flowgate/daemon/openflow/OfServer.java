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
import java.util.concurrent.ConcurrentHashMap;

/**
 * The switch's passive OpenFlow connections: one listener per target ({@code punix:} sockets
 * are mode 0600, as OVS's {@code br0.mgmt}; {@code ptcp:} listens on loopback unless told
 * otherwise), each connection served by its own virtual thread ({@link OfConnection}).
 */
public final class OfServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("openflow");
    /** At most this many connections at once (further ones are closed at once). */
    static final int MAX_CONNECTIONS = 64;

    private final OfSwitch sw;
    private final List<Listener> listeners = new ArrayList<>();
    private final Set<OfConnection> connections = ConcurrentHashMap.newKeySet();
    private final OfPacketIns packetIns;
    private volatile boolean closed;

    private record Listener(OfTarget target, ServerSocketChannel channel) {
    }

    /** Binds every target (replacing a stale Unix socket file); nothing is accepted before {@link #start()}. */
    public OfServer(final OfSwitch sw, final List<OfTarget> targets) throws IOException {
        this.sw = sw;
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
            Thread.ofPlatform().daemon().name("ofp-listen").start(() -> acceptLoop(l));
        }
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
            final OfConnection c = new OfConnection(ch, l.target().text(), sw, connections::remove);
            connections.add(c);
            Thread.ofVirtual().name("ofp-conn").start(c);
        }
    }

    /** Stops listening, closes every connection and removes the Unix socket files. */
    @Override
    public void close() {
        closed = true;
        packetIns.close();
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
