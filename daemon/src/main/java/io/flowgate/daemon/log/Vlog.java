package io.flowgate.daemon.log;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flowgate's logging, in the manner of Open vSwitch's vlog: named modules, each with a level per
 * destination (the console, which is standard error, and a log file), lines formatted as
 * {@code 2026-01-01T00:00:00.000Z|00001|module|INFO|message}, and levels changed at run time with
 * {@code vlog/set}. Every module of Flowgate logs through the JDK's platform logging
 * ({@code System.getLogger("revalidator")}); {@link VlogLoggerFinder} routes that here.
 */
public final class Vlog {
    /** The destinations, in the order vlog/list shows them. */
    public enum Destination {
        CONSOLE, FILE;

        static Destination byName(final String name) {
            for (Destination d : values()) {
                if (d.name().equalsIgnoreCase(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** Modules known from the start (more appear as code asks for loggers). */
    private static final List<String> MODULES = List.of("control", "daemon", "datapath", "dpdk", "estimator",
            "handler", "lb", "pmd", "reconfig", "revalidator", "unixctl", "vlog");
    /** Declared after the constants its constructor uses. */
    private static final Vlog INSTANCE = new Vlog();

    private final Map<String, VlogLevel[]> modules = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile PrintStream console = System.err;
    private volatile OutputStream file;
    private volatile Path filePath;
    private final VlogLevel[] defaults = {VlogLevel.INFO, VlogLevel.INFO};

    private Vlog() {
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
        return levels[0].passes(level) || (file != null && levels[1].passes(level));
    }

    /** Writes one message. */
    void log(final String module, final VlogLevel level, final String message) {
        final VlogLevel[] levels = module(module);
        final boolean toConsole = levels[0].passes(level);
        final OutputStream f = file;
        final boolean toFile = f != null && levels[1].passes(level);
        if (!toConsole && !toFile) {
            return;
        }
        final String line = TIME.format(Instant.now()) + "|" + String.format("%05d", sequence.incrementAndGet() % 100_000)
                + "|" + module + "|" + level + "|" + message + "\n";
        if (toConsole) {
            console.print(line);
            console.flush();
        }
        if (toFile) {
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

    /** Sends console output somewhere else (tests). */
    public void console(final PrintStream stream) {
        this.console = stream;
    }

    /**
     * Applies a vlog/set spec: words separated by ':' (or spaces), each a module, a destination
     * or a level ("any" means all modules or destinations; no level means dbg), as OVS reads it.
     *
     * @return null on success, or OVS's error text
     */
    public String set(final String spec) {
        final List<String> mods = new ArrayList<>();
        final List<Destination> dests = new ArrayList<>();
        VlogLevel level = null;
        for (String word : spec.split("[: ]")) {
            if (word.isEmpty()) {
                continue;
            }
            final Destination d = Destination.byName(word);
            final VlogLevel l = VlogLevel.byName(word);
            if (word.equalsIgnoreCase("any")) {
                continue;
            } else if (d != null) {
                dests.add(d);
            } else if (l != null) {
                level = l;
            } else if (modules.containsKey(word)) {
                mods.add(word);
            } else {
                return "no destination, level, or module \"" + word + "\"";
            }
        }
        final VlogLevel to = level == null ? VlogLevel.DBG : level;
        final List<String> targets = mods.isEmpty() ? new ArrayList<>(modules.keySet()) : mods;
        final List<Destination> where = dests.isEmpty() ? List.of(Destination.values()) : dests;
        for (String m : targets) {
            final VlogLevel[] levels = module(m);
            for (Destination d : where) {
                levels[d.ordinal()] = to;
            }
        }
        if (mods.isEmpty()) {
            for (Destination d : where) {
                defaults[d.ordinal()] = to;
            }
        }
        return null;
    }

    /** The vlog/list table. */
    public String list() {
        final StringBuilder s = new StringBuilder();
        s.append("                 console    file\n");
        s.append("                 -------    ------\n");
        for (Map.Entry<String, VlogLevel[]> e : new TreeMap<>(modules).entrySet()) {
            s.append(String.format("%-16s  %4s       %4s%n", e.getKey(), e.getValue()[0], e.getValue()[1]));
        }
        return s.toString();
    }
}
