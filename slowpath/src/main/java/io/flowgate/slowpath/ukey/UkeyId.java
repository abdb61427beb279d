package io.flowgate.slowpath.ukey;

/** What identifies a ukey: the megaflow's ufid and the PMD its flow lives in. */
public record UkeyId(long ufidHi, long ufidLo, int pmdId) {
    /** The shard of a map of {@code shards} (a power of two) this id belongs to. */
    int shard(final int shards) {
        return (int) (ufidLo ^ (ufidLo >>> 29) ^ ufidHi) & (shards - 1);
    }
}
