package io.flowgate.slowpath.xlate;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;

import java.util.List;

/**
 * Chooses the bucket of a select group for a packet. Stateless hashing is built into
 * {@link Xlate}; selection methods that keep connections (hprio, wrr, rr, maglev) plug in here.
 */
public interface GroupSelector {
    /** What a choice says about the translation's flow beyond its actions (kept in its result). */
    interface Claim {
        /** Why the packet is dropped and no flow may be installed for it, or null. */
        default DropReason refusal() {
            return null;
        }

        /** Revalidation: the connection the flow carried has ended, so the flow must go (not change). */
        default boolean ended() {
            return false;
        }

        /** The stats slot the flow's packets also count into (its bucket, one direction), or -1. */
        default int statsSlot() {
            return -1;
        }
    }

    /** True if this selector chooses for {@code group}; otherwise {@link Xlate} hashes. */
    boolean handles(Group group);

    /**
     * @param version  the pipeline version {@code group} comes from
     * @param flow     the packet's current flow key (read only)
     * @param wc       add here every key bit the choice depended on
     * @param claims   add here what the result must carry (connections, refusals)
     * @param schedule true for a packet the slow path handles (may start or advance a connection);
     *                 false for revalidation, which only reads
     * @return the chosen bucket, or null to drop
     */
    Bucket select(Group group, long version, long[] flow, long[] wc, List<Claim> claims, boolean schedule);
}
