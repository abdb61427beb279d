package io.flowgate.fastpath.emc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.action.DpActions;
import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;

import org.junit.jupiter.api.Test;

class EmcTest {
    private static long[] key(final int i) {
        return Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", "10.1." + (i >>> 8 & 255) + "." + (i & 255))
                .udp(1000 + (i >>> 16), 53).build(), 1).key();
    }

    private static long hash(final long[] k) {
        return FlowHash.hashKey(k, 0) | 1;
    }

    private static DpFlow flow(final long[] k) {
        return new DpFlow(k, FlowMask.exact(), DpActions.builder().output(2).build(), 0, 0);
    }

    @Test
    void aCachedKeyFindsItsMegaflowAndADifferentKeyDoesNot() {
        final Emc emc = new Emc(1, 1);
        final long[] a = key(1);
        final DpFlow f = flow(a);
        emc.maybeInsert(a, 0, hash(a), f);
        assertSame(f, emc.lookup(a, 0, hash(a)));
        final long[] b = key(2);
        assertNull(emc.lookup(b, 0, hash(b)));
        // Same hash, different key: the full key comparison rejects it.
        assertNull(emc.lookup(b, 0, hash(a)));
    }

    @Test
    void aKeyHasTwoCandidateSlotsSoTwoKeysSharingOneSlotBothStay() {
        final Emc emc = new Emc(1, 1);
        final long[] a = key(1);
        final long[] b = key(2);
        final long ha = hash(a);
        // b's hash shares a's first slot but has its own second slot.
        final long hb = (ha & (Emc.ENTRIES - 1)) | ((~ha >>> 13 & (Emc.ENTRIES - 1)) << 13) | 1;
        emc.maybeInsert(a, 0, ha, flow(a));
        emc.maybeInsert(b, 0, hb, flow(b));
        assertTrue(emc.lookup(a, 0, ha) != null && emc.lookup(b, 0, hb) != null);
        assertEquals(2, emc.liveEntries());
    }

    @Test
    void deadMegaflowsAreNeverReturned() {
        final Emc emc = new Emc(1, 1);
        final long[] a = key(1);
        final DpFlow f = flow(a);
        emc.maybeInsert(a, 0, hash(a), f);
        f.markDead();
        assertNull(emc.lookup(a, 0, hash(a)));
        assertEquals(0, emc.liveEntries());
    }

    @Test
    void insertionProbabilityIsOneInTheConfiguredInverse() {
        final Emc emc = new Emc(Emc.DEFAULT_INSERT_INVERSE, 12345);
        final int tries = 200_000;
        int inserted = 0;
        final long[] k = key(0);
        final DpFlow f = flow(k);
        for (int i = 0; i < tries; i++) {
            emc.clear();
            emc.maybeInsert(k, 0, hash(k), f);
            if (emc.lookup(k, 0, hash(k)) != null) {
                inserted++;
            }
        }
        // 1 in 100 of 200,000 is 2,000 with a standard deviation of about 44.
        assertTrue(inserted > 1800 && inserted < 2200, inserted + " insertions");
    }

    @Test
    void zeroDisablesTheCacheAndNegativeIsRejected() {
        final Emc emc = new Emc(0, 1);
        final long[] a = key(1);
        emc.maybeInsert(a, 0, hash(a), flow(a));
        assertNull(emc.lookup(a, 0, hash(a)));
        assertFalse(emc.enabled());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Emc(-1, 1));
        assertTrue(e.getMessage().contains("-1"));
    }

    @Test
    void aFullCacheReplacesAnEntryInsteadOfGrowing() {
        final Emc emc = new Emc(1, 1);
        for (int i = 0; i < 4 * Emc.ENTRIES; i++) {
            final long[] k = key(i);
            emc.maybeInsert(k, 0, hash(k), flow(k));
        }
        assertTrue(emc.liveEntries() <= Emc.ENTRIES);
        final long[] last = key(4 * Emc.ENTRIES - 1);
        assertTrue(emc.lookup(last, 0, hash(last)) != null, "the newest key is always cached");
        assertEquals(FlowKey.WORDS, last.length);
    }
}
