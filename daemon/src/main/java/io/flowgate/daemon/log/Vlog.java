package io.flowgate.daemon.log;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flowgate's logging, in the manner of Open vSwitch's vlog: named modules, each with a level per
 * destination (the system log, the console, which is standard error, and a log file), each
 * destination with its line format ({@link VlogPattern}; the file's lines read
 * {@code 2026-01-01T00:00:00.000Z|00001|module|INFO|message}), levels and formats changed at run
 * time with {@code vlog/set}. Every module of Flowgate logs through the JDK's platform logging
 * ({@code System.getLogger("revalidator")}); {@link VlogLoggerFinder} routes that here.
 *
 * <p>One file above 400 lines: the module levels, the destinations and their formats are one
 * table, changed by vlog/set and vlog/reopen under this object's lock and read without one by
 * every log call; split up, which writes must hold the lock would be spread across files.
 */
public final class Vlog {
    /** The destinations, in OVS's order (vlog/list-pattern's rows). */
    public enum Destination {
        SYSLOG, CONSOLE, FILE;

        static Destination byName(final String name) {
            for (Destination d : values()) {
                if (d.name().equalsIgnoreCase(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    static final int LOG_LOCAL0 = 16 << 3;
    /** The syslog facilities FACILITY:name accepts, by OVS's names, with their values. */
    private static final Map<String, Integer> FACILITIES = facilities();
    /** OVS's default patterns, without the thread name ({@code %T}) OVS adds to the module. */
    static final String[] DEFAULT_PATTERNS = {"flowgate|%05N|%c|%p|%m", "%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c|%p|%m",
            "%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c|%p|%m"};
    /** What OVS sends to a --syslog-target: RFC 5424, the message after a UTF-8 byte order mark. */
    private static final String RFC5424 = "<%B>1 %D{%Y-%m-%dT%H:%M:%S.###Z} %E %A %P %c - \uFEFF%m";

    /**
     * Every module that logs (each System.getLogger name, and vlog itself), known from the start
     * so that -v and vlog/set can name one before its first message; VlogTest checks the list.
     */
    static final List<String> MODULES = List.of("daemon", "datapath", "dpdk", "estimator", "handler", "lb",
            "ofproto", "openflow", "reconfig", "revalidator", "unixctl", "vlog");
    /** Declared after the constants its constructor uses. */
    private static final Vlog INSTANCE = new Vlog();

    private final Map<String, VlogLevel[]> modules = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile PrintStream console = System.err;
    private volatile OutputStream file;
    private volatile Path filePath;
    private volatile String[] patterns = DEFAULT_PATTERNS.clone();
    /** 0 until FACILITY:name sets one. */
    private volatile int facility;
    private volatile VlogSyslog syslog;
    private volatile VlogSyslog.Udp syslogTarget;
    /**
     * New modules' levels. The system log is off until asked for (OVS logs to it at info): a
     * daemon's console already reaches the journal under systemd, and twice is noise.
     */
    private final VlogLevel[] defaults = {VlogLevel.OFF, VlogLevel.INFO, VlogLevel.INFO};

    /** A fresh one (tests); the daemon uses {@link #get()}. */
    Vlog() {
        for (String m : MODULES) {
            module(m);
        }
    }

    public static Vlog get() {
        return INSTANCE;
    }

    VlogLevel[] module(final String name) {
        return modules.computeIfAbsent(name, n -> defaults.clone());
    }

    /** True if a message of this level from this module would be written anywhere. */
    boolean enabled(final String module, final VlogLevel level) {
        final VlogLevel[] levels = module(module);
        return levels[Destination.CONSOLE.ordinal()].passes(level) || levels[Destination.SYSLOG.ordinal()].passes(level)
                || (file != null && levels[Destination.FILE.ordinal()].passes(level));
    }

    /** Writes one message to each destination whose level lets it through. */
    void log(final String module, final VlogLevel level, final String message) {
        final VlogLevel[] levels = module(module);
        final boolean toConsole = levels[Destination.CONSOLE.ordinal()].passes(level);
        final boolean toSyslog = levels[Destination.SYSLOG.ordinal()].passes(level);
        final OutputStream f = file;
        final boolean toFile = f != null && levels[Destination.FILE.ordinal()].passes(level);
        if (!toConsole && !toSyslog && !toFile) {
            return;
        }
        final String[] p = patterns;
        final VlogPattern.Message m = new VlogPattern.Message(module, level, message, sequence.incrementAndGet(),
                System.currentTimeMillis(), facility);
        if (toConsole) {
            final PrintStream c = console;
            c.print(VlogPattern.format(p[Destination.CONSOLE.ordinal()], m) + "\n");
            c.flush();
        }
        if (toSyslog) {
            toSyslog(p[Destination.SYSLOG.ordinal()], m);
        }
        if (toFile) {
            final String line = VlogPattern.format(p[Destination.FILE.ordinal()], m) + "\n";
            synchronized (this) {
                try {
                    f.write(line.getBytes(StandardCharsets.UTF_8));
                    f.flush();
                } catch (IOException e) {
                    console.print("flowgate: cannot write log file " + filePath + ": " + e.getMessage() + "\n");
                }
            }
        }
    }

    private void toSyslog(final String pattern, final VlogPattern.Message m) {
        final VlogSyslog s = syslogMethod();
        final int priority = m.level().syslogLevel() | (m.facility() != 0 ? m.facility() : VlogSyslog.LOG_DAEMON);
        for (String line : VlogPattern.format(pattern, m).split("\n")) {
            if (!line.isEmpty()) {
                s.send(priority, line, m.millis());
            }
        }
        final VlogSyslog.Udp target = syslogTarget;
        if (target != null) {
            target.sendRaw(VlogPattern.format(RFC5424, m));
        }
    }

    private VlogSyslog syslogMethod() {
        VlogSyslog s = syslog;
        if (s == null) {
            synchronized (this) {
                if (syslog == null) {
                    syslog = VlogSyslog.parse("libc");
                }
                s = syslog;
            }
        }
        return s;
    }

    /**
     * Where syslog lines go (--syslog-method): libc, unix:PATH, udp:IP:PORT or null. As in OVS,
     * the first one given stays.
     *
     * @return null, or OVS's error text
     */
    public synchronized String syslogMethod(final String method) {
        final VlogSyslog s = VlogSyslog.parse(method);
        if (s == null) {
            return "unsupported syslog method '" + method + "'";
        }
        if (syslog == null) {
            syslog = s;
        }
        return null;
    }

    /**
     * Also sends syslog lines to this UDP address in RFC 5424's format (--syslog-target=IP:PORT).
     *
     * @return null, or the reason the address cannot be used
     */
    public synchronized String syslogTarget(final String target) {
        final VlogSyslog.Udp udp = VlogSyslog.Udp.open(target, -1);
        if (udp == null) {
            return "--syslog-target: cannot send to \"" + target + "\" (expected IP:PORT)";
        }
        syslogTarget = udp;
        log("vlog", VlogLevel.WARN, "--syslog-target flag is deprecated, use --syslog-method instead");
        return null;
    }

    /** Opens (appends to) the log file, and says so in it, as OVS does. */
    public synchronized void logFile(final Path path) throws IOException {
        final OutputStream next = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        final OutputStream old = file;
        file = next;
        filePath = path;
        if (old != null) {
            old.close();
        }
        log("vlog", VlogLevel.INFO, "opened log file " + path);
    }

    /**
     * Opens the log file again by its name (vlog/reopen, after logrotate moved it away).
     *
     * @throws IOException if there is no log file ("Logging to file not configured", as OVS says)
     */
    public synchronized void reopen() throws IOException {
        final Path path = filePath;
        if (path == null) {
            throw new IOException("Logging to file not configured");
        }
        logFile(path);
    }

    /** Closes the log file, if open (vlog/close); vlog/reopen opens it again. */
    public synchronized void close() throws IOException {
        final OutputStream f = file;
        file = null;
        if (f != null) {
            f.close();
        }
    }

    /** Sends console output somewhere else (tests). */
    public void console(final PrintStream stream) {
        this.console = stream;
    }

    /**
     * A command-line {@code -v[SPEC]}: no spec means every module at dbg everywhere.
     *
     * @return null, or the error as OVS prints it ("processing "SPEC": ...")
     */
    public String verbosity(final String spec) {
        if (spec == null || spec.isEmpty()) {
            return set("");
        }
        final String error = set(spec);
        return error == null ? null : "processing \"" + spec + "\": " + error;
    }

    /**
     * Applies a vlog/set spec as OVS reads it: {@code PATTERN:DESTINATION:PATTERN} sets a
     * destination's line format; {@code FACILITY:NAME} the syslog facility; otherwise words
     * separated by spaces, commas or colons, at most one module, one destination and one level
     * ("any" means nothing; no level means dbg; no module or destination, all of them).
     *
     * @return null on success, or OVS's error text
     */
    public String set(final String spec) {
        final Words words = new Words(spec);
        String word = words.next();
        if (word != null && word.equalsIgnoreCase("PATTERN")) {
            word = words.next();
            if (word == null) {
                return "missing destination";
            }
            final Destination d = Destination.byName(word);
            if (d == null && !word.equalsIgnoreCase("ANY")) {
                return "unknown destination \"" + word + "\"";
            }
            pattern(d, words.rest());
            return null;
        }
        if (word != null && word.equalsIgnoreCase("FACILITY")) {
            final Integer f = FACILITIES.get(words.rest().toLowerCase(Locale.ROOT));
            if (f == null) {
                return "invalid facility";
            }
            facility = f;
            return null;
        }
        String module = null;
        Destination destination = null;
        VlogLevel level = null;
        for (; word != null; word = words.next()) {
            final Destination d = Destination.byName(word);
            final VlogLevel l = VlogLevel.byName(word);
            if (word.equalsIgnoreCase("any")) {
                continue;
            } else if (d != null) {
                if (destination != null) {
                    return "cannot specify multiple destinations";
                }
                destination = d;
            } else if (l != null) {
                if (level != null) {
                    return "cannot specify multiple levels";
                }
                level = l;
            } else if (modules.containsKey(word)) {
                if (module != null) {
                    return "cannot specify multiple modules";
                }
                module = word;
            } else {
                return "no destination, level, or module \"" + word + "\"";
            }
        }
        levels(module, destination, level == null ? VlogLevel.DBG : level);
        return null;
    }

    private synchronized void levels(final String module, final Destination destination, final VlogLevel level) {
        final List<Destination> where = destination == null ? List.of(Destination.values()) : List.of(destination);
        final List<String> targets = module == null ? new ArrayList<>(modules.keySet()) : List.of(module);
        for (String m : targets) {
            final VlogLevel[] levels = module(m);
            for (Destination d : where) {
                levels[d.ordinal()] = level;
            }
        }
        if (module == null) {
            for (Destination d : where) {
                defaults[d.ordinal()] = level;
            }
        }
    }

    private synchronized void pattern(final Destination destination, final String pattern) {
        final String[] next = patterns.clone();
        for (Destination d : Destination.values()) {
            if (destination == null || d == destination) {
                next[d.ordinal()] = pattern;
            }
        }
        patterns = next;
    }

    /** The vlog/list table, as OVS prints it. */
    public String list() {
        final StringBuilder s = new StringBuilder();
        s.append("                 console    syslog    file\n");
        s.append("                 -------    ------    ------\n");
        final List<String> lines = new ArrayList<>();
        for (Map.Entry<String, VlogLevel[]> e : modules.entrySet()) {
            final VlogLevel[] l = e.getValue();
            lines.add(String.format("%-16s  %4s       %4s       %4s%n", e.getKey(), l[Destination.CONSOLE.ordinal()],
                    l[Destination.SYSLOG.ordinal()], l[Destination.FILE.ordinal()]));
        }
        lines.sort(null);
        lines.forEach(s::append);
        return s.toString();
    }

    /** The vlog/list-pattern table: each destination's prefix (what goes before it on the wire) and format. */
    public String listPattern() {
        final StringBuilder s = new StringBuilder();
        s.append("         prefix                            format\n");
        s.append("         ------                            ------\n");
        final String[] p = patterns;
        for (Destination d : Destination.values()) {
            final String prefix = d == Destination.SYSLOG ? syslogMethod().prefix() : "none";
            s.append(String.format("%-7s  %-32s  %s%n", d.name(), prefix, p[d.ordinal()]));
        }
        return s.toString();
    }

    /** strtok_r over " ,:\t", as OVS splits a spec, with what is left after the last word read. */
    private static final class Words {
        private final String s;
        private int at;

        Words(final String s) {
            this.s = s;
        }

        String next() {
            while (at < s.length() && delimiter(s.charAt(at))) {
                at++;
            }
            if (at >= s.length()) {
                return null;
            }
            final int start = at;
            while (at < s.length() && !delimiter(s.charAt(at))) {
                at++;
            }
            final String word = s.substring(start, at);
            if (at < s.length()) {
                at++; // strtok_r consumes the one delimiter that ends the word
            }
            return word;
        }

        String rest() {
            return s.substring(at);
        }

        private static boolean delimiter(final char c) {
            return c == ' ' || c == ',' || c == ':' || c == '\t';
        }
    }

    private static Map<String, Integer> facilities() {
        final Map<String, Integer> m = new java.util.HashMap<>();
        final String[] names = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "clock",
            "ftp", "ntp", "audit", "alert", "clock2"};
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], i << 3);
        }
        for (int i = 0; i < 8; i++) {
            m.put("local" + i, LOG_LOCAL0 + (i << 3));
        }
        return Map.copyOf(m);
    }
}
