package io.flowgate.slowpath.classifier;

import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.slowpath.ofproto.Match;
import io.flowgate.slowpath.ofproto.Rule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;


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
    /** Every rule, in the order added (a chain of the additions of each version, shared between versions). */
    private final RuleChain rules;
    /** Words of each stage that have mask bits: {@code stageWords[0..indices]}, the last one final. */
    private final int[][] stageWords;
    private final int indices;
    /**
     * Per stage, the hashes of the rules' values up to it: open-addressing sets of the same
     * capacity as {@link #hashes} (half full at most), so that a new version copies them whole.
     * 0 marks a free slot; a hash of 0 is kept as 1 (the two then share a stage's answer, which
     * only makes a lookup look one stage further: the full match decides).
     */
    private final Paged.Longs[] stageIndex;
    private final int[] triePlen;
    private final long portsMask;
    private final int portsMaskLen;
    private final PrefixTrie portsTrie;
    /** Open addressing, {@code cap} slots (a power of two, at least twice the lists): a list's hash and the list. */
    private final int cap;
    private final Paged.Longs hashes;
    private final Paged.Refs<RuleList> lists;
    /** Rule lists in {@link #lists}. */
    private final int groups;

    Subtable(final long[] mask, final long seq, final List<Rule> rules, final TrieField[] tries) {
        this.mask = mask;
        this.seq = seq;
        this.rules = new RuleChain(rules.toArray(new Rule[0]), null, rules.size());

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

        this.cap = Integer.highestOneBit(Math.max(4, groups.size() * 2 - 1)) << 1;
        this.hashes = new Paged.Longs(cap);
        this.lists = new Paged.Refs<>(cap);
        this.stageIndex = new Paged.Longs[indices];
        for (int i = 0; i < indices; i++) {
            stageIndex[i] = new Paged.Longs(cap);
        }
        PrefixTrie ports = PrefixTrie.EMPTY;
        for (RuleList list : groups) {
            final long[] v = list.match().value();
            long h = 0;
            for (int i = 0; i < indices; i++) {
                h = hashWords(v, stageWords[i], h);
                indexAdd(stageIndex[i], FlowHash.finish(h));
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

    private Subtable(final Subtable base, final RuleChain rules, final int maxPriority, final Paged.Longs[] stageIndex,
                     final PrefixTrie portsTrie, final Paged.Longs hashes, final Paged.Refs<RuleList> lists,
                     final int groups) {
        this.mask = base.mask;
        this.seq = base.seq;
        this.stageWords = base.stageWords;
        this.indices = base.indices;
        this.triePlen = base.triePlen;
        this.portsMask = base.portsMask;
        this.portsMaskLen = base.portsMaskLen;
        this.cap = base.cap;
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
     * tables are new versions of this one's ({@link Paged}: only the pages written are copied),
     * so one rule added to a large subtable (a controller's FLOW_MOD) costs a few pages, not a
     * re-sort and a re-hash of every rule, nor a copy of every array. The result equals a
     * subtable built from all the rules.
     */
    Subtable plus(final List<Rule> added, final TrieField[] tries) {
        if ((groups + added.size()) * 2 > cap) {
            final List<Rule> all = rules();
            all.addAll(added);
            return new Subtable(mask, seq, all, tries); // grown: built afresh, as often as the table doubles
        }
        final Paged.Longs h2 = hashes.copy();
        final Paged.Refs<RuleList> l2 = lists.copy();
        final Paged.Longs[] index = new Paged.Longs[indices];
        for (int i = 0; i < indices; i++) {
            index[i] = stageIndex[i].copy();
        }
        PrefixTrie ports = portsTrie;
        int max = maxPriority;
        int n = groups;
        for (Rule r : added) {
            final long[] v = r.match().value();
            long h = 0;
            for (int i = 0; i < indices; i++) {
                h = hashWords(v, stageWords[i], h);
                indexAdd(index[i], FlowHash.finish(h));
            }
            final long hash = FlowHash.finish(hashWords(v, stageWords[indices], h));
            int i = (int) hash & (cap - 1);
            RuleList at;
            while ((at = l2.get(i)) != null && !(h2.get(i) == hash && at.match().equals(r.match()))) {
                i = (i + 1) & (cap - 1);
            }
            if (at == null) {
                h2.set(i, hash);
                l2.set(i, new RuleList(r.match(), new Rule[] {r}));
                n++;
            } else {
                l2.set(i, new RuleList(r.match(), withRule(at.rules(), r)));
            }
            if (portsMaskLen > 0) {
                ports = ports.insert(((v[FlowKey.W_L4] >>> PORTS_SHIFT) & 0xFFFF_FFFFL) << 32, 0, portsMaskLen);
            }
            max = Math.max(max, r.priority());
        }
        final RuleChain chain = new RuleChain(added.toArray(new Rule[0]), rules, rules.size() + added.size());
        return new Subtable(this, chain, max, index, ports, h2, l2, n);
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

    private static void indexAdd(final Paged.Longs set, final long hash) {
        final long h = hash == 0 ? 1 : hash;
        final int m = set.length() - 1;
        int i = (int) h & m;
        long v;
        while ((v = set.get(i)) != 0 && v != h) {
            i = (i + 1) & m;
        }
        if (v == 0) {
            set.set(i, h);
        }
    }

    private static boolean indexContains(final Paged.Longs set, final long hash) {
        final long h = hash == 0 ? 1 : hash;
        final int m = set.length() - 1;
        int i = (int) h & m;
        long v;
        while ((v = set.get(i)) != 0) {
            if (v == h) {
                return true;
            }
            i = (i + 1) & m;
        }
        return false;
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
        int i = (int) hash & (cap - 1);
        while (lists.get(i) != null) {
            i = (i + 1) & (cap - 1);
        }
        hashes.set(i, hash);
        lists.set(i, list);
    }

    private RuleList find(final long hash, final long[] key) {
        int i = (int) hash & (cap - 1);
        RuleList l;
        while ((l = lists.get(i)) != null) {
            if (hashes.get(i) == hash && matches(l.match(), key)) {
                return l;
            }
            i = (i + 1) & (cap - 1);
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

    /** Every rule, in the order added (a new list). */
    List<Rule> rules() {
        final List<Rule[]> parts = new ArrayList<>();
        for (RuleChain c = rules; c != null; c = c.prev()) {
            parts.add(c.added());
        }
        final List<Rule> out = new ArrayList<>(rules.size());
        for (int p = parts.size() - 1; p >= 0; p--) {
            out.addAll(Arrays.asList(parts.get(p)));
        }
        return out;
    }

    boolean isEmpty() {
        return rules.size() == 0;
    }

    /** The rules one version added, after those of the versions before ({@code prev}); {@code size} counts them all. */
    private record RuleChain(Rule[] added, RuleChain prev, int size) {
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
                if (!indexContains(stageIndex[i], FlowHash.finish(h))) {
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
