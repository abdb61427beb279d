package io.flowgate.slowpath.lb;

import net.openhft.chronicle.map.ChronicleMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.BiConsumer;

/**
 * Which bucket each connection uses, in a Chronicle Map: off-heap, and when given a state
 * directory, memory-mapped from {@code connections.dat} there, so what was written survives the
 * process, kill -9 included (the kernel keeps the dirty pages of a shared mapping).
 *
 * <p>An entry holds the bucket id, whether the connection is active (TCP established), when it
 * was last written, and its holder: a number naming the ukey whose flow carries the
 * connection, or 0 when no flow does (after a restart, until the connection's next packet).
 */
public final class ConnectionTable implements AutoCloseable {
    public static final String FILE_NAME = "connections.dat";
    private static final System.Logger LOG = System.getLogger("lb");
    static final int VALUE_BYTES = 4 + 4 + 8 + 8;

    /** One connection's entry. */
    public record Entry(int bucketId, boolean active, long lastSeenMillis, long holder) {
        byte[] toBytes() {
            return ByteBuffer.allocate(VALUE_BYTES).putInt(bucketId).putInt(active ? 1 : 0)
                    .putLong(lastSeenMillis).putLong(holder).array();
        }

        static Entry fromBytes(final byte[] bytes) {
            final ByteBuffer b = ByteBuffer.wrap(bytes);
            return new Entry(b.getInt(), b.getInt() != 0, b.getLong(), b.getLong());
        }
    }

    private volatile ChronicleMap<byte[], byte[]> map;
    private final long maxEntries;
    private final Path file;
    private final Path movedAside;

    private ConnectionTable(final ChronicleMap<byte[], byte[]> map, final long maxEntries, final Path file,
                            final Path movedAside) {
        this.map = map;
        this.maxEntries = maxEntries;
        this.file = file;
        this.movedAside = movedAside;
    }

    /**
     * A table that lives in memory only, made on first use (a Chronicle Map generates classes
     * when it is first built, which a datapath without connection scheduling need not pay for).
     */
    public static ConnectionTable inMemory(final long maxEntries) {
        return new ConnectionTable(null, maxEntries, null, null);
    }

    private ChronicleMap<byte[], byte[]> map() {
        ChronicleMap<byte[], byte[]> m = map;
        if (m == null) {
            synchronized (this) {
                m = map;
                if (m == null) {
                    m = builder(maxEntries).create();
                    map = m;
                }
            }
        }
        return m;
    }

    /**
     * Opens (or creates) {@code stateDir/connections.dat}. A file that cannot be opened (corrupt,
     * truncated, from another layout) is moved aside to {@code connections.dat.corrupt-<millis>}
     * with a log line saying so, and the table starts empty.
     */
    public static ConnectionTable open(final Path stateDir, final long maxEntries) throws IOException {
        Files.createDirectories(stateDir);
        final Path file = stateDir.resolve(FILE_NAME);
        Path aside = null;
        if (Files.exists(file)) {
            try {
                // Recovery, not a plain open: after kill -9 the map's segment locks may still be held.
                return new ConnectionTable(builder(maxEntries).recoverPersistedTo(file.toFile(), true),
                        maxEntries, file, null);
            } catch (IOException | RuntimeException | LinkageError e) {
                aside = file.resolveSibling(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                LOG.log(System.Logger.Level.WARNING, "connection table " + file + " is unreadable (" + e
                        + "); moved it to " + aside + " and starting with no connections");
            }
        }
        return new ConnectionTable(builder(maxEntries).createPersistedTo(file.toFile()), maxEntries, file, aside);
    }

    private static net.openhft.chronicle.map.ChronicleMapBuilder<byte[], byte[]> builder(final long maxEntries) {
        return ChronicleMap.of(byte[].class, byte[].class)
                .name("flowgate-connections")
                .entries(maxEntries)
                .constantKeySizeBySample(new byte[ConnectionKey.BYTES])
                .constantValueSizeBySample(new byte[VALUE_BYTES]);
    }

    /** Where a corrupt file was moved at open, or null. */
    public Path movedAside() {
        return movedAside;
    }

    public Entry get(final ConnectionKey key) {
        final byte[] v = map().get(key.toBytes());
        return v == null ? null : Entry.fromBytes(v);
    }

    public void put(final ConnectionKey key, final Entry entry) {
        map().put(key.toBytes(), entry.toBytes());
    }

    /** Removes the entry if it is still the one given (so a stale holder cannot remove a newer one). */
    public boolean remove(final ConnectionKey key, final Entry expected) {
        return map().remove(key.toBytes(), expected.toBytes());
    }

    public int size() {
        final ChronicleMap<byte[], byte[]> m = map;
        return m == null ? 0 : m.size();
    }

    /** Visits every entry (weakly consistent with concurrent changes). */
    public void forEach(final BiConsumer<ConnectionKey, Entry> action) {
        final ChronicleMap<byte[], byte[]> m = map;
        if (m != null) {
            m.forEach((k, v) -> action.accept(ConnectionKey.fromBytes(k), Entry.fromBytes(v)));
        }
    }

    @Override
    public void close() {
        final ChronicleMap<byte[], byte[]> m = map;
        if (m == null) {
            return;
        }
        try {
            m.close();
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("closing connection table " + file, e));
        }
    }
}
