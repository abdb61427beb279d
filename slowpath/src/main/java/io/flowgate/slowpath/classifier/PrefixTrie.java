package io.flowgate.slowpath.classifier;

/**
 * A persistent binary (Patricia) trie of address prefixes up to 128 bits long, counting the rules
 * that end at each prefix. Inserting or removing returns a new trie that shares every untouched
 * node with the old one, so readers holding the old root are never disturbed.
 *
 * <p>Used as Open vSwitch uses its prefix tries: a lookup tells which prefix lengths have rules
 * on the packet's path, and how many leading bits of the address must be matched to rule out the
 * rest. Values are 128-bit, left-aligned (bit 0 is the most significant bit of {@code hi}); an
 * IPv4 address or a pair of transport ports is placed in the top 32 bits of {@code hi}.
 */
public final class PrefixTrie {
    /** The trie with no prefixes. */
    public static final PrefixTrie EMPTY = new PrefixTrie(null);

    private record Node(long hi, long lo, int nBits, int nRules, Node zero, Node one) {
        boolean leaf() {
            return zero == null && one == null;
        }

        Node child(final int bit) {
            return bit == 0 ? zero : one;
        }

        Node withChild(final int bit, final Node c) {
            return bit == 0 ? new Node(hi, lo, nBits, nRules, c, one) : new Node(hi, lo, nBits, nRules, zero, c);
        }

        Node withRules(final int n) {
            return new Node(hi, lo, nBits, n, zero, one);
        }
    }

    private final Node root;

    private PrefixTrie(final Node root) {
        this.root = root;
    }

    public boolean isEmpty() {
        return root == null;
    }

    /** Bit {@code ofs} (0 = most significant) of a 128-bit value. */
    static int bitAt(final long hi, final long lo, final int ofs) {
        return ofs < 64 ? (int) (hi >>> (63 - ofs)) & 1 : (int) (lo >>> (127 - ofs)) & 1;
    }

    private static long shlHi(final long hi, final long lo, final int n) {
        if (n == 0) {
            return hi;
        }
        return n < 64 ? (hi << n) | (lo >>> (64 - n)) : (n == 64 ? lo : lo << (n - 64));
    }

    private static long shlLo(final long lo, final int n) {
        return n == 0 ? lo : n < 64 ? lo << n : 0;
    }

    /** Keeps the top {@code n} bits of a 128-bit value, clearing the rest. */
    private static long keepHi(final long hi, final int n) {
        return n >= 64 ? hi : n == 0 ? 0 : hi & (-1L << (64 - n));
    }

    private static long keepLo(final long lo, final int n) {
        return n <= 64 ? 0 : n >= 128 ? lo : lo & (-1L << (128 - n));
    }

    /** How many of the node's {@code n} leading bits equal the value's bits from {@code ofs}. */
    private static int equalBits(final Node node, final int n, final long hi, final long lo, final int ofs) {
        final long vHi = shlHi(hi, lo, ofs);
        final long vLo = shlLo(lo, ofs);
        final long dHi = node.hi ^ vHi;
        final int eq;
        if (dHi != 0) {
            eq = Long.numberOfLeadingZeros(dHi);
        } else {
            final long dLo = node.lo ^ vLo;
            eq = dLo != 0 ? 64 + Long.numberOfLeadingZeros(dLo) : 128;
        }
        return Math.min(eq, n);
    }

    /** A chain-free branch holding bits [ofs, ofs + n) of the value, with {@code rules} rules at its end. */
    private static Node branch(final long hi, final long lo, final int ofs, final int n, final int rules) {
        final long eHi = shlHi(hi, lo, ofs);
        final long eLo = shlLo(lo, ofs);
        return new Node(keepHi(eHi, n), keepLo(eLo, n), n, rules, null, null);
    }

    /** Adds one rule with prefix {@code value/plen} ({@code plen} ≥ 1). */
    public PrefixTrie insert(final long hi, final long lo, final int plen) {
        return new PrefixTrie(insert(root, hi, lo, 0, plen));
    }

