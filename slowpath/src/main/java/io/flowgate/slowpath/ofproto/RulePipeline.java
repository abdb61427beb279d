package io.flowgate.slowpath.ofproto;

import io.flowgate.slowpath.classifier.RuleTable;
import io.flowgate.slowpath.classifier.TrieField;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

// One file above 400 lines: the Editor is the only way to make a version and works on the
// publisher's private state (its base version, the removal listeners); apart, both would have to
// open their internals to each other.
/**
 * The published rule pipeline: readers call {@link #current()} (one volatile read, never blocks)
 * and use that version for a whole translation; writers describe a batch of changes on an
 * {@link Editor}, which becomes visible all at once as the next version when the batch is valid
 * and not at all when it is not (like an OpenFlow bundle). Writers are serialised among
 * themselves.
 */
public final class RulePipeline {
    private volatile PipelineVersion current;
    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<List<RuleRemoval>>> removalListeners = new CopyOnWriteArrayList<>();

    public RulePipeline(final TrieField... trieFields) {
        this.current = PipelineVersion.empty(trieFields);
    }

    public RulePipeline() {
        this(TrieField.DEFAULT);
    }

    /** The latest published version. */
    public PipelineVersion current() {
        return current;
    }

    /**
     * Calls {@code listener} with the new version number after every publish, on the publishing
     * thread (the load balancer and the rate estimators follow group changes so). Revalidators do
     * not listen: their leader sees the version move when it polls.
     */
    public void onChange(final LongConsumer listener) {
        listeners.add(listener);
    }

    /**
     * Calls {@code listener} after a publish that removed rules (deleted, expired, or with their
     * group), on the publishing thread: OpenFlow's FLOW_REMOVED.
     */
    public void onRemoved(final java.util.function.Consumer<List<RuleRemoval>> listener) {
        removalListeners.add(listener);
    }

    public void removeOnRemoved(final java.util.function.Consumer<List<RuleRemoval>> listener) {
        removalListeners.remove(listener);
    }

    /** A batch of changes. */
    @FunctionalInterface
    public interface Change {
        void apply(Editor editor) throws PipelineException;
    }

    /**
     * Applies the batch and publishes the result as one new version.
     *
     * @return the published version, or the unchanged current one if the batch changed nothing
     * @throws PipelineException if the batch is invalid; nothing is published then
     */
    public PipelineVersion apply(final Change change) throws PipelineException {
        final PipelineVersion next;
        final Editor editor;
        synchronized (this) {
            editor = new Editor(current);
            change.apply(editor);
            editor.validate();
            if (!editor.changed()) {
                return current;
            }
            next = editor.build();
            current = next;
        }
        for (LongConsumer l : listeners) {
            l.accept(next.version());
        }
        if (!removalListeners.isEmpty()) {
            final List<RuleRemoval> removed = editor.removals();
            if (!removed.isEmpty()) {
                for (var l : removalListeners) {
                    l.accept(removed);
                }
            }
        }
        return next;
    }

    /** What a deletion selects. */
    public record RuleFilter(int table, Match match, boolean strict, int priority, long cookie, long cookieMask) {
        /** Every rule of every table. */
        public static RuleFilter all() {
            return new RuleFilter(-1, Match.any(), false, 0, 0, 0);
        }

        public boolean selects(final Rule r) {
            if (table >= 0 && r.table() != table) {
                return false;
            }
            if (((r.cookie() ^ cookie) & cookieMask) != 0) {
                return false;
            }
            if (strict) {
                return r.priority() == priority && r.match().equals(match);
            }
            return r.match().isWithin(match);
        }
    }

    /**
     * A working copy of one version. Tables and groups are copied on first change; rules keep
     * their identity (and so their statistics) unless replaced.
     */
    public static final class Editor {
        private final PipelineVersion base;
        private final Map<Integer, Map<Long, Rule>> addedByTable = new HashMap<>();
        private final Map<Integer, Map<Long, Rule>> removedByTable = new HashMap<>();
        /** The added rules again, by (table, priority, match): finding a rule to replace is a lookup. */
        private final Map<Identity, Rule> addedByIdentity = new HashMap<>();
        private Map<Integer, Group> groups;
        private boolean changed;
        /**
         * The rules deleted (not those an added rule replaced in place), in order, and why; a rule
         * added and deleted in one batch is among them, as it would be in two.
         */
        private final List<RuleRemoval> removalLog = new ArrayList<>();

        Editor(final PipelineVersion base) {
            this.base = base;
        }

        /** The version being edited (changes so far are not visible in it). */
        public PipelineVersion base() {
            return base;
        }

