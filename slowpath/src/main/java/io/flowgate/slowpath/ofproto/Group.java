package io.flowgate.slowpath.ofproto;

import java.util.List;

/**
 * An OpenFlow group: {@code all} (every bucket), {@code indirect} (its one bucket) or
 * {@code select} (one bucket per flow, chosen by the selection method). Immutable.
 *
 * @param selectionMethod for select groups: {@code hash} (default), {@code hprio}, {@code wrr},
 *                        {@code rr}, {@code maglev}; ignored for the other types
 * @param hashFields      for {@code hash}: the fields hashed (empty = the 5-tuple)
 * @param expireNodestConn a connection whose bucket was removed is dropped at its next packet
 *                        (IPVS's expire_nodest_conn) instead of going on to the removed bucket
 * @param stats           its counters: the one mutable part, and not part of what the group says
 *                        (equality leaves them out)
 */
public record Group(int groupId, Type type, String selectionMethod, List<OfField> hashFields, List<Bucket> buckets,
                    boolean expireNodestConn, GroupStats stats) {
    public enum Type { ALL, SELECT, INDIRECT }

    public Group {
        hashFields = List.copyOf(hashFields);
        buckets = List.copyOf(buckets);
    }

    /** A new group, its counters at zero from now. */
    public Group(final int groupId, final Type type, final String selectionMethod, final List<OfField> hashFields,
                 final List<Bucket> buckets, final boolean expireNodestConn) {
        this(groupId, type, selectionMethod, hashFields, buckets, expireNodestConn,
                new GroupStats(buckets.size(), System.currentTimeMillis()));
    }

    /** A new group without Flowgate's connection properties. */
    public Group(final int groupId, final Type type, final String selectionMethod, final List<OfField> hashFields,
                 final List<Bucket> buckets) {
        this(groupId, type, selectionMethod, hashFields, buckets, false);
    }

    /** This group replacing {@code old} (a modification): counters from zero, the old creation time. */
    public Group replacing(final Group old) {
        return new Group(groupId, type, selectionMethod, hashFields, buckets, expireNodestConn,
                new GroupStats(buckets.size(), old.stats.createdMillis()));
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Group g && groupId == g.groupId && type == g.type && expireNodestConn == g.expireNodestConn
                && java.util.Objects.equals(selectionMethod, g.selectionMethod) && hashFields.equals(g.hashFields)
                && buckets.equals(g.buckets);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(groupId, type, selectionMethod, hashFields, buckets, expireNodestConn);
    }

    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder("group_id=").append(groupId).append(",type=")
                .append(type.name().toLowerCase(java.util.Locale.ROOT));
        if (type == Type.SELECT && !"hash".equals(selectionMethod)) {
            s.append(",selection_method=").append(selectionMethod);
        }
        if (expireNodestConn) {
            s.append(",expire_nodest_conn=true");
        }
        if (!hashFields.isEmpty()) {
            s.append(",fields(");
            for (int i = 0; i < hashFields.size(); i++) {
                s.append(i > 0 ? "," : "").append(hashFields.get(i).displayName());
            }
            s.append(')');
        }
        for (Bucket b : buckets) {
            s.append(',').append(b);
        }
        return s.toString();
    }
}
