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
