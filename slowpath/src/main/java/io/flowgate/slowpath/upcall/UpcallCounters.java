package io.flowgate.slowpath.upcall;

import java.util.concurrent.atomic.LongAdder;

/** What the handlers did with upcalls, summed over all handlers (for upcall/show and tests). */
public final class UpcallCounters {
    final LongAdder handled = new LongAdder();
    final LongAdder installed = new LongAdder();
    final LongAdder duplicateLocked = new LongAdder();
    final LongAdder duplicateExisting = new LongAdder();
    final LongAdder replaced = new LongAdder();
    final LongAdder flowLimitHit = new LongAdder();
    final LongAdder noPmd = new LongAdder();
    final LongAdder flushedBeforeInstall = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder moved = new LongAdder();

    /** Upcalls translated. */
    public long handled() {
        return handled.sum();
    }

    /** Megaflows installed. */
    public long installed() {
        return installed.sum();
    }

    /** Duplicate misses whose ukey was locked by someone else (installing or removing it). */
    public long duplicateLocked() {
        return duplicateLocked.sum();
    }

    /** Duplicate misses whose ukey was already created or installed. */
    public long duplicateExisting() {
        return duplicateExisting.sum();
    }

    /** Misses that replaced a removed-but-not-swept ukey and reinstalled its flow. */
    public long replaced() {
        return replaced.sum();
    }

    /** Misses forwarded without installing a flow because the flow limit was reached. */
    public long flowLimitHit() {
        return flowLimitHit.sum();
    }

    /** Set-ups whose flow was dropped because a flush began while they translated. */
    public long flushedBeforeInstall() {
        return flushedBeforeInstall.sum();
    }

    /**
     * Upcalls whose handling threw: no flow stays behind; the packet was forwarded if it had been
     * translated, else dropped (datapath_drop_upcall_failed); its PMD was told either way.
     */
    public long errors() {
        return errors.sum();
    }

    /** Packets a select group refused (connection table full, removed bucket): dropped, no flow installed. */
    public long refused() {
        return refused.sum();
    }

    /** Upcalls a retiring handler moved to another handler's ring. */
    public long moved() {
        return moved.sum();
    }

    /** Upcalls from a PMD that no longer exists (dropped). */
    public long noPmd() {
        return noPmd.sum();
    }
}
