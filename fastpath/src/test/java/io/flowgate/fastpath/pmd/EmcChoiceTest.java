package io.flowgate.fastpath.pmd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The PMD probes its EMC unless a trial without probes was cheaper per packet by more than the
 * noise margin; trials run when asked (once a second), busy iterations only.
 */
class EmcChoiceTest {
    /**
     * Runs a pair of trials: {@code probing} and {@code skipping} ns per busy iteration of 32
     * packets (each call reports the last iteration and says how to run the next).
     */
    private static boolean trials(final EmcChoice c, final long probing, final long skipping) {
        c.retry();
        assertTrue(c.probe(), "the first trial probes");
        assertTrue(c.iteration(1_000_000, 32), "the iteration before the trials is not theirs");
        for (int i = 0; i < EmcChoice.TRIAL_ITERATIONS - 1; i++) {
            assertTrue(c.iteration(probing, 32));
            assertTrue(c.iteration(0, 0), "an idle iteration is no sample");
            assertTrue(c.iteration(0, 32), "nor one whose time is not known (after a pause)");
        }
        assertFalse(c.iteration(probing, 32), "the second trial skips");
        for (int i = 0; i < EmcChoice.TRIAL_ITERATIONS - 1; i++) {
            assertFalse(c.iteration(skipping, 32));
        }
        return c.iteration(skipping, 32);
    }

    @Test
    void itProbesUntilTried() {
        final EmcChoice c = new EmcChoice();
        for (int i = 0; i < 10 * EmcChoice.TRIAL_ITERATIONS; i++) {
            assertTrue(c.iteration(1_000_000, 32), "no trial asked for");
        }
    }

    @Test
    void skippingIsKeptWhenItSavesMoreThanTheMargin() {
        final EmcChoice c = new EmcChoice();
        assertFalse(trials(c, 3_200, 2_400), "75 ns a packet against 100");
        for (int i = 0; i < 10 * EmcChoice.TRIAL_ITERATIONS; i++) {
            assertFalse(c.iteration(5_000, 32), "held until the next trial");
        }
        assertTrue(trials(c, 2_000, 2_400), "probing became cheaper: probing again");
    }

    @Test
    void aSmallDifferenceKeepsProbing() {
        assertTrue(trials(new EmcChoice(), 3_200, 3_100), "3 % is within the margin");
        assertTrue(trials(new EmcChoice(), 3_200, 3_200));
    }

    @Test
    void aRetryDuringTrialsDoesNotRestartThem() {
        final EmcChoice c = new EmcChoice();
        c.retry();
        c.iteration(1, 32); // the iteration before the trials
        for (int i = 0; i < EmcChoice.TRIAL_ITERATIONS; i++) {
            c.iteration(4_000, 32);
        }
        c.retry();
        assertFalse(c.probe(), "still the second trial");
        for (int i = 0; i < EmcChoice.TRIAL_ITERATIONS - 1; i++) {
            assertFalse(c.iteration(1_000, 32));
        }
        assertFalse(c.iteration(1_000, 32), "the trials ended as begun: skipping won");
    }
}
