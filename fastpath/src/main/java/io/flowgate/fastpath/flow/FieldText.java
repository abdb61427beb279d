package io.flowgate.fastpath.flow;

/**
 * The text of single header values that both of Open vSwitch's flow languages share: MAC, IPv4
 * and IPv6 addresses, CIDR prefix lengths and TCP flag names, as OVS's {@code lib/packets.c}
 * prints them. The OpenFlow match syntax ({@code slowpath.syntax}) and the datapath (ODP) syntax
 * ({@code fastpath.odp}) build on it, so an address reads the same in either.
 */
public final class FieldText {
    private static final String[] TCP_FLAG_NAMES = {
        "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]"
    };

    private FieldText() {
    }

    /** How many TCP flag bits have a name (the 12 bits of {@code tcp_flags}). */
    public static int tcpFlagCount() {
        return TCP_FLAG_NAMES.length;
    }

    public static String tcpFlagName(final int bit) {
        return TCP_FLAG_NAMES[bit];
    }

    /** Length of a CIDR prefix mask, or -1 if the mask is not a prefix. */
    public static int cidrLength32(final int mask) {
        final int ones = Integer.bitCount(mask);
        return (ones == 0 && mask == 0) || Integer.numberOfTrailingZeros(mask) == 32 - ones ? ones : -1;
    }

    public static int cidrLength128(final long hi, final long lo) {
        if (lo == 0) {
            final int ones = Long.bitCount(hi);
            return hi == 0 || Long.numberOfTrailingZeros(hi) == 64 - ones ? ones : -1;
        }
        if (hi != -1L) {
            return -1;
        }
        final int ones = Long.bitCount(lo);
        return Long.numberOfTrailingZeros(lo) == 64 - ones ? 64 + ones : -1;
    }

    public static String mac(final long mac) {
        final StringBuilder s = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            final int b = (int) (mac >>> shift) & 0xFF;
            s.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            if (shift > 0) {
                s.append(':');
            }
        }
        return s.toString();
    }

    public static String ipv4(final int addr) {
        return ((addr >>> 24) & 0xFF) + "." + ((addr >>> 16) & 0xFF) + "." + ((addr >>> 8) & 0xFF) + "." + (addr & 0xFF);
    }

    /** RFC 5952 text form (what inet_ntop prints): lower case, longest zero run compressed. */
    public static String ipv6(final long hi, final long lo) {
        final int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            g[i + 4] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        // inet_ntop prints IPv4-mapped and -compatible addresses with a dotted quad tail.
        if (bestStart == 0 && (bestLen == 6 || (bestLen == 5 && g[5] == 0xFFFF)) && (g[6] != 0 || g[7] > 1)) {
            final String v4 = ((g[6] >>> 8) & 0xFF) + "." + (g[6] & 0xFF) + "." + ((g[7] >>> 8) & 0xFF) + "." + (g[7] & 0xFF);
            return bestLen == 6 ? "::" + v4 : "::ffff:" + v4;
        }
        final StringBuilder s = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    /** "+syn-ack": each masked flag, set or not, from the lowest bit (OVS's format_flags_masked). */
    public static void tcpFlagsMasked(final StringBuilder s, final long flags, final long mask) {
        for (int bit = 0; bit < 12; bit++) {
            if ((mask & (1L << bit)) != 0) {
                s.append((flags & (1L << bit)) != 0 ? '+' : '-').append(TCP_FLAG_NAMES[bit]);
            }
        }
    }
}
