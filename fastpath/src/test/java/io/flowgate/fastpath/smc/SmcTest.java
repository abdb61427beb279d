package io.flowgate.fastpath.smc;

import static io.flowgate.fastpath.testing.PacketBuilder.eth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.testing.Parsed;

import org.junit.jupiter.api.Test;

/**
 * The signature match cache answers only with a live flow that matches the key: a signature
 * shared by another key, a removed flow, or a number given to another flow since, all miss.
 */
class SmcTest {
    private static long[] key(final int dport) {
        return Parsed.parse(eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, dport).payload(20).build(), 1).key();
    }

    /** The flow the SMC answers for one key looked up alone (a batch of one). */
    private static DpFlow lookup(final Smc smc, final long[] key, final int offset, final long hash) {
        final DpFlow[] out = new DpFlow[1];
        final long[] keys = java.util.Arrays.copyOfRange(key, offset, offset + FlowKey.WORDS);
        return smc.lookup(keys, FlowKey.rowStarts(1), new long[] {hash}, 1, out) != 0 ? out[0] : null;
    }

    private static long hash(final long[] key) {
        return FlowHash.hashKey(key, 0) | 1;
    }

    /** A megaflow on in_port 1 matching the UDP destination port only. */
    private static DpFlow flowFor(final int dport) {
        final long[] m = new long[FlowKey.WORDS];
        FlowField.IN_PORT.or(m, -1L);
        FlowField.DL_TYPE.or(m, -1L);
        FlowField.NW_PROTO.or(m, -1L);
        FlowField.TP_DST.or(m, -1L);
        return new DpFlow(key(dport), FlowMask.of(m), DpActions.DROP, 0, 0);
    }

    @Test
    void aKeyFindsTheFlowItHitLast() {
        final Smc smc = new Smc(true);
        final DpFlow f = flowFor(53);
        smc.numberFlow(f);
        final long[] k = key(53);
        assertNull(lookup(smc, k, 0, hash(k)));
        smc.insert(hash(k), f);
        assertSame(f, lookup(smc, k, 0, hash(k)));
        assertEquals(1, smc.usedEntries());
    }

    @Test
    void aBatchFindsEachPendingPacketsFlowAndLeavesTheOthersAlone() {
        final Smc smc = new Smc(true);
        final DpFlow f53 = flowFor(53);
        final DpFlow f80 = flowFor(80);
        smc.numberFlow(f53);
        smc.numberFlow(f80);
        final int w = FlowKey.WORDS;
        final long[][] batch = {key(53), key(54), key(80), key(53), key(80)};
        final long[] keys = new long[batch.length * w];
        final long[] hashes = new long[batch.length];
        for (int i = 0; i < batch.length; i++) {
            System.arraycopy(batch[i], 0, keys, i * w, w);
            hashes[i] = hash(batch[i]);
        }
        smc.insert(hashes[0], f53);
        smc.insert(hashes[2], f80);
        hashes[3] = hashes[2]; // key 53 under key 80's hash: the signature agrees, the match does not
        final DpFlow[] out = new DpFlow[batch.length];
        final int found = smc.lookup(keys, FlowKey.rowStarts(batch.length), hashes, 0b01111, out);
        assertEquals(0b00101, found);
        assertSame(f53, out[0]);
        assertSame(f80, out[2]);
        assertNull(out[1]);
        assertNull(out[3]);
        assertNull(out[4], "not pending: not looked up");
    }

    @Test
    void anotherKeyWithTheSameHashIsCheckedAgainstTheFlowsMatch() {
        final Smc smc = new Smc(true);
        final DpFlow f = flowFor(53);
        smc.numberFlow(f);
        final long[] k = key(53);
        smc.insert(hash(k), f);
        final long[] other = key(54); // forced onto the same hash: only the match tells them apart
        assertNull(lookup(smc, other, 0, hash(k)));
    }

    @Test
    void aRemovedFlowIsNotFoundAndItsNumberGoesToTheNextFlowWithoutFalseHits() {
        final Smc smc = new Smc(true);
        final DpFlow old = flowFor(53);
        smc.numberFlow(old);
        final long[] k = key(53);
        smc.insert(hash(k), old);
        old.markDead();
        assertNull(lookup(smc, k, 0, hash(k)), "a dead flow is never an answer");
        smc.forgetFlow(old);
        assertEquals(-1, old.smcNumber());
        final DpFlow next = flowFor(80);
        smc.numberFlow(next);
        assertEquals(0, next.smcNumber(), "the freed number is reused");
        assertNull(lookup(smc, k, 0, hash(k)), "the old entry now names a flow that does not match the key");
        final long[] k80 = key(80);
        smc.insert(hash(k80), next);
        assertSame(next, lookup(smc, k80, 0, hash(k80)));
    }

    @Test
    void aFullBucketTakesNewKeysInPlaceOfOldOnes() {
        final Smc smc = new Smc(true);
        final DpFlow[] flows = new DpFlow[Smc.WAYS + 1];
        final int bucket = 1234;
        for (int i = 0; i < flows.length; i++) {
            flows[i] = flowFor(100 + i);
            smc.numberFlow(flows[i]);
            // Same bucket, different signatures.
            smc.insert(Smc.hashOf(bucket, i + 1), flows[i]);
        }
        int found = 0;
        for (int i = 0; i < flows.length; i++) {
            final long[] k = key(100 + i);
            if (lookup(smc, k, 0, Smc.hashOf(bucket, i + 1)) == flows[i]) {
                found++;
            }
        }
        assertEquals(Smc.WAYS, found, "a bucket holds " + Smc.WAYS + " entries");
        assertSame(flows[Smc.WAYS], lookup(smc, key(100 + Smc.WAYS), 0, Smc.hashOf(bucket, Smc.WAYS + 1)),
                "the newest is always there");
    }

    /** Keys that take turns in one bucket, one more than it holds: each lookup misses and evicts. */
    private static void thrash(final Smc smc, final DpFlow[] flows, final int lookups) {
        for (int n = 0; n < lookups; n++) {
            final int i = n % flows.length;
            final long h = Smc.hashOf(77, i + 1);
            if (lookup(smc, key(100 + i), 0, h) == null) {
                smc.insert(h, flows[i]);
            }
        }
    }

    @Test
    void theTableDoublesWhileInsertsEvictLiveEntriesAndNotOtherwise() {
        final Smc smc = new Smc(true);
        final DpFlow[] flows = new DpFlow[Smc.WAYS + 1];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = flowFor(100 + i);
            smc.numberFlow(flows[i]);
        }
        // Keys that fit: found after their first insert, no eviction, no growth.
        final DpFlow[] fitting = java.util.Arrays.copyOf(flows, Smc.WAYS);
        thrash(smc, fitting, 200_000);
        assertEquals(Smc.MIN_BUCKETS, smc.buckets(), "no live entry was evicted");
        thrash(smc, flows, 70_000);
        assertEquals(2 * Smc.MIN_BUCKETS, smc.buckets(), "every lookup evicted: the table doubled");
        thrash(smc, flows, 2_000_000);
        assertEquals(Smc.MAX_BUCKETS, smc.buckets(), "it stops at its maximum");
    }

    @Test
    void flowsPastWhatAnEntryCanNumberAreNotCached() {
        final Smc smc = new Smc(true);
        DpFlow last = null;
        for (int i = 0; i <= Smc.MAX_NUMBERS; i++) {
            last = flowFor(i & 0xFFFF);
            smc.numberFlow(last);
        }
        assertEquals(Smc.MAX_NUMBERS, last.smcNumber());
        final long[] k = key(Smc.MAX_NUMBERS & 0xFFFF);
        smc.insert(hash(k), last);
        assertNull(lookup(smc, k, 0, hash(k)));
        assertEquals(0, smc.usedEntries());
    }

    @Test
    void switchedOffItForgetsEverything() {
        final Smc smc = new Smc(true);
        final DpFlow f = flowFor(53);
        smc.numberFlow(f);
        final long[] k = key(53);
        smc.insert(hash(k), f);
        smc.enabled(false);
        smc.enabled(true);
        assertNull(lookup(smc, k, 0, hash(k)));
    }
}
