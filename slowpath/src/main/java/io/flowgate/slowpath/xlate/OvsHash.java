package io.flowgate.slowpath.xlate;

/**
 * The hash functions Open vSwitch 3.1 picks a select group's bucket with, bit for bit as
 * Debian's build computes them (lib/hash.h without SSE 4.2: the murmur-style mhash; lib/jhash.c:
 * Bob Jenkins' lookup3), so that Flowgate picks the bucket OVS picks for the same packet. Byte
 * arrays are read as OVS reads memory on x86: 32-bit words, little-endian. All values are
 * unsigned 32-bit, carried in ints.
 */
final class OvsHash {
    private OvsHash() {
    }

    private static int mhashAdd(final int hash, final int data) {
        int h = hash;
        if (data != 0) { // a zero word leaves the hash as it is
            int d = data * 0xcc9e2d51;
            d = Integer.rotateLeft(d, 15) * 0x1b873593;
            h ^= d;
        }
        return Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
    }

    private static int finish(final int hash, final int fin) {
        int h = hash ^ fin;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    /** hash_int(x, basis), which is hash_2words(x, basis). */
    static int hashInt(final int x, final int basis) {
        return finish(mhashAdd(mhashAdd(x, 0), basis), 8);
    }

    /** hash_uint64(x). */
    static int hashUint64(final long x) {
        return finish(mhashAdd(mhashAdd(0, (int) x), (int) (x >>> 32)), 8);
    }

    /** hash_bytes(p, n, basis). */
    static int hashBytes(final byte[] p, final int n, final int basis) {
        int h = basis;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            h = mhashAdd(h, word(p, i, n));
        }
        if (i < n) {
            h = mhashAdd(h, word(p, i, n));
        }
        return finish(h, n);
    }

    /** jhash_bytes(p, n, basis). */
    @SuppressWarnings("checkstyle:OneStatementPerLine") // lookup3's mix and final, as their author writes them
    static int jhashBytes(final byte[] p, final int n, final int basis) {
        int a = 0xdeadbeef + n + basis;
        int b = a;
        int c = a;
        int i = 0;
        int left = n;
        while (left >= 12) {
            a += word(p, i, n);
            b += word(p, i + 4, n);
            c += word(p, i + 8, n);
            // lookup3's mix
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            left -= 12;
            i += 12;
        }
        if (left > 0) {
            a += word(p, i, n);
            b += word(p, i + 4, n);
            c += word(p, i + 8, n);
            // lookup3's final
            c ^= b; c -= Integer.rotateLeft(b, 14);
            a ^= c; a -= Integer.rotateLeft(c, 11);
            b ^= a; b -= Integer.rotateLeft(a, 25);
            c ^= b; c -= Integer.rotateLeft(b, 16);
            a ^= c; a -= Integer.rotateLeft(c, 4);
            b ^= a; b -= Integer.rotateLeft(a, 14);
            c ^= b; c -= Integer.rotateLeft(b, 24);
        }
        return c;
    }

    /** The little-endian word at {@code at}, bytes at or past {@code n} read as 0. */
    private static int word(final byte[] p, final int at, final int n) {
        int w = 0;
        for (int k = 3; k >= 0; k--) {
            w = (w << 8) | (at + k < n ? p[at + k] & 0xFF : 0);
        }
        return w;
    }
}
