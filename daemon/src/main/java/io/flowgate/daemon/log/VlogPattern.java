package io.flowgate.daemon.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * A destination's line format, with OVS's escapes (ovs-appctl(8), "LOG PATTERNS"): {@code %A}
 * program, {@code %B} syslog priority, {@code %c} module, {@code %d} / {@code %D} local / UTC time
 * (strftime in braces, {@code ###} for milliseconds), {@code %E} host, {@code %m} message,
 * {@code %N} sequence number, {@code %n} new line, {@code %p} level, {@code %P} pid, {@code %r}
 * milliseconds since start, {@code %t} / {@code %T} thread; an optional {@code -} (left justify),
 * {@code 0} (pad with zeros) and minimum width after the {@code %}. Any other character after
 * {@code %} stands for itself, so {@code %%} is a percent sign.
 */
final class VlogPattern {
    static final String PROGRAM = "flowgate";
    private static final long START = System.currentTimeMillis();
    private static final String DEFAULT_TIME = "%Y-%m-%d %H:%M:%S.###";

    private VlogPattern() {
    }

    /** One message to format. */
    record Message(String module, VlogLevel level, String text, long sequence, long millis, int facility) {
    }

    static String format(final String pattern, final Message m) {
        final StringBuilder s = new StringBuilder(pattern.length() + m.text().length() + 32);
        int p = 0;
        while (p < pattern.length()) {
            final char c = pattern.charAt(p++);
            if (c != '%') {
                s.append(c);
                continue;
            }
            boolean left = false;
            char pad = ' ';
            if (p < pattern.length() && pattern.charAt(p) == '-') {
                left = true;
                p++;
            }
            if (p < pattern.length() && pattern.charAt(p) == '0') {
                pad = '0';
                p++;
            }
            int width = 0;
            while (p < pattern.length() && Character.isDigit(pattern.charAt(p))) {
                width = width * 10 + (pattern.charAt(p++) - '0');
            }
            if (p >= pattern.length()) {
                break; // OVS stops at the string's end too
            }
            final int start = s.length();
            final char escape = pattern.charAt(p++);
            switch (escape) {
                case 'A' -> s.append(PROGRAM);
                case 'B' -> s.append((m.facility() != 0 ? m.facility() : Vlog.LOG_LOCAL0) + m.level().syslogLevel());
                case 'c' -> {
                    p = skipBraces(pattern, p); // OVS reads and ignores a {…} after %c
                    s.append(m.module());
                }
                case 'd', 'D' -> {
                    final String braces = braces(pattern, p);
                    p = skipBraces(pattern, p);
                    strftime(s, braces == null ? DEFAULT_TIME : braces, m.millis(),
                            escape == 'D' ? ZoneOffset.UTC : ZoneId.systemDefault());
                }
                case 'E' -> s.append(Host.NAME);
                case 'm' -> {
                    s.append(m.text());
                    while (s.length() > start && s.charAt(s.length() - 1) == '\n') {
                        s.setLength(s.length() - 1);
                    }
                }
                case 'N' -> s.append(m.sequence());
                case 'n' -> s.append('\n');
                case 'p' -> s.append(m.level().name());
                case 'P' -> s.append(ProcessHandle.current().pid());
                case 'r' -> s.append(m.millis() - START);
                case 't' -> s.append(Thread.currentThread().getName());
                case 'T' -> {
                    final String name = Thread.currentThread().getName();
                    if (!name.equals("main")) {
                        s.append('(').append(name).append(')');
                    }
                }
                default -> s.append(escape);
            }
            final int used = s.length() - start;
            if (used < width) {
                final String fill = String.valueOf(pad).repeat(width - used);
                if (left) {
                    s.append(fill);
                } else {
                    s.insert(start, fill);
                }
            }
        }
        return s.toString();
    }

    private static String braces(final String pattern, final int p) {
        if (p >= pattern.length() || pattern.charAt(p) != '{') {
            return null;
        }
        final int close = pattern.indexOf('}', p + 1);
        return pattern.substring(p + 1, close < 0 ? pattern.length() : close);
    }

    private static int skipBraces(final String pattern, final int p) {
        if (p >= pattern.length() || pattern.charAt(p) != '{') {
            return p;
        }
        final int close = pattern.indexOf('}', p + 1);
        return close < 0 ? pattern.length() : close + 1;
    }

    /** strftime(3)'s common conversions, and OVS's {@code ###} (or {@code #}, {@code ##}) for fractions. */
    static void strftime(final StringBuilder s, final String format, final long millis, final ZoneId zone) {
        final ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(zone);
        for (int i = 0; i < format.length(); i++) {
            final char c = format.charAt(i);
            if (c == '#') {
                int n = 0;
                while (i < format.length() && format.charAt(i) == '#') {
                    n++;
                    i++;
                }
                i--;
                final String ms = String.format("%03d", t.getNano() / 1_000_000);
                s.append(n <= 3 ? ms.substring(0, n) : ms + "0".repeat(n - 3));
                continue;
            }
            if (c != '%' || i + 1 >= format.length()) {
                s.append(c);
                continue;
            }
            final char f = format.charAt(++i);
            switch (f) {
                case 'Y' -> s.append(t.getYear());
                case 'y' -> two(s, t.getYear() % 100);
                case 'm' -> two(s, t.getMonthValue());
                case 'd' -> two(s, t.getDayOfMonth());
                case 'e' -> s.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'H' -> two(s, t.getHour());
                case 'I' -> two(s, (t.getHour() + 11) % 12 + 1);
                case 'M' -> two(s, t.getMinute());
                case 'S' -> two(s, t.getSecond());
                case 'j' -> s.append(String.format("%03d", t.getDayOfYear()));
                case 'p' -> s.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b', 'h' -> s.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT));
                case 'B' -> s.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ROOT));
                case 'a' -> s.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT));
                case 'A' -> s.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ROOT));
                case 'T' -> strftime(s, "%H:%M:%S", millis, zone);
                case 'F' -> strftime(s, "%Y-%m-%d", millis, zone);
                case 'D' -> strftime(s, "%m/%d/%y", millis, zone);
                case 'R' -> strftime(s, "%H:%M", millis, zone);
                case 's' -> s.append(millis / 1000);
                case 'z' -> s.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'Z' -> s.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ROOT));
                case '%' -> s.append('%');
                default -> s.append('%').append(f);
            }
        }
    }

    private static void two(final StringBuilder s, final int v) {
        if (v < 10) {
            s.append('0');
        }
        s.append(v);
    }

    /** gethostname(2), read once when a pattern first asks (no name service lookup). */
    private static final class Host {
        static final String NAME = read();

        private static String read() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (IOException | UncheckedIOException e) {
                return "localhost";
            }
        }
    }
}
