package io.flowgate.slowpath.ofproto;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenFlow rule: where it lives (table, priority), what it matches, what it does, its
 * timeouts and cookie, and its statistics. Immutable except for {@link #stats()}; a rule carried
 * unchanged into a new pipeline version is the same object, so its statistics carry over.
 *
 * <p>{@code createdMillis} is when the rule was added (for hard_timeout and dump-flows duration),
 * {@code modifiedMillis} when its actions were last changed (dump-flows' hard_age).
 */
public final class Rule {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final int table;
    private final int priority;
    private final long cookie;
    private final int idleTimeout;
    private final int hardTimeout;
    private final Match match;
    private final List<OfAction> actions;
    private final long createdMillis;
    private final long modifiedMillis;
    private final RuleStats stats;
    /** OpenFlow's OFPFF_SEND_FLOW_REM: its controllers hear of its removal. */
    private final boolean sendFlowRemoved;

    public Rule(final int table, final int priority, final long cookie, final int idleTimeout, final int hardTimeout,
                final Match match, final List<OfAction> actions, final long createdMillis) {
        this(table, priority, cookie, idleTimeout, hardTimeout, match, actions, createdMillis, createdMillis,
                new RuleStats(), false);
    }

    private Rule(final int table, final int priority, final long cookie, final int idleTimeout, final int hardTimeout,
                 final Match match, final List<OfAction> actions, final long createdMillis, final long modifiedMillis,
                 final RuleStats stats, final boolean sendFlowRemoved) {
        this.stats = stats;
        this.sendFlowRemoved = sendFlowRemoved;
        this.table = table;
        this.priority = priority;
        this.cookie = cookie;
        this.idleTimeout = idleTimeout;
        this.hardTimeout = hardTimeout;
        this.match = match;
        this.actions = List.copyOf(actions);
        this.createdMillis = createdMillis;
        this.modifiedMillis = modifiedMillis;
    }

    /**
     * This rule with other actions (mod-flows) at {@code nowMillis}: same table, priority, match,
     * cookie, timeouts and creation time, and the same statistics object, so its duration and
     * counters go on.
     */
    public Rule withActions(final List<OfAction> newActions, final long nowMillis) {
        return new Rule(table, priority, cookie, idleTimeout, hardTimeout, match, newActions, createdMillis, nowMillis,
                stats, sendFlowRemoved);
    }

    /** This rule (not yet added) with OFPFF_SEND_FLOW_REM set. */
    public Rule sendingFlowRemoved() {
        return new Rule(table, priority, cookie, idleTimeout, hardTimeout, match, actions, createdMillis,
                modifiedMillis, stats, true);
    }

    public boolean sendFlowRemoved() {
        return sendFlowRemoved;
    }

    /** A process-unique id (rules are compared by identity). */
    public long id() {
        return id;
    }

    public int table() {
        return table;
    }

    public int priority() {
        return priority;
    }

    public long cookie() {
        return cookie;
    }

    /** Seconds without traffic after which the rule expires; 0 = never. */
    public int idleTimeout() {
        return idleTimeout;
    }

    /** Seconds after creation at which the rule expires; 0 = never. */
    public int hardTimeout() {
        return hardTimeout;
    }

    public Match match() {
        return match;
    }

    public List<OfAction> actions() {
        return actions;
    }

    /** Whether the rule's actions send packets to the group (such rules are its ref_count, and go with it). */
    public boolean sendsToGroup(final int groupId) {
        for (OfAction a : actions) {
            if (a instanceof OfAction.Group g && g.groupId() == groupId) {
                return true;
            }
        }
        return false;
    }

    public long createdMillis() {
        return createdMillis;
    }

    /** When the actions were last changed (the creation time if never). */
    public long modifiedMillis() {
        return modifiedMillis;
    }

    public RuleStats stats() {
        return stats;
    }

    /** True if the rule has an idle or a hard timeout: the revalidator must watch it. */
    public boolean hasTimeout() {
        return idleTimeout != 0 || hardTimeout != 0;
    }

    /** Same identity and the same cookie, timeouts and actions: replacing one by the other changes nothing. */
    public boolean sameDefinition(final Rule other) {
        return sameIdentity(other) && cookie == other.cookie && idleTimeout == other.idleTimeout
                && hardTimeout == other.hardTimeout && actions.equals(other.actions);
    }

    /** True if this rule replaces {@code other} when added: same table, priority and match. */
    public boolean sameIdentity(final Rule other) {
        return table == other.table && priority == other.priority && match.equals(other.match);
    }

    /** The rule in ovs-ofctl's flows-file syntax. */
    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder();
        if (table != 0) {
            s.append("table=").append(table).append(',');
        }
        s.append("priority=").append(priority);
        if (cookie != 0) {
            s.append(",cookie=0x").append(Long.toHexString(cookie));
        }
        if (idleTimeout != 0) {
            s.append(",idle_timeout=").append(idleTimeout);
        }
        if (hardTimeout != 0) {
            s.append(",hard_timeout=").append(hardTimeout);
        }
        final String m = match.toString();
        if (!m.isEmpty()) {
            s.append(',').append(m);
        }
        s.append(",actions=").append(formatActions(actions));
        return s.toString();
    }

    public static String formatActions(final List<OfAction> actions) {
        if (actions.isEmpty()) {
            return "drop";
        }
        final StringBuilder s = new StringBuilder();
        for (OfAction a : actions) {
            if (!s.isEmpty()) {
                s.append(',');
            }
            s.append(a);
        }
        return s.toString();
    }
}
