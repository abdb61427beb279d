package io.flowgate.slowpath.classifier;

import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * The classifier of one OpenFlow table, immutable: subtables (one per distinct mask) searched in
 * descending order of their highest rule priority, and one prefix trie per configured trie field.
 * A lookup returns the highest-priority matching rule and records in a wildcard mask every bit it
 * had to look at, including bits that only ruled rules out, as Open vSwitch's classifier does.
 *
 * <p>Changes produce a new table ({@link #with}); readers of the old one are never disturbed.
 */
public final class RuleTable {
    private static final Comparator<Subtable> ORDER =
            Comparator.comparingInt((Subtable s) -> s.maxPriority).reversed().thenComparingLong(s -> s.seq);

    private final int tableId;
    private final TrieField[] trieFields;
    private final PrefixTrie[] tries;
    private final Subtable[] subtables;
    private final Map<MaskKey, Subtable> byMask;
    private final long nextSeq;
    private final int ruleCount;
    /** Rules with an idle or hard timeout: without any, expiry has nothing to look at. */
    private final int timeoutCount;

    private record MaskKey(long[] mask) {
        @Override
        public boolean equals(final Object o) {
            return o instanceof MaskKey k && Arrays.equals(mask, k.mask);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(mask);
        }
    }

    public static RuleTable empty(final int tableId, final TrieField[] trieFields) {
        final PrefixTrie[] tries = new PrefixTrie[trieFields.length];
        Arrays.fill(tries, PrefixTrie.EMPTY);
        return new RuleTable(tableId, trieFields, tries, new Subtable[0], Map.of(), 0, 0, 0);
    }

    private RuleTable(final int tableId, final TrieField[] trieFields, final PrefixTrie[] tries,
                      final Subtable[] subtables, final Map<MaskKey, Subtable> byMask, final long nextSeq,
                      final int ruleCount, final int timeoutCount) {
        this.tableId = tableId;
        this.trieFields = trieFields;
        this.tries = tries;
        this.subtables = subtables;
        this.byMask = byMask;
        this.nextSeq = nextSeq;
        this.ruleCount = ruleCount;
        this.timeoutCount = timeoutCount;
    }

    public int tableId() {
        return tableId;
    }

    public int ruleCount() {
        return ruleCount;
    }

    /** How many rules have an idle or a hard timeout. */
    public int timeoutCount() {
        return timeoutCount;
    }

    public int subtableCount() {
        return subtables.length;
    }

    /** Every rule, in lookup order of their subtables. */
    public List<Rule> rules() {
        final List<Rule> out = new ArrayList<>(ruleCount);
        for (Subtable s : subtables) {
            out.addAll(s.rules());
        }
        return out;
    }

    /** The rule with exactly this priority and match, or null. */
    public Rule find(final int priority, final Match match) {
        final Subtable s = byMask.get(new MaskKey(match.mask()));
        if (s == null) {
            return null;
        }
        final Subtable.RuleList list = s.exact(match);
        if (list == null) {
            return null;
        }
        for (Rule r : list.rules()) {
            if (r.priority() == priority) {
                return r;
            }
        }
        return null;
    }

    /**
     * The highest-priority rule matching {@code flow}, or null; ORs into {@code wc} the bits that
     * decided it.
     */
    public Rule lookup(final long[] flow, final long[] wc) {
        final Subtable.TrieContext[] ctx = new Subtable.TrieContext[tries.length];
        for (int j = 0; j < tries.length; j++) {
            ctx[j] = new Subtable.TrieContext(trieFields[j], tries[j]);
        }
        Rule best = null;
        int bestPriority = Integer.MIN_VALUE;
        for (Subtable s : subtables) {
            if (best != null && s.maxPriority <= bestPriority) {
                break;
            }
            final Rule r = s.findMatch(flow, wc, ctx);
            if (r != null && (best == null || r.priority() > bestPriority)) {
                best = r;
                bestPriority = r.priority();
            }
        }
        return best;
    }

    /** A table with {@code removed} taken out and {@code added} put in (identities already resolved). */
    public RuleTable with(final Collection<Rule> added, final Collection<Rule> removed) {
        if (added.isEmpty() && removed.isEmpty()) {
            return this;
        }
        final Set<MaskKey> touched = new LinkedHashSet<>();
        final Set<Long> gone = new HashSet<>();
        for (Rule r : removed) {
            gone.add(r.id());
            touched.add(new MaskKey(r.match().mask()));
        }
        for (Rule r : added) {
            touched.add(new MaskKey(r.match().mask()));
        }
        final PrefixTrie[] newTries = tries.clone();
        final Map<MaskKey, Subtable> newByMask = new HashMap<>(byMask);
        long seq = nextSeq;
        int count = ruleCount;
        int timeouts = timeoutCount;
        for (MaskKey key : touched) {
            final Subtable old = byMask.get(key);
            final List<Rule> fresh = new ArrayList<>();
            for (Rule r : added) {
                if (Arrays.equals(r.match().mask(), key.mask())) {
                    fresh.add(r);
                    trieInsert(newTries, r);
                    count++;
                    timeouts += r.hasTimeout() ? 1 : 0;
                }
            }
            if (old != null && gone.isEmpty()) {
                // Only additions: the subtable grows in place of a rebuild (FLOW_MODs one at a time).
                newByMask.put(key, old.plus(fresh, trieFields));
                continue;
            }
            final List<Rule> rules = new ArrayList<>();
            if (old != null) {
                for (Rule r : old.rules()) {
                    if (gone.contains(r.id())) {
                        trieRemove(newTries, r);
                        count--;
                        timeouts -= r.hasTimeout() ? 1 : 0;
                    } else {
                        rules.add(r);
                    }
                }
            }
            rules.addAll(fresh);
            if (rules.isEmpty()) {
                newByMask.remove(key);
            } else {
                newByMask.put(key, new Subtable(key.mask(), old != null ? old.seq : seq++, rules, trieFields));
            }
        }
        final Subtable[] ordered = newByMask.values().toArray(new Subtable[0]);
        Arrays.sort(ordered, ORDER);
        return new RuleTable(tableId, trieFields, newTries, ordered, Map.copyOf(newByMask), seq, count, timeouts);
    }

    private void trieInsert(final PrefixTrie[] t, final Rule r) {
        for (int j = 0; j < trieFields.length; j++) {
            final int plen = trieFields[j].prefixLength(r.match().mask());
            if (plen > 0) {
                t[j] = t[j].insert(trieFields[j].hi(r.match().value()), trieFields[j].lo(r.match().value()), plen);
            }
        }
    }

    private void trieRemove(final PrefixTrie[] t, final Rule r) {
        for (int j = 0; j < trieFields.length; j++) {
            final int plen = trieFields[j].prefixLength(r.match().mask());
            if (plen > 0) {
                t[j] = t[j].remove(trieFields[j].hi(r.match().value()), trieFields[j].lo(r.match().value()), plen);
            }
        }
    }

    /** Exact (wildcard-free) lookup for tests: the answer the wildcarded lookup must agree with. */
    public Rule lookupByScan(final long[] flow) {
        Rule best = null;
        for (Subtable s : subtables) {
            for (Rule r : s.rules()) {
                if (r.match().matches(flow) && (best == null || r.priority() > best.priority())) {
                    best = r;
                }
            }
        }
        return best;
    }

}
