package io.flowgate.daemon.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A daemon configuration file: one {@code key = value} per line, {@code #} comments (on a line of
 * their own or after a value, following a space), blank lines
 * ignored. Keys are the long option names of {@code flowgate run} without the dashes, ports are
 * {@code port.N = SPEC}:
 * <pre>
 *   flows = rules.flows
 *   port.1 = pcap:in=capture.pcap
 *   port.2 = pcap:out=sent.pcap
 *   pmds = 1
 * </pre>
 * Per-port settings are {@code port.N.KEY = VALUE} ({@code port.1.n_rxq = 2}).
 * Relative file names in values are relative to the file's directory ({@link #base()}). A key
 * that is not known, given twice, or without a value is an error naming the file and line.
 */
public final class ConfigFile {
    private final Path path;
    private final Map<String, String> values;
    private final Map<Integer, String> ports;
    private final Map<String, String> portSettings;
    private final Map<String, Integer> lines;

    private ConfigFile(final Path path, final Map<String, String> values, final Map<Integer, String> ports,
                       final Map<String, String> portSettings, final Map<String, Integer> lines) {
        this.path = path;
        this.values = values;
        this.ports = ports;
        this.portSettings = portSettings;
        this.lines = lines;
    }

    /** Reads and checks a file; {@code keys} are the settings that may appear besides ports. */
    public static ConfigFile read(final Path path, final Set<String> keys) throws IOException, ConfigException {
        final List<String> text = Files.readAllLines(path);
        final Map<String, String> values = new LinkedHashMap<>();
        final Map<Integer, String> ports = new TreeMap<>();
        final Map<String, String> portSettings = new LinkedHashMap<>();
        final Map<String, Integer> lines = new LinkedHashMap<>();
        for (int n = 1; n <= text.size(); n++) {
            final String line = text.get(n - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(path + ":" + n + ": expected KEY = VALUE, not \"" + line + "\"");
            }
            final String key = line.substring(0, eq).strip();
            // A "#" after a space starts a comment, at the end of a line as on a line of its own.
            final String rest = line.substring(eq + 1);
            final int hash = commentAt(rest);
            final String value = (hash < 0 ? rest : rest.substring(0, hash)).strip();
            if (value.isEmpty()) {
                throw new ConfigException(path + ":" + n + ": \"" + key + "\" has no value");
            }
            if (lines.containsKey(key)) {
                throw new ConfigException(path + ":" + n + ": \"" + key + "\" is already set on line " + lines.get(key));
            }
            lines.put(key, n);
            if (key.startsWith("port.") && key.indexOf('.', 5) > 0) {
                portSettings.put(key, value); // port.N.KEY: checked with the port's settings
            } else if (key.startsWith("port.")) {
                final int number;
                try {
                    number = Integer.parseUnsignedInt(key.substring(5));
                } catch (NumberFormatException e) {
                    throw new ConfigException(path + ":" + n + ": \"" + key + "\": expected port.N with a port number N");
                }
                ports.put(number, value);
            } else if (keys.contains(key)) {
                values.put(key, value);
            } else {
                throw new ConfigException(path + ":" + n + ": unknown setting \"" + key + "\" (known: port.N, "
                        + String.join(", ", new java.util.TreeSet<>(keys)) + ")");
            }
        }
        return new ConfigFile(path, values, ports, portSettings, lines);
    }

    public Path path() {
        return path;
    }

    /** The directory relative names in this file are resolved against. */
    public Path base() {
        final Path parent = path.toAbsolutePath().getParent();
        return parent == null ? Path.of("/") : parent;
    }

    public String get(final String key) {
        return values.get(key);
    }

    /** A file setting resolved against {@link #base()}, or null. */
    public Path path(final String key) {
        final String v = values.get(key);
        return v == null ? null : base().resolve(v);
    }

    /** Port number to spec, in port order. */
    public Map<Integer, String> ports() {
        return Collections.unmodifiableMap(ports);
    }

    /** The port.N.KEY settings, by key, in file order. */
    public Map<String, String> portSettings() {
        return Collections.unmodifiableMap(portSettings);
    }

    /** "FILE:LINE" of a key, for error messages about its value. */
    public String where(final String key) {
        return path + ":" + lines.get(key);
    }

    /** Where a trailing comment starts ("#" at the start or after whitespace), or -1. */
    private static int commentAt(final String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '#' && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
                return i;
            }
        }
        return -1;
    }
}
