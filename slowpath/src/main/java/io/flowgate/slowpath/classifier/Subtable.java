package io.flowgate.slowpath.classifier;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.agrona.collections.LongHashSet;

/**
 * All rules of one OpenFlow table that share a mask (tuple space search), immutable. Besides the
 * rules, keyed by their masked value, it keeps what Open vSwitch's classifier keeps to leave
 * megaflows wide: per-stage indices (metadata, L2, L3 — a lookup that fails early unwildcards only
 * the stages it looked at), the prefix length of each trie field, and a trie of the rules'
 * transport ports.
 */
final class Subtable {
    private static final int[][] STAGES = {
        {0, FlowKey.STAGE_METADATA_END},
        {FlowKey.STAGE_METADATA_END, FlowKey.STAGE_L2_END},
        {FlowKey.STAGE_L2_END, FlowKey.STAGE_L3_END},
        {FlowKey.STAGE_L3_END, FlowKey.STAGE_L4_END},
    };
    private static final int PORTS_SHIFT = FlowKey.TP_DST_SHIFT;

    /** Rules with one identical match, highest priority first. */
    record RuleList(Match match, Rule[] rules) {
    }

    final long[] mask;
    final long seq;
    final int maxPriority;
    private final List<Rule> rules;
    /** Words of each stage that have mask bits: {@code stageWords[0..indices]}, the last one final. */
    private final int[][] stageWords;
    private final int indices;
    private final LongHashSet[] stageIndex;
    private final int[] triePlen;
    private final long portsMask;
    private final int portsMaskLen;
    private final PrefixTrie portsTrie;
    private final long[] hashes;
    private final RuleList[] lists;
    /** Rule lists in {@link #lists}. */
    private final int groups;

    Subtable(final long[] mask, final long seq, final List<Rule> rules, final TrieField[] tries) {
        this.mask = mask;
        this.seq = seq;
        this.rules = List.copyOf(rules);

        // Stages, as OVS: one index per stage with mask bits; the final stage needs none, and if
        // it adds nothing the last index becomes the final stage.
        final List<int[]> stages = new ArrayList<>();
        int lastStart = 0;
        for (int s = 0; s < STAGES.length - 1; s++) {
            final int[] words = wordsIn(STAGES[s][0], STAGES[s][1]);
            if (words.length > 0) {
                stages.add(words);
            }
            lastStart = STAGES[s][1];
        }
        final int[] finalWords = wordsIn(lastStart, FlowKey.WORDS);
        int n = stages.size();
        if (n > 0 && finalWords.length == 0) {
            n--;
        } else {
            stages.add(finalWords);
        }
        this.indices = n;
        this.stageWords = stages.toArray(new int[0][]);

        this.triePlen = new int[tries.length];
        for (int j = 0; j < tries.length; j++) {
            triePlen[j] = tries[j].prefixLength(mask);
        }
        this.portsMask = (mask[FlowKey.W_L4] >>> PORTS_SHIFT) & 0xFFFF_FFFFL;
        this.portsMaskLen = portsMask == 0 ? 0 : 32 - Long.numberOfTrailingZeros(portsMask);

        // Group identical matches, highest priority first (stable for equal priorities).
        final List<Rule> sorted = new ArrayList<>(rules);
        sorted.sort(Comparator.comparingInt(Rule::priority).reversed());
        final List<RuleList> groups = new ArrayList<>();
        final java.util.Map<Match, List<Rule>> byMatch = new java.util.LinkedHashMap<>();
        for (Rule r : sorted) {
            byMatch.computeIfAbsent(r.match(), k -> new ArrayList<>()).add(r);
        }
        for (var e : byMatch.entrySet()) {
            groups.add(new RuleList(e.getKey(), e.getValue().toArray(new Rule[0])));
        }
        this.groups = groups.size();
        this.maxPriority = sorted.isEmpty() ? Integer.MIN_VALUE : sorted.get(0).priority();

        int cap = Integer.highestOneBit(Math.max(4, groups.size() * 2 - 1)) << 1;
        this.hashes = new long[cap];
        this.lists = new RuleList[cap];
        this.stageIndex = new LongHashSet[indices];
        for (int i = 0; i < indices; i++) {
            stageIndex[i] = new LongHashSet(Math.max(8, groups.size() * 2));
        }
        PrefixTrie ports = PrefixTrie.EMPTY;
        for (RuleList list : groups) {
            final long[] v = list.match().value();
            long h = 0;
            for (int i = 0; i < indices; i++) {
                h = hashWords(v, stageWords[i], h);
                stageIndex[i].add(FlowHash.finish(h));
            }
            h = hashWords(v, stageWords[indices], h);
            insert(FlowHash.finish(h), list);
            if (portsMaskLen > 0) {
                final long portBits = (v[FlowKey.W_L4] >>> PORTS_SHIFT) & 0xFFFF_FFFFL;
                ports = ports.insert(portBits << 32, 0, portsMaskLen);
            }
        }
        this.portsTrie = ports;
    }

