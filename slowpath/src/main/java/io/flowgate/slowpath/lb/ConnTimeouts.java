package io.flowgate.slowpath.lb;

import java.util.Arrays;
import java.util.Locale;

/**
 * How long a connection lives in each state after its last packet: IPVS's defaults unless set.
 * Written as {@code STATE=SECONDS,...} with the state names of {@link ConnState} (any case) or
 * ipvsadm's {@code --set} names: {@code tcp} (ESTABLISHED), {@code tcpfin} (FIN_WAIT) and
 * {@code udp}. Seconds may have a fraction ({@code time_wait=0.5}). Immutable.
 */
public final class ConnTimeouts {
    private static final ConnTimeouts DEFAULTS = new ConnTimeouts(defaultMillis());

    private final long[] millis;

    private ConnTimeouts(final long[] millis) {
        this.millis = millis;
    }

    public static ConnTimeouts defaults() {
        return DEFAULTS;
    }

    private static long[] defaultMillis() {
        final long[] m = new long[ConnState.values().length];
        for (ConnState s : ConnState.values()) {
            m[s.ordinal()] = s.defaultSeconds() * 1000L;
        }
        return m;
    }

    public long millis(final ConnState state) {
        return millis[state.ordinal()];
    }

    /**
     * These timeouts with {@code text}'s changes.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public ConnTimeouts with(final String text) {
        final long[] m = millis.clone();
        if (text.isBlank()) {
            throw new IllegalArgumentException("no timeouts given: expected STATE=SECONDS,... (e.g. tcp=900,tcpfin=120,udp=300)");
        }
        for (String part : text.split(",")) {
            final int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("timeout \"" + part.strip() + "\" is not STATE=SECONDS");
            }
            final String name = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            final ConnState state = switch (name) {
                case "tcp" -> ConnState.ESTABLISHED;
                case "tcpfin" -> ConnState.FIN_WAIT;
                default -> ConnState.byName(name);
            };
            if (state == null) {
                throw new IllegalArgumentException("unknown connection state \"" + name + "\" (tcp, tcpfin, udp, or one of "
                        + Arrays.toString(ConnState.values()).toLowerCase(Locale.ROOT) + ")");
            }
            final String v = part.substring(eq + 1).strip();
            final double seconds;
            try {
                seconds = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timeout of " + name + ": \"" + v + "\" is not a number of seconds");
            }
            if (!(seconds > 0) || seconds > 31 * 24 * 3600 || v.contains("e") || v.contains("E")) {
                throw new IllegalArgumentException("timeout of " + name + ": \"" + v
                        + "\" must be a number of seconds above 0 and at most 31 days");
            }
            m[state.ordinal()] = Math.max(1, Math.round(seconds * 1000));
        }
        return new ConnTimeouts(m);
    }

    /** ipvsadm's summary line: {@code tcp tcpfin udp} in seconds. */
    public String summary() {
        return "Timeout (tcp tcpfin udp): " + seconds(ConnState.ESTABLISHED) + " " + seconds(ConnState.FIN_WAIT) + " "
                + seconds(ConnState.UDP);
    }

    /** Every state's timeout, {@code STATE=SECONDS} comma-separated (what {@link #with} reads back). */
    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder();
        for (ConnState st : ConnState.values()) {
            s.append(s.isEmpty() ? "" : ",").append(st.name().toLowerCase(Locale.ROOT)).append('=')
                    .append(seconds(st));
        }
        return s.toString();
    }

    private String seconds(final ConnState s) {
        final long ms = millis(s);
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof ConnTimeouts t && Arrays.equals(millis, t.millis);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(millis);
    }
}