    private static Node insert(final Node node, final long hi, final long lo, final int ofs, final int plen) {
        if (node == null) {
            return branch(hi, lo, ofs, plen - ofs, 1);
        }
        final int eq = equalBits(node, Math.min(node.nBits, plen - ofs), hi, lo, ofs);
        if (eq < node.nBits) {
            // The new prefix leaves this edge after 'eq' bits: split the edge there.
            final int oldBranch = bitAt(node.hi, node.lo, eq);
            final Node tail = new Node(shlHi(node.hi, node.lo, eq), shlLo(node.lo, eq), node.nBits - eq,
                    node.nRules, node.zero, node.one);
            Node parent = branch(hi, lo, ofs, eq, ofs + eq == plen ? 1 : 0).withChild(oldBranch, tail);
            if (ofs + eq < plen) {
                parent = parent.withChild(1 - oldBranch, branch(hi, lo, ofs + eq, plen - ofs - eq, 1));
            }
            return parent;
        }
        final int next = ofs + eq;
        if (next == plen) {
            return node.withRules(node.nRules + 1);
        }
        final int bit = bitAt(hi, lo, next);
        return node.withChild(bit, insert(node.child(bit), hi, lo, next, plen));
    }

    /** Removes one rule with prefix {@code value/plen}; unknown prefixes are ignored. */
    public PrefixTrie remove(final long hi, final long lo, final int plen) {
        final Node r = remove(root, hi, lo, 0, plen);
        return r == root ? this : new PrefixTrie(r);
    }

    private static Node remove(final Node node, final long hi, final long lo, final int ofs, final int plen) {
        if (node == null) {
            return null;
        }
        final int eq = equalBits(node, Math.min(node.nBits, plen - ofs), hi, lo, ofs);
        if (eq < node.nBits) {
            return node;
        }
        final int next = ofs + eq;
        final Node changed;
        if (next == plen) {
            if (node.nRules == 0) {
                return node;
            }
            changed = node.withRules(node.nRules - 1);
        } else {
            final int bit = bitAt(hi, lo, next);
            final Node child = node.child(bit);
            final Node newChild = remove(child, hi, lo, next, plen);
            if (newChild == child) {
                return node;
            }
            changed = node.withChild(bit, newChild);
        }
        return compact(changed);
    }

    /** Keeps the trie canonical: no rule-less leaves, no rule-less node with a single child. */
    private static Node compact(final Node node) {
        if (node.nRules > 0) {
            return node;
        }
        if (node.leaf()) {
            return null;
        }
        if (node.zero != null && node.one != null) {
            return node;
        }
        final Node only = node.zero != null ? node.zero : node.one;
        final int total = node.nBits + only.nBits;
        if (total > 128) {
            return node;
        }
        // Concatenate the two edges.
        final long[] merged = concat(node.hi, node.lo, node.nBits, only.hi, only.lo);
        return new Node(merged[0], merged[1], total, only.nRules, only.zero, only.one);
    }

    private static long[] concat(final long aHi, final long aLo, final int aBits, final long bHi, final long bLo) {
        // Result = a's first aBits bits followed by b (left-aligned).
        long hi = aHi;
        long lo = aLo;
        if (aBits == 0) {
            return new long[] {bHi, bLo};
        }
        if (aBits < 64) {
            hi |= bHi >>> aBits;
            lo |= (bHi << (64 - aBits)) | (bLo >>> aBits);
        } else if (aBits == 64) {
            lo = bHi;
        } else {
            lo |= bHi >>> (aBits - 64);
        }
        return new long[] {hi, lo};
    }

    /**
     * Looks the value up (OVS's {@code trie_lookup_value}).
     *
     * @param nBits the field's width (32 or 128)
     * @param plens receives a bit for every prefix length with rules on the value's path: bit
     *              {@code len - 1} of the 128-bit set {@code plens[0]:plens[1]} (cleared first)
     * @return how many leading bits must be matched to rule out the prefixes that do not match
     */
    public int lookup(final long hi, final long lo, final int nBits, final long[] plens) {
        plens[0] = 0;
        plens[1] = 0;
        Node prev = null;
        Node node = root;
        int matchLen = 0;
        while (node != null) {
            final int eq = equalBits(node, node.nBits, hi, lo, matchLen);
            matchLen += eq;
            if (eq < node.nBits) {
                return matchLen + 1;
            }
            if (node.nRules > 0) {
                setBit(plens, matchLen - 1);
            }
            if (matchLen >= nBits) {
                return nBits;
            }
            prev = node;
            node = node.child(bitAt(hi, lo, matchLen));
        }
        return prev == null || prev.leaf() ? matchLen : matchLen + 1;
    }

    static void setBit(final long[] set, final int bit) {
        set[bit >>> 6] |= 1L << (63 - (bit & 63));
    }

    /** True if bit {@code bit} of a 128-bit set written by {@link #lookup} is set. */
    public static boolean testBit(final long[] set, final int bit) {
        return (set[bit >>> 6] & (1L << (63 - (bit & 63)))) != 0;
    }
}