    private Subtable(final Subtable base, final List<Rule> rules, final int maxPriority, final LongHashSet[] stageIndex,
                     final PrefixTrie portsTrie, final long[] hashes, final RuleList[] lists, final int groups) {
        this.mask = base.mask;
        this.seq = base.seq;
        this.stageWords = base.stageWords;
        this.indices = base.indices;
        this.triePlen = base.triePlen;
        this.portsMask = base.portsMask;
        this.portsMaskLen = base.portsMaskLen;
        this.rules = rules;
        this.maxPriority = maxPriority;
        this.stageIndex = stageIndex;
        this.portsTrie = portsTrie;
        this.hashes = hashes;
        this.lists = lists;
        this.groups = groups;
    }

    /**
     * This subtable with {@code added} (rules of its mask) put in, without rebuilding it: the
     * indices are copied and the new rules added to the copies, so one rule added to a large
     * subtable (a controller's FLOW_MOD) costs copies of arrays, not a re-sort and a re-hash of
     * every rule. The result equals a subtable built from all the rules.
     */
    Subtable plus(final List<Rule> added, final TrieField[] tries) {
        final int cap = hashes.length;
        if ((groups + added.size()) * 2 > cap) {
            final List<Rule> all = new ArrayList<>(rules);
            all.addAll(added);
            return new Subtable(mask, seq, all, tries); // grown: built afresh, as often as the table doubles
        }
        final long[] h2 = hashes.clone();
        final RuleList[] l2 = lists.clone();
        final LongHashSet[] index = new LongHashSet[indices];
        for (int i = 0; i < indices; i++) {
            index[i] = new LongHashSet(Math.max(8, cap));
            index[i].addAll(stageIndex[i]);
        }
        PrefixTrie ports = portsTrie;
        int max = maxPriority;
        int n = groups;
        for (Rule r : added) {
            final long[] v = r.match().value();
            long h = 0;
            for (int i = 0; i < indices; i++) {
                h = hashWords(v, stageWords[i], h);
                index[i].add(FlowHash.finish(h));
            }
            final long hash = FlowHash.finish(hashWords(v, stageWords[indices], h));
            int i = (int) hash & (cap - 1);
            while (l2[i] != null && !(h2[i] == hash && l2[i].match().equals(r.match()))) {
                i = (i + 1) & (cap - 1);
            }
            if (l2[i] == null) {
                h2[i] = hash;
                l2[i] = new RuleList(r.match(), new Rule[] {r});
                n++;
            } else {
                l2[i] = new RuleList(r.match(), withRule(l2[i].rules(), r));
            }
            if (portsMaskLen > 0) {
                ports = ports.insert(((v[FlowKey.W_L4] >>> PORTS_SHIFT) & 0xFFFF_FFFFL) << 32, 0, portsMaskLen);
            }
            max = Math.max(max, r.priority());
        }
        final List<Rule> all = new ArrayList<>(rules.size() + added.size());
        all.addAll(rules);
        all.addAll(added);
        return new Subtable(this, List.copyOf(all), max, index, ports, h2, l2, n);
    }

    /** {@code rules} (highest priority first) with {@code r} after every rule of its priority or higher. */
    private static Rule[] withRule(final Rule[] rules, final Rule r) {
        int at = 0;
        while (at < rules.length && rules[at].priority() >= r.priority()) {
            at++;
        }
        final Rule[] out = new Rule[rules.length + 1];
        System.arraycopy(rules, 0, out, 0, at);
        out[at] = r;
        System.arraycopy(rules, at, out, at + 1, rules.length - at);
        return out;
    }

    private int[] wordsIn(final int from, final int to) {
        int n = 0;
        for (int w = from; w < to; w++) {
            if (mask[w] != 0) {
                n++;
            }
        }
        final int[] out = new int[n];
        n = 0;
        for (int w = from; w < to; w++) {
            if (mask[w] != 0) {
                out[n++] = w;
            }
        }
        return out;
    }

    private static long hashWords(final long[] values, final int[] words, long h) {
        for (int w : words) {
            h = FlowHash.step(h, values[w]);
        }
        return h;
    }

    private long hashMasked(final long[] key, final int[] words, long h) {
        for (int w : words) {
            h = FlowHash.step(h, key[w] & mask[w]);
        }
        return h;
    }

    private void insert(final long hash, final RuleList list) {
        int i = (int) hash & (hashes.length - 1);
        while (lists[i] != null) {
            i = (i + 1) & (hashes.length - 1);
        }
        hashes[i] = hash;
        lists[i] = list;
    }

    private RuleList find(final long hash, final long[] key) {
        int i = (int) hash & (hashes.length - 1);
        RuleList l;
        while ((l = lists[i]) != null) {
            if (hashes[i] == hash && matches(l.match(), key)) {
                return l;
            }
            i = (i + 1) & (hashes.length - 1);
        }
        return null;
    }

