package io.flowgate.slowpath.lb;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The connections of every select group, by {@link ConnectionKey}: in memory, and, when given a
 * state directory, written through to a Chronicle Map memory-mapped from
 * {@code connections.dat} there, so that what was written survives the process, kill -9 included
 * (the kernel keeps the dirty pages of a shared mapping). Lookups never read the file: it is read
 * once, at open.
 *
 * <p>The table holds at most its capacity (sized from the flow-limit ceiling): {@link #hasRoom}
 * says whether a new connection fits. Not thread-safe: the {@link LoadBalancer}'s lock guards it.
 */
public final class ConnectionTable implements AutoCloseable {
    public static final String FILE_NAME = "connections.dat";
    private static final System.Logger LOG = System.getLogger("lb");
    /** bucket id, state, flags, 2 spare bytes, last seen. */
    static final int VALUE_BYTES = 4 + 1 + 1 + 2 + 8;
    private static final int REPLIES_SEEN = 1;

    private final Map<ConnectionKey, Connection> connections = new HashMap<>();
    private final long capacity;
    private final ChronicleMap<byte[], byte[]> store;
    private final Path file;
    private final Path movedAside;
    private long writeFailures;
    private long lastFailureLogMillis;

    private ConnectionTable(final long capacity, final ChronicleMap<byte[], byte[]> store, final Path file,
                            final Path movedAside) {
        if (capacity < 1) {
            throw new IllegalArgumentException("connection table capacity must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
        this.store = store;
        this.file = file;
        this.movedAside = movedAside;
    }

    /** A table that lives in memory only (no state directory): ready at once. */
    public static ConnectionTable inMemory(final long capacity) {
        return new ConnectionTable(capacity, null, null, null);
    }

    /**
     * Opens (or creates) {@code stateDir/connections.dat} and reads its connections. A file that
     * cannot be read (corrupt, truncated, another layout) is moved aside to
     * {@code connections.dat.corrupt-<millis>} with a log line saying so, and the table starts
     * empty.
     */
    public static ConnectionTable open(final Path stateDir, final long capacity) throws IOException {
        Files.createDirectories(stateDir);
        final Path file = stateDir.resolve(FILE_NAME);
        Path aside = null;
        if (Files.exists(file)) {
            ChronicleMap<byte[], byte[]> map = null;
            try {
                // Recovery, not a plain open: after kill -9 the map's segment locks may still be held.
                map = builder(capacity).recoverPersistedTo(file.toFile(), true);
                final ConnectionTable t = new ConnectionTable(capacity, map, file, null);
                t.load();
                return t;
            } catch (IOException | RuntimeException | LinkageError e) {
                if (map != null) {
                    map.close();
                }
                aside = file.resolveSibling(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                LOG.log(System.Logger.Level.WARNING, "connection table " + file + " is unreadable (" + e
                        + "); moved it to " + aside + " and starting with no connections");
            }
        }
        return new ConnectionTable(capacity, builder(capacity).createPersistedTo(file.toFile()), file, aside);
    }

    private static ChronicleMapBuilder<byte[], byte[]> builder(final long capacity) {
        return ChronicleMap.of(byte[].class, byte[].class)
                .name("flowgate-connections-2")
                .entries(capacity)
                .constantKeySizeBySample(new byte[ConnectionKey.BYTES])
                .constantValueSizeBySample(new byte[VALUE_BYTES]);
    }

    private void load() {
        store.forEach((k, v) -> {
            if (k.length != ConnectionKey.BYTES || v.length != VALUE_BYTES) {
                throw new IllegalStateException("an entry of " + k.length + "+" + v.length + " bytes, not "
                        + ConnectionKey.BYTES + "+" + VALUE_BYTES + " (a file of another version)");
            }
            final ByteBuffer b = ByteBuffer.wrap(v);
            final int bucket = b.getInt();
            final int state = b.get();
            final int flags = b.get();
            b.getShort();
            final long lastSeen = b.getLong();
            if (state < 0 || state >= ConnState.values().length) {
                throw new IllegalStateException("an entry with state " + state);
            }
            final ConnectionKey key = ConnectionKey.fromBytes(k);
            connections.put(key, new Connection(key, bucket, ConnState.values()[state], (flags & REPLIES_SEEN) != 0,
                    lastSeen));
        });
    }

    /** Where a corrupt file was moved at open, or null. */
    public Path movedAside() {
        return movedAside;
    }

    /** True if connections are written to a file. */
    public boolean persistent() {
        return store != null;
    }

    public long capacity() {
        return capacity;
    }

    Connection get(final ConnectionKey key) {
        return connections.get(key);
    }

    /** True if one more connection fits. */
    boolean hasRoom() {
        return connections.size() < capacity;
    }

    /** Adds a new connection (the caller checked {@link #hasRoom}). */
    void insert(final Connection c) {
        if (!hasRoom()) {
            throw new IllegalStateException("connection table full (" + capacity + ")");
        }
        connections.put(c.key, c);
        write(c);
    }

    /**
     * Writes a connection's changed state through to the file. A write that fails (a full or
     * broken file) is counted and logged, and forwarding goes on: the connection is kept in
     * memory, and only a restart would lose it.
     */
    void write(final Connection c) {
        c.persistedLastSeen = c.lastSeenMillis;
        if (store != null) {
            final byte[] v = ByteBuffer.allocate(VALUE_BYTES).putInt(c.bucketId).put((byte) c.state.ordinal())
                    .put((byte) (c.repliesSeen ? REPLIES_SEEN : 0)).putShort((short) 0).putLong(c.lastSeenMillis).array();
            try {
                store.put(c.key.toBytes(), v);
            } catch (RuntimeException e) {
                failed("writing", e);
            }
        }
    }

    void remove(final Connection c) {
        if (connections.remove(c.key, c) && store != null) {
            try {
                store.remove(c.key.toBytes());
            } catch (RuntimeException e) {
                failed("removing", e);
            }
        }
    }

    private void failed(final String what, final RuntimeException e) {
        writeFailures++;
        final long now = System.currentTimeMillis();
        if (now - lastFailureLogMillis > 60_000) {
            lastFailureLogMillis = now;
            LOG.log(System.Logger.Level.ERROR, "connection table " + file + ": " + what + " a connection failed ("
                    + writeFailures + " failure(s) so far); connections are kept in memory", e);
        }
    }

    /** Writes to the file that failed (the connections are in memory, not in the file). */
    public long writeFailures() {
        return writeFailures;
    }

    public int size() {
        return connections.size();
    }

    /** Every connection (a live view: iterate under the load balancer's lock). */
    Collection<Connection> all() {
        return Collections.unmodifiableCollection(connections.values());
    }

    @Override
    public void close() {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("closing connection table " + file, e));
        }
    }
}
