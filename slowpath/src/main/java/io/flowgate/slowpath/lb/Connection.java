package io.flowgate.slowpath.lb;

/**
 * One connection through a select group: the bucket it was given, its state, whether its replies
 * have been seen, and when it was last seen. It ends when it has been idle for its state's
 * timeout. Guarded by the {@link LoadBalancer}'s lock.
 */
final class Connection {
    final ConnectionKey key;
    int bucketId;
    ConnState state;
    boolean repliesSeen;
    long lastSeenMillis;
    /** The last-seen time the persistent table holds (written only when it moved enough). */
    long persistedLastSeen;
    /** The deadline this connection is filed under in the expiry queue (later entries are stale). */
    long filedAt;
    /** False once ended: stale references (in the expiry queue) see it. */
    boolean live = true;

    Connection(final ConnectionKey key, final int bucketId, final ConnState state, final boolean repliesSeen,
               final long lastSeenMillis) {
        this.key = key;
        this.bucketId = bucketId;
        this.state = state;
        this.repliesSeen = repliesSeen;
        this.lastSeenMillis = lastSeenMillis;
        this.persistedLastSeen = lastSeenMillis;
    }

    long deadline(final ConnTimeouts timeouts) {
        return lastSeenMillis + timeouts.millis(state);
    }
}