        /** What makes two rules the same rule (OpenFlow: table, priority and match). */
        private record Identity(int table, int priority, Match match) {
            static Identity of(final Rule r) {
                return new Identity(r.table(), r.priority(), r.match());
            }
        }

        private Rule existing(final Rule r) {
            final Rule a = addedByIdentity.get(Identity.of(r));
            if (a != null) {
                return a;
            }
            final RuleTable t = base.table(r.table());
            if (t == null) {
                return null;
            }
            final Rule old = t.find(r.priority(), r.match());
            final Map<Long, Rule> removed = removedByTable.get(r.table());
            return old != null && (removed == null || !removed.containsKey(old.id())) ? old : null;
        }

        /** Adds a rule; one with the same table, priority and match is replaced. */
        public void addRule(final Rule rule) {
            final Rule old = existing(rule);
            if (old != null) {
                removeRule(old);
            }
            addedByTable.computeIfAbsent(rule.table(), k -> new LinkedHashMap<>()).put(rule.id(), rule);
            addedByIdentity.put(Identity.of(rule), rule);
            changed = true;
        }

        /** Removes this very rule (by identity) if it is in the edited state; false if it is not. */
        public boolean deleteRule(final Rule rule) {
            return deleteRule(rule, RuleRemoval.Reason.DELETE);
        }

        /** As {@link #deleteRule(Rule)}, saying why (a timeout). */
        public boolean deleteRule(final Rule rule, final RuleRemoval.Reason why) {
            for (Rule r : rules()) {
                if (r == rule) {
                    removeRule(r);
                    removalLog.add(new RuleRemoval(r, why));
                    return true;
                }
            }
            return false;
        }

        /** The rules this batch deleted, and why, in order; not those replaced by their like. */
        List<RuleRemoval> removals() {
            return List.copyOf(removalLog);
        }

        private void removeRule(final Rule r) {
            final Map<Long, Rule> added = addedByTable.get(r.table());
            if (added != null && added.remove(r.id()) != null) {
                addedByIdentity.remove(Identity.of(r), r);
                return;
            }
            removedByTable.computeIfAbsent(r.table(), k -> new HashMap<>()).put(r.id(), r);
            changed = true;
        }

        /** Every rule in the edited state (base minus removed plus added). */
        public List<Rule> rules() {
            final List<Rule> out = new ArrayList<>();
            for (Rule r : base.rules()) {
                final Map<Long, Rule> removed = removedByTable.get(r.table());
                if (removed == null || !removed.containsKey(r.id())) {
                    out.add(r);
                }
            }
            for (Map<Long, Rule> added : addedByTable.values()) {
                out.addAll(added.values());
            }
            return out;
        }

        /** The batch's rule changes so far against the base: OpenFlow's adds, modifications and deletes. */
        public record Changes(int adds, int modifications, int deletes) {
            public int total() {
                return adds + modifications + deletes;
            }
        }

        /**
         * What the batch does to the rules, counted as OVS counts flow_mods in its log: a rule put
         * where one with the same table, priority and match was is a modification.
         */
        public Changes changes() {
            final Set<Identity> removed = new HashSet<>();
            for (Map<Long, Rule> m : removedByTable.values()) {
                m.values().forEach(r -> removed.add(Identity.of(r)));
            }
            int adds = 0;
            int modifications = 0;
            for (Identity id : addedByIdentity.keySet()) {
                if (removed.remove(id)) {
                    modifications++;
                } else {
                    adds++;
                }
            }
            return new Changes(adds, modifications, removed.size());
        }

        /** What {@link #replaceRules} did. */
        public record Replacement(int kept, int replaced, int added, int deleted) {
        }

        /**
         * Makes the rules exactly {@code next}, touching only those that differ, as ovs-ofctl's
         * replace-flows does: a rule defined identically (same table, priority, match, cookie,
         * timeouts, actions) is kept, with its duration and statistics; one whose definition
         * changed is replaced; the others are added or deleted. Of rules repeated in
         * {@code next}, the last counts.
         */
        public Replacement replaceRules(final List<Rule> next) {
            final Map<Identity, Rule> now = new HashMap<>();
            for (Rule r : rules()) {
                now.put(Identity.of(r), r);
            }
            final Map<Identity, Rule> wanted = new LinkedHashMap<>();
            for (Rule r : next) {
                wanted.put(Identity.of(r), r);
            }
            int kept = 0;
            int replaced = 0;
            int added = 0;
            for (Map.Entry<Identity, Rule> w : wanted.entrySet()) {
                final Rule old = now.get(w.getKey());
                if (old != null && old.sameDefinition(w.getValue())) {
                    kept++;
                    continue;
                }
                if (old != null) {
                    replaced++;
                } else {
                    added++;
                }
                addRule(w.getValue());
            }
            int deleted = 0;
            for (Map.Entry<Identity, Rule> n : now.entrySet()) {
                if (!wanted.containsKey(n.getKey())) {
                    removeRule(n.getValue());
                    removalLog.add(new RuleRemoval(n.getValue(), RuleRemoval.Reason.DELETE));
                    deleted++;
                }
            }
            return new Replacement(kept, replaced, added, deleted);
        }

