package io.flowgate.slowpath.ukey;

/**
 * Where a ukey is in its life. States only move forward (down this list); see {@link Ukey#transition}.
 */
public enum UkeyState {
    /** Made by a handler, locked by it; its flow is not installed yet. */
    CREATED,
    /** The datapath flow exists in its PMD. */
    INSTALLED,
    /**
     * The datapath flow was deleted (by a revalidator, purge or the flow limit) and its final
     * statistics pushed; the ukey stays in the map until it is swept or replaced, so that a
     * duplicate dump cannot attribute the flow's statistics twice.
     */
    REMOVED,
    /** Unlinked from the map and finished; nothing refers to it any more. */
    DELETED
}
