package io.flowgate.fastpath.pmd;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A pause of some PMDs, for what no PMD may touch while it happens (a device being set up again
 * with another number of receive queues). Each PMD that receives it (a {@link PmdCommand.Pause})
 * finishes its iteration, transmit queues flushed, says it has {@link #paused}, and then polls,
 * sends and runs nothing until {@link #resume}. Packets wait in the devices' rings meanwhile.
 */
public final class PmdPause {
    private final CountDownLatch paused;
    private volatile boolean resumed;

    /** @param pmds how many PMDs are being paused */
    public PmdPause(final int pmds) {
        this.paused = new CountDownLatch(pmds);
    }

    private void paused() {
        paused.countDown();
    }

    private boolean resumed() {
        return resumed;
    }

    /** Waits until every PMD has paused; false on timeout. */
    public boolean awaitPaused(final long timeout, final TimeUnit unit) throws InterruptedException {
        return paused.await(timeout, unit);
    }

    /** Lets the PMDs go on. */
    public void resume() {
        resumed = true;
    }

    /** A PMD's side of pauses: the one it is in, if any. PMD thread only. */
    static final class Holder {
        private PmdPause pause;
        private boolean said;

        void set(final PmdPause p) {
            pause = p;
            said = false;
        }

        /** True while paused. */
        boolean holding() {
            return pause != null && !pause.resumed();
        }

        /** True (once) if a pause has just ended: forgotten here. */
        boolean ended() {
            if (pause == null || !pause.resumed()) {
                return false;
            }
            pause = null;
            return true;
        }

        /** The iteration in which the pause arrived has ended, its packets sent: say so once. */
        void iterationEnded() {
            if (pause != null && !said) {
                said = true;
                pause.paused();
            }
        }
    }
}
