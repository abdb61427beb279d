package io.flowgate.revalidator;

import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RuleRemoval;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * The leader's end-of-round expiry of OpenFlow rules by their idle and hard timeouts (OVS's
 * {@code ofproto} does it in its own run loop; here the round already reads every rule's use).
 * Expiring is a rule change: the next round starts at once and revalidates the flows it touched.
 */
final class RuleExpiry {
    private static final System.Logger LOG = System.getLogger("revalidator");

    private final RulePipeline pipeline;
    private final Tally tally;

    RuleExpiry(final RulePipeline pipeline, final Tally tally) {
        this.pipeline = pipeline;
        this.tally = tally;
    }

    /**
     * Deletes rules whose hard timeout has passed since they were added or last modified (as OVS
     * counts it: mod-flows starts it again) or that were idle for their idle timeout.
     */
    void expire(final long now) {
        final PipelineVersion current = pipeline.current();
        if (current.timeoutCount() == 0) {
            // The usual case: listing 100,000 permanent rules every round made megabytes of
            // garbage a second in an idle daemon, and its heap (its RSS) grew for minutes.
            return;
        }
        final List<RuleRemoval> expired = new ArrayList<>();
        for (Rule rule : current.rules()) {
            final long hard = rule.hardTimeout() * 1000L;
            final long idle = rule.idleTimeout() * 1000L;
            final long lastUsed = Math.max(rule.createdMillis(), rule.stats().lastUsedMillis());
            if (hard > 0 && now >= rule.modifiedMillis() + hard) {
                expired.add(new RuleRemoval(rule, RuleRemoval.Reason.HARD_TIMEOUT));
            } else if (idle > 0 && now >= lastUsed + idle) {
                expired.add(new RuleRemoval(rule, RuleRemoval.Reason.IDLE_TIMEOUT));
            }
        }
        if (expired.isEmpty()) {
            return;
        }
        try {
            pipeline.apply(e -> {
                for (RuleRemoval x : expired) {
                    if (e.deleteRule(x.rule(), x.reason())) {
                        tally.rulesExpired.increment();
                    }
                }
            });
        } catch (PipelineException e) {
            // Deleting rules cannot make the pipeline invalid; report rather than lose the thread.
            tally.errors.increment();
            LOG.log(System.Logger.Level.ERROR, "expiring rules: " + e.getMessage());
        }
    }
}