    private boolean matches(final Match m, final long[] key) {
        final long[] v = m.value();
        for (int w = 0; w < FlowKey.WORDS; w++) {
            if ((key[w] & mask[w]) != v[w]) {
                return false;
            }
        }
        return true;
    }

    List<Rule> rules() {
        return rules;
    }

    boolean isEmpty() {
        return rules.isEmpty();
    }

    /** The rule list with exactly this match, or null. */
    RuleList exact(final Match match) {
        long h = 0;
        for (int i = 0; i <= indices; i++) {
            h = hashWords(match.value(), stageWords[i], h);
        }
        return find(FlowHash.finish(h), match.value());
    }

    /** Per-lookup state of one trie (OVS's trie_ctx): looked up at most once per lookup. */
    static final class TrieContext {
        final TrieField field;
        final PrefixTrie trie;
        boolean done;
        int maskBits;
        final long[] plens = new long[2];

        TrieContext(final TrieField field, final PrefixTrie trie) {
            this.field = field;
            this.trie = trie;
        }
    }

    /**
     * Finds the highest-priority rule of this subtable that matches {@code flow}, ORing into
     * {@code wc} exactly the bits the search had to look at (OVS's {@code find_match_wc}).
     */
    Rule findMatch(final long[] flow, final long[] wc, final TrieContext[] tries) {
        int stagesUsed = 0;
        long h = 0;
        int i = 0;
        boolean adjustPorts = false;
        long portsWc = 0;
        RuleList found = null;
        noMatch:
        {
            for (; i < indices; i++) {
                if (checkTries(tries, stageWords[i], flow, wc)) {
                    break noMatch;
                }
                stagesUsed |= 1 << i;
                h = hashMasked(flow, stageWords[i], h);
                if (!stageIndex[i].contains(FlowHash.finish(h))) {
                    break noMatch;
                }
            }
            if (checkTries(tries, stageWords[i], flow, wc)) {
                break noMatch;
            }
            stagesUsed |= 1 << i;
            h = hashMasked(flow, stageWords[i], h);
            found = find(FlowHash.finish(h), flow);
            if (found == null && portsMaskLen > 0) {
                // Unwildcard only the port bits that tell this packet apart from the rules' ports.
                final long value = ((flow[FlowKey.W_L4] >>> PORTS_SHIFT) & 0xFFFF_FFFFL) & portsMask;
                final int mbits = portsTrie.lookup(value << 32, 0, 32, new long[2]);
                final long prefix = mbits == 0 ? 0 : (0xFFFF_FFFFL << (32 - mbits)) & 0xFFFF_FFFFL;
                portsWc = (portsMask & prefix) | ((wc[FlowKey.W_L4] >>> PORTS_SHIFT) & 0xFFFF_FFFFL);
                adjustPorts = true;
                break noMatch;
            }
            for (int w = 0; w < FlowKey.WORDS; w++) {
                wc[w] |= mask[w];
            }
            return found == null ? null : found.rules()[0];
        }
        for (int s = 0; s < stageWords.length; s++) {
            if ((stagesUsed & (1 << s)) != 0) {
                for (int w : stageWords[s]) {
                    wc[w] |= mask[w];
                }
            }
        }
        if (adjustPorts) {
            final long portsBits = 0xFFFF_FFFFL << PORTS_SHIFT;
            wc[FlowKey.W_L4] = (wc[FlowKey.W_L4] & ~portsBits) | (portsWc << PORTS_SHIFT);
        }
        return null;
    }

    /** True if a trie proves no rule of this subtable can match; the bits that proved it go to wc. */
    private boolean checkTries(final TrieContext[] tries, final int[] words, final long[] flow, final long[] wc) {
        for (int j = 0; j < tries.length; j++) {
            final int plen = triePlen[j];
            if (plen == 0) {
                continue;
            }
            final TrieContext ctx = tries[j];
            if (Arrays.binarySearch(words, ctx.field.word()) < 0) {
                continue;
            }
            if (!ctx.done) {
                ctx.done = true;
                if (ctx.field.present(flow)) {
                    ctx.maskBits = ctx.trie.lookup(ctx.field.hi(flow), ctx.field.lo(flow), ctx.field.bits(), ctx.plens);
                } else {
                    ctx.plens[0] = -1L;
                    ctx.plens[1] = -1L;
                    ctx.maskBits = 0;
                }
            }
            if (!PrefixTrie.testBit(ctx.plens, plen - 1)) {
                if (ctx.maskBits <= plen) {
                    ctx.field.setPrefixBits(wc, ctx.maskBits);
                    return true;
                }
                if (ctx.field.prefixBitsSet(wc, ctx.maskBits)) {
                    return true;
                }
            }
        }
        return false;
    }

    int triePrefixLength(final int trie) {
        return triePlen[trie];
    }
}