        /** Deletes the rules the filter selects; returns how many. */
        public int deleteRules(final RuleFilter filter) {
            return deleteRules(filter::selects);
        }

        /** Deletes the rules {@code which} selects (OpenFlow's deletes filter on more than a match); returns how many. */
        public int deleteRules(final java.util.function.Predicate<Rule> which) {
            int n = 0;
            for (Rule r : rules()) {
                if (which.test(r)) {
                    removeRule(r);
                    removalLog.add(new RuleRemoval(r, RuleRemoval.Reason.DELETE));
                    n++;
                }
            }
            return n;
        }

        /** Deletes every rule and group. */
        public void clear() {
            deleteRules(RuleFilter.all());
            if (!groups().isEmpty()) {
                groups().clear();
                changed = true;
            }
        }

        private Map<Integer, Group> groups() {
            if (groups == null) {
                groups = base.groupsCopy();
            }
            return groups;
        }

        public Group group(final int id) {
            return groups().get(id);
        }

        /** Adds a group; it is an error if one with its id exists (OpenFlow's OFPGC_ADD). */
        public void addGroup(final Group group) throws PipelineException {
            if (groups().containsKey(group.groupId())) {
                throw new PipelineException("group " + group.groupId() + " already exists");
            }
            groups().put(group.groupId(), group);
            changed = true;
        }

        /** Adds or replaces a group (OFPGC_MODIFY with create); a replacement keeps the old one's creation time. */
        public void putGroup(final Group group) {
            final Group old = groups().get(group.groupId());
            groups().put(group.groupId(), old == null ? group : group.replacing(old));
            changed = true;
        }

        /** Deletes a group and every rule that sends packets to it; false if there was none. */
        public boolean deleteGroup(final int id) {
            if (groups().remove(id) == null) {
                return false;
            }
            changed = true;
            for (Rule r : rules()) {
                if (r.sendsToGroup(id)) {
                    removeRule(r);
                    removalLog.add(new RuleRemoval(r, RuleRemoval.Reason.GROUP_DELETE));
                }
            }
            return true;
        }

        /**
         * Publishes a new version though no rule or group changed: what they mean did (a port's
         * configuration), so every flow is translated again, as OVS's need_revalidate.
         */
        public void touch() {
            changed = true;
        }

        boolean changed() {
            return changed;
        }

        /** Every group a rule or bucket refers to must exist. */
        void validate() throws PipelineException {
            final Set<Integer> known = new HashSet<>(groups == null ? base.groups().keySet() : groups.keySet());
            for (Map<Long, Rule> added : addedByTable.values()) {
                for (Rule r : added.values()) {
                    for (OfAction a : r.actions()) {
                        if (a instanceof OfAction.Group g && !known.contains(g.groupId())) {
                            throw new PipelineException("rule \"" + r + "\" refers to group " + g.groupId()
                                    + ", which does not exist");
                        }
                    }
                }
            }
            if (groups != null) {
                for (Group g : groups.values()) {
                    for (Bucket b : g.buckets()) {
                        for (OfAction a : b.actions()) {
                            if (a instanceof OfAction.Group ref && !known.contains(ref.groupId())) {
                                throw new PipelineException("group " + g.groupId() + " refers to group "
                                        + ref.groupId() + ", which does not exist");
                            }
                        }
                    }
                }
            }
        }

        PipelineVersion build() {
            final RuleTable[] tables = base.tablesCopy();
            final Set<Integer> touched = new HashSet<>(addedByTable.keySet());
            touched.addAll(removedByTable.keySet());
            for (int id : touched) {
                RuleTable t = tables[id] != null ? tables[id] : RuleTable.empty(id, base.trieFields());
                t = t.with(addedByTable.getOrDefault(id, Map.of()).values(),
                        removedByTable.getOrDefault(id, Map.of()).values());
                tables[id] = t.ruleCount() == 0 ? null : t;
            }
            return new PipelineVersion(base.version() + 1, base.trieFields(), tables,
                    groups == null ? base.groupsCopy() : groups, base.tableStats());
        }
    }

}
