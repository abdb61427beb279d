package io.flowgate.slowpath.ofproto;

import io.flowgate.slowpath.classifier.RuleTable;
import io.flowgate.slowpath.classifier.TrieField;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One published version of the rule pipeline: up to 255 OpenFlow tables and the group table.
 * Immutable; handler threads classify against the version they read and never see a change
 * half-made. Produced by {@link RulePipeline}.
 */
public final class PipelineVersion {
    public static final int MAX_TABLES = 255;

    private final long version;
    private final TrieField[] trieFields;
    private final RuleTable[] tables;
    private final Map<Integer, Group> groups;
    private final int ruleCount;
    private final TableStats tableStats;
    private final int timeoutCount;

    PipelineVersion(final long version, final TrieField[] trieFields, final RuleTable[] tables, final Map<Integer, Group> groups,
             final TableStats tableStats) {
        this.version = version;
        this.tableStats = tableStats;
        this.trieFields = trieFields;
        this.tables = tables;
        this.groups = groups;
        int n = 0;
        int timeouts = 0;
        for (RuleTable t : tables) {
            if (t != null) {
                n += t.ruleCount();
                timeouts += t.timeoutCount();
            }
        }
        this.ruleCount = n;
        this.timeoutCount = timeouts;
    }

    /** An empty pipeline with the given prefix-trie fields. */
    public static PipelineVersion empty(final TrieField... trieFields) {
        return new PipelineVersion(0, trieFields.clone(), new RuleTable[MAX_TABLES], Map.of(), new TableStats());
    }

    /** Increases by one with every published change. */
    public long version() {
        return version;
    }

    public TrieField[] trieFields() {
        return trieFields.clone();
    }

    public int ruleCount() {
        return ruleCount;
    }

    /** The tables' lookup and matched counters: the same object in every version of a pipeline. */
    public TableStats tableStats() {
        return tableStats;
    }

    /** How many rules have an idle or a hard timeout (none: nothing can expire). */
    public int timeoutCount() {
        return timeoutCount;
    }

    /** Table {@code id}, or null if it has no rules. */
    public RuleTable table(final int id) {
        return id >= 0 && id < MAX_TABLES ? tables[id] : null;
    }

    /** The highest-priority rule of table {@code id} matching {@code flow}, recording consulted bits in {@code wc}. */
    public Rule lookup(final int id, final long[] flow, final long[] wc) {
        final RuleTable t = table(id);
        return t == null ? null : t.lookup(flow, wc);
    }

    public Group group(final int id) {
        return groups.get(id);
    }

    /** Groups by id, ascending. */
    public Map<Integer, Group> groups() {
        return Collections.unmodifiableMap(new TreeMap<>(groups));
    }

    /** Every rule, by table. */
    public List<Rule> rules() {
        final List<Rule> out = new ArrayList<>(ruleCount);
        for (RuleTable t : tables) {
            if (t != null) {
                out.addAll(t.rules());
            }
        }
        return out;
    }

    RuleTable[] tablesCopy() {
        return tables.clone();
    }

    Map<Integer, Group> groupsCopy() {
        return new TreeMap<>(groups);
    }
}
