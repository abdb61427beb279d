package io.flowgate.slowpath.syntax;


/**
 * Number and address notations of flow syntax, each reporting a precise problem on bad input.
 * Methods throw {@link Bad} with the problem text; the parser adds the position.
 */
final class Values {
    private Values() {
    }

    /** A value problem, without position (the parser knows where the value was). */
    static final class Bad extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        Bad(final String message) {
            super(message, null, false, false);
        }
    }

    /** Decimal or 0x-hex unsigned number of at most {@code bits} bits. */
    static long uint(final String s, final int bits, final String what) throws Bad {
        if (s.isEmpty()) {
            throw new Bad(what + " needs a value");
        }
        final long v;
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                if (s.length() == 2 || s.length() > 18) {
                    throw new NumberFormatException();
                }
                v = Long.parseUnsignedLong(s.substring(2), 16);
            } else {
                if (!s.chars().allMatch(Character::isDigit) || s.length() > 20) {
                    throw new NumberFormatException();
                }
                v = Long.parseUnsignedLong(s);
            }
        } catch (NumberFormatException e) {
            throw new Bad("\"" + s + "\" is not a number (" + what + " takes decimal or 0x-hex)");
        }
        if (bits < 64 && Long.compareUnsigned(v, (1L << bits) - 1) > 0) {
            throw new Bad(s + ": value too large for " + bits + "-bit field " + what);
        }
        return v;
    }

    static long mac(final String s, final String what) throws Bad {
        final String[] parts = s.split(":", -1);
        if (parts.length != 6) {
            throw new Bad("\"" + s + "\" is not an Ethernet address (" + what + " takes xx:xx:xx:xx:xx:xx)");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2) {
                throw new Bad("\"" + s + "\" is not an Ethernet address (" + what + " takes xx:xx:xx:xx:xx:xx)");
            }
            try {
                v = (v << 8) | Integer.parseInt(p, 16);
            } catch (NumberFormatException e) {
                throw new Bad("\"" + s + "\" is not an Ethernet address (" + what + " takes xx:xx:xx:xx:xx:xx)");
            }
        }
        return v;
    }

    static long ipv4(final String s, final String what) throws Bad {
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new Bad("\"" + s + "\" is not an IPv4 address (" + what + ")");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new Bad("\"" + s + "\" is not an IPv4 address (" + what + ")");
            }
            final int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new Bad("\"" + s + "\" is not an IPv4 address (" + what + "): octet " + octet + " is above 255");
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    /** IPv4 value and mask from {@code a.b.c.d[/len|/mask]}: {value, mask}. */
    static long[] ipv4Masked(final String s, final String what) throws Bad {
        final int slash = s.indexOf('/');
        if (slash < 0) {
            return new long[] {ipv4(s, what), 0xFFFF_FFFFL};
        }
        final long v = ipv4(s.substring(0, slash), what);
        final String m = s.substring(slash + 1);
        final long mask;
        if (m.contains(".")) {
            mask = ipv4(m, what + " mask");
        } else {
            final long len;
            try {
                len = Long.parseLong(m);
            } catch (NumberFormatException e) {
                throw new Bad(s + ": \"" + m + "\" is neither a prefix length nor a dotted mask");
            }
            if (len < 0 || len > 32) {
                throw new Bad(s + ": IPv4 network prefix bits not between 0 and 32, inclusive");
            }
            mask = len == 0 ? 0 : (0xFFFF_FFFFL << (32 - len)) & 0xFFFF_FFFFL;
        }
        return new long[] {v & mask, mask};
    }

    /** IPv6 address as {hi, lo}. */
    static long[] ipv6(final String s, final String what) throws Bad {
        if (s.isEmpty() || !s.contains(":") || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            throw new Bad("\"" + s + "\" is not an IPv6 address (" + what + ")");
        }
        final byte[] b;
        try {
            b = java.net.InetAddress.getByName("[" + s + "]").getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new Bad("\"" + s + "\" is not an IPv6 address (" + what + ")");
        }
        if (b.length != 16) {
            throw new Bad("\"" + s + "\" is not an IPv6 address (" + what + ")");
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xFF);
            lo = (lo << 8) | (b[i + 8] & 0xFF);
        }
        return new long[] {hi, lo};
    }

    /** IPv6 value and mask from {@code addr[/len|/mask]}: {hi, lo, maskHi, maskLo}. */
    static long[] ipv6Masked(final String s, final String what) throws Bad {
        final int slash = s.indexOf('/');
        if (slash < 0) {
            final long[] v = ipv6(s, what);
            return new long[] {v[0], v[1], -1L, -1L};
        }
        final long[] v = ipv6(s.substring(0, slash), what);
        final String m = s.substring(slash + 1);
        final long mHi;
        final long mLo;
        if (m.contains(":")) {
            final long[] mask = ipv6(m, what + " mask");
            mHi = mask[0];
            mLo = mask[1];
        } else {
            final int len;
            try {
                len = Integer.parseInt(m);
            } catch (NumberFormatException e) {
                throw new Bad(s + ": \"" + m + "\" is neither a prefix length nor an IPv6 mask");
            }
            if (len < 0 || len > 128) {
                throw new Bad(s + ": IPv6 network prefix bits not between 0 and 128, inclusive");
            }
            mHi = len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
            mLo = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
        }
        return new long[] {v[0] & mHi, v[1] & mLo, mHi, mLo};
    }
}
