package io.flowgate.slowpath.ukey;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every live ukey, by ufid and PMD, split into shards (512 by default, as OVS does) so that each
 * revalidator sweeps its own shards and handlers spread their insertions. Each shard is a
 * concurrent map: lookups never block; insert, replace and remove are atomic per key.
 */
public final class UkeyMap {
    public static final int DEFAULT_SHARDS = 512;

    private final ConcurrentHashMap<UkeyId, Ukey>[] shards;
    private final UkeyCounters counters = new UkeyCounters();
    private volatile Consumer<Ukey> onFinish = u -> { };

    @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
    public UkeyMap(final int shardCount) {
        if (shardCount < 1 || Integer.bitCount(shardCount) != 1) {
            throw new IllegalArgumentException("ukey map shards must be a power of two, not " + shardCount);
        }
        shards = new ConcurrentHashMap[shardCount];
        for (int i = 0; i < shardCount; i++) {
            shards[i] = new ConcurrentHashMap<>();
        }
    }

    public UkeyMap() {
        this(DEFAULT_SHARDS);
    }

    public UkeyCounters counters() {
        return counters;
    }

    /**
     * What to do, once, when a ukey is finished: the final accounting that must not happen twice
     * (tests count finishes with it). Runs on the finishing thread.
     */
    public void onFinish(final Consumer<Ukey> action) {
        this.onFinish = action;
    }

    public int shardCount() {
        return shards.length;
    }

    private ConcurrentHashMap<UkeyId, Ukey> shard(final UkeyId id) {
        return shards[id.shard(shards.length)];
    }

    public Ukey get(final UkeyId id) {
        return shard(id).get(id);
    }

    /** Inserts the ukey unless one with its id is there; returns the one that was there, or null. */
    public Ukey insertIfAbsent(final Ukey ukey) {
        return shard(ukey.id()).putIfAbsent(ukey.id(), ukey);
    }

    /** Puts {@code next} in place of {@code old} if {@code old} is still the one there. */
    public boolean replace(final Ukey old, final Ukey next) {
        return shard(old.id()).replace(old.id(), old, next);
    }

    /** Unlinks exactly this ukey (not a newer one with its id). */
    public boolean remove(final Ukey ukey) {
        return shard(ukey.id()).remove(ukey.id(), ukey);
    }

    /** What {@link #claim} did with a new ukey. */
    public enum Claim {
        /** It is in the map (new, or in place of a finished one); install its flow. */
        INSERTED,
        /** It took the place of a REMOVED ukey, which was finished here; install its flow. */
        REPLACED,
        /** The existing ukey was locked (being set up or removed): the new one was discarded. */
        DUPLICATE_LOCKED,
        /** The existing ukey is CREATED or INSTALLED: the new one was discarded. */
        DUPLICATE_EXISTING;

        public boolean claimed() {
            return this == INSERTED || this == REPLACED;
        }
    }

    /**
     * The handler's side of a miss: puts {@code candidate} (CREATED, locked by the caller) into
     * the map unless a ukey for the same megaflow says not to. An existing ukey that is locked, or
     * CREATED or INSTALLED, wins (the candidate is discarded: moved to DELETED and unlocked). One
     * that is REMOVED (flow deleted, not yet swept) is replaced: the candidate inherits its dump
     * round and takes its place, and the old one is finished here unless the sweeper got there
     * first. One that is DELETED is being unlinked and simply gives way.
     */
    public Claim claim(final Ukey candidate) {
        final Ukey existing = insertIfAbsent(candidate);
        if (existing == null) {
            return Claim.INSERTED;
        }
        if (!existing.tryLock()) {
            discard(candidate);
            return Claim.DUPLICATE_LOCKED;
        }
        try {
            switch (existing.state()) {
                case CREATED, INSTALLED -> {
                    discard(candidate);
                    return Claim.DUPLICATE_EXISTING;
                }
                case REMOVED -> {
                    candidate.inherit(existing);
                    if (replace(existing, candidate)) {
                        finish(existing);
                        return Claim.REPLACED;
                    }
                    // The sweeper finished and unlinked it meanwhile.
                    return insertIfAbsent(candidate) == null ? Claim.INSERTED : discarded(candidate);
                }
                default -> {
                    if (replace(existing, candidate) || insertIfAbsent(candidate) == null) {
                        return Claim.INSERTED;
                    }
                    return discarded(candidate);
                }
            }
        } finally {
            existing.unlock();
        }
    }

    private static Claim discarded(final Ukey candidate) {
        discard(candidate);
        return Claim.DUPLICATE_EXISTING;
    }

    /** A ukey that never became visible ends here, so that every ukey ends DELETED exactly once. */
    private static void discard(final Ukey candidate) {
        candidate.transition(UkeyState.DELETED);
        candidate.unlock();
    }

    /**
     * Finishes a ukey whose flow is gone: moves it to DELETED and unlinks it. Only the caller
     * that makes the move does anything, so a ukey is finished exactly once however many threads
     * (sweepers, replacing handlers) try.
     *
     * @return true if this call finished it
     */
    public boolean finish(final Ukey ukey) {
        if (!ukey.transition(UkeyState.DELETED)) {
            return false;
        }
        remove(ukey);
        onFinish.accept(ukey);
        return true;
    }

    /** Visits the ukeys of one shard (weakly consistent: concurrent changes may or may not show). */
    public void forEachInShard(final int shard, final Consumer<Ukey> action) {
        shards[shard].values().forEach(action);
    }

    public int size() {
        int n = 0;
        for (ConcurrentHashMap<UkeyId, Ukey> s : shards) {
            n += s.size();
        }
        return n;
    }

    public int shardSize(final int shard) {
        return shards[shard].size();
    }
}
