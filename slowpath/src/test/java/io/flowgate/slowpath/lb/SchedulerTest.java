package io.flowgate.slowpath.lb;

import io.flowgate.slowpath.ofproto.Bucket;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IPVS scheduler and overload rules, on backends directly. */
class SchedulerTest {
    private static Backend[] backends(final int[]... weightUpperLower) {
        final Backend[] b = new Backend[weightUpperLower.length];
        for (int i = 0; i < b.length; i++) {
            final int[] w = weightUpperLower[i];
            b[i] = new Backend(new Bucket(i + 1, w[0], -1, w.length > 1 ? w[1] : 0, w.length > 2 ? w[2] : 0, List.of()));
        }
        return b;
    }

    @Test
    void weightedRoundRobinGivesTurnsInProportionToWeight() {
        final Backend[] b = backends(new int[] {4}, new int[] {2}, new int[] {1});
        final Scheduler s = Scheduler.forMethod("wrr");
        final StringBuilder order = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            order.append(s.pick(b).bucketId());
        }
        // IPVS's wrr sequence for weights 4,2,1: two full cycles of 7.
        assertEquals("11121231112123", order.toString());
    }

    @Test
    void roundRobinSkipsQuiescedAndOverloadedBackends() {
        final Backend[] b = backends(new int[] {1, 1}, new int[] {0}, new int[] {1});
        final Scheduler s = Scheduler.forMethod("rr");
        assertEquals(1, s.pick(b).bucketId());
        b[0].count(null, ConnState.SYN_RECV); // bucket 1 reaches its upper threshold of 1
        assertEquals(3, s.pick(b).bucketId());
        assertEquals(3, s.pick(b).bucketId(), "bucket 1 overloaded, bucket 2 has weight 0");
    }

    @Test
    void withoutALowerThresholdOverloadClearsBelowThreeQuartersOfTheUpper() {
        final Backend b = backends(new int[] {1, 8})[0];
        for (int i = 0; i < 8; i++) {
            b.count(null, i % 2 == 0 ? ConnState.ESTABLISHED : ConnState.SYN_RECV);
        }
        assertTrue(b.overloaded());
        b.count(ConnState.ESTABLISHED, null); // 7
        b.count(ConnState.SYN_RECV, null); // 6 = 3/4 of 8: not below
        assertTrue(b.overloaded());
        b.count(ConnState.ESTABLISHED, null); // 5
        assertFalse(b.overloaded());
    }

    @Test
    void allOverloadedMeansNoBucket() {
        final Backend[] b = backends(new int[] {2, 1}, new int[] {1, 1});
        b[0].count(null, ConnState.SYN_RECV);
        b[1].count(null, ConnState.ESTABLISHED);
        assertNull(Scheduler.forMethod("hprio").pick(b));
        assertNull(Scheduler.forMethod("rr").pick(b));
        assertNull(Scheduler.forMethod("wrr").pick(b));
        assertNull(Scheduler.forMethod("hash"), "hash is stateless: Xlate's own");
    }

    @Test
    void countsNeverGoBelowZeroQuietly() {
        final Backend b = backends(new int[] {1})[0];
        b.count(null, ConnState.ESTABLISHED);
        b.count(ConnState.ESTABLISHED, ConnState.FIN_WAIT);
        assertEquals(0, b.active());
        assertEquals(1, b.inactive());
        b.count(ConnState.FIN_WAIT, null);
        // A release with nothing to release is a bug to see, not a count to clamp.
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> b.count(ConnState.FIN_WAIT, null));
    }
}
