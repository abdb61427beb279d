package io.flowgate.slowpath.ofproto;

import java.util.List;

/**
 * One bucket of a group: its actions, its weight (select groups), and Flowgate's connection
 * thresholds for the hprio scheduler ({@code upper_threshold}, {@code lower_threshold}; 0 = none).
 */
public record Bucket(int bucketId, int weight, int watchPort, int upperThreshold, int lowerThreshold,
                     List<OfAction> actions) {
    public Bucket {
        actions = List.copyOf(actions);
    }

    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder("bucket=bucket_id:").append(bucketId);
        if (weight != 1) {
            s.append(",weight:").append(weight);
        }
        if (watchPort >= 0) {
            s.append(",watch_port:").append(watchPort);
        }
        if (upperThreshold > 0) {
            s.append(",upper_threshold:").append(upperThreshold);
        }
        if (lowerThreshold > 0) {
            s.append(",lower_threshold:").append(lowerThreshold);
        }
        return s.append(",actions=").append(Rule.formatActions(actions)).toString();
    }
}
