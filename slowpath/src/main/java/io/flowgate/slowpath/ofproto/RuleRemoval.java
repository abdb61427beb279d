package io.flowgate.slowpath.ofproto;

/**
 * A rule that left the pipeline, and why, in OpenFlow's terms (OFPRR_*, in their wire order):
 * what a FLOW_REMOVED reports. A rule replaced by one of the same table, priority and match was
 * not removed.
 */
public record RuleRemoval(Rule rule, Reason reason) {
    public enum Reason { IDLE_TIMEOUT, HARD_TIMEOUT, DELETE, GROUP_DELETE }
}
