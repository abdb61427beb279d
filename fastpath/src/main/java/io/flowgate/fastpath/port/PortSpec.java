package io.flowgate.fastpath.port;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A port specification as written on the command line or in a configuration file:
 * {@code pcap:in=FILE[,out=FILE][,loop=N|true][,pps=N]}, {@code ring:NAME}, {@code dpdk:DEVARGS},
 * {@code dummy:NAME[,tx_pcap=FILE]}.
 *
 * @param kind    pcap, ring, dpdk or dummy
 * @param options the comma-separated key=value options (pcap, dummy), or the single value (ring
 *                name, DPDK device arguments, under the key ""); a dummy port's name is under ""
 *                too
 */
public record PortSpec(int number, String kind, Map<String, String> options, String text) {
    /** Parses {@code N=SPEC} (the --port form). */
    public static PortSpec parseNumbered(final String text) throws PortException {
        final int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new PortException("port \"" + text + "\": expected N=SPEC, as in 1=pcap:in=a.pcap");
        }
        final int number;
        try {
            number = Integer.parseInt(text.substring(0, eq).strip());
        } catch (NumberFormatException e) {
            throw new PortException("port \"" + text + "\": \"" + text.substring(0, eq) + "\" is not a port number");
        }
        return parse(number, text.substring(eq + 1).strip());
    }

    /** Parses a spec for port {@code number}. */
    public static PortSpec parse(final int number, final String spec) throws PortException {
        if (number < 1 || Integer.toUnsignedLong(number) > 0xFFFF_FF00L) {
            throw new PortException("port " + number + ": port numbers go from 1 to 4294967040");
        }
        final int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new PortException("port " + number + ": \"" + spec + "\" has no kind (pcap:, ring:, dpdk: or dummy:)");
        }
        final String kind = spec.substring(0, colon).toLowerCase(Locale.ROOT);
        final String rest = spec.substring(colon + 1);
        final Map<String, String> options = new LinkedHashMap<>();
        switch (kind) {
            case "pcap" -> {
                for (String part : rest.split(",")) {
                    if (part.isBlank()) {
                        continue;
                    }
                    final int eq = part.indexOf('=');
                    if (eq <= 0) {
                        throw new PortException("port " + number + ": pcap option \"" + part + "\" is not KEY=VALUE");
                    }
                    final String key = part.substring(0, eq).strip();
                    final String value = part.substring(eq + 1).strip();
                    switch (key) {
                        case "in", "out" -> {
                        }
                        case "loop" -> {
                            if (!value.equals("true") && !value.equals("false") && !value.matches("[1-9][0-9]{0,17}")) {
                                throw new PortException("port " + number + ": loop must be a number of passes (1 or"
                                        + " more) or true (forever), not \"" + value + "\"");
                            }
                        }
                        case "pps" -> {
                            if (!value.matches("[1-9][0-9]{0,11}")) {
                                throw new PortException("port " + number + ": pps must be a positive number of packets"
                                        + " per second, not \"" + value + "\"");
                            }
                        }
                        default -> throw new PortException("port " + number + ": unknown pcap option \"" + key
                                + "\" (in, out, loop, pps)");
                    }
                    if (options.put(key, part.substring(eq + 1).strip()) != null) {
                        throw new PortException("port " + number + ": pcap option \"" + key + "\" given twice");
                    }
                }
                if (!options.containsKey("in") && !options.containsKey("out")) {
                    throw new PortException("port " + number + ": pcap port needs in=FILE and/or out=FILE");
                }
            }
            case "ring" -> {
                if (rest.isBlank()) {
                    throw new PortException("port " + number + ": ring port needs a name, as in ring:a");
                }
                options.put("", rest.strip());
            }
            case "dpdk" -> {
                if (rest.isBlank()) {
                    throw new PortException("port " + number + ": dpdk port needs device arguments, as in "
                            + "dpdk:0000:01:00.0 or dpdk:net_tap0");
                }
                options.put("", rest.strip());
            }
            case "dummy" -> dummy(number, rest, options);
            default -> throw new PortException("port " + number + ": unknown port kind \"" + kind
                    + "\" (pcap, ring, dpdk, dummy)");
        }
        return new PortSpec(number, kind, Map.copyOf(options), spec);
    }

    /**
     * {@code dummy:NAME[,tx_pcap=FILE]}. The name is how netdev-dummy/receive and listings name the
     * port; it may not look like a port number, which the command also accepts.
     */
    private static void dummy(final int number, final String rest, final Map<String, String> options)
            throws PortException {
        final String[] parts = rest.split(",", -1);
        final String name = parts[0].strip();
        if (name.isEmpty() || name.contains("=")) {
            throw new PortException("port " + number + ": dummy port needs a name first, as in dummy:p1 or"
                    + " dummy:p2,tx_pcap=p2.pcap");
        }
        if (!name.matches("[A-Za-z0-9_.:-]+")) {
            throw new PortException("port " + number + ": dummy port name \"" + name + "\" may hold only letters,"
                    + " digits and _ . : -");
        }
        if (name.matches("[0-9]+")) {
            throw new PortException("port " + number + ": dummy port name \"" + name + "\" is a number; it would be"
                    + " taken for a port number");
        }
        options.put("", name);
        for (int i = 1; i < parts.length; i++) {
            final String part = parts[i];
            if (part.isBlank()) {
                continue;
            }
            final int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new PortException("port " + number + ": dummy option \"" + part.strip() + "\" is not KEY=VALUE");
            }
            final String key = part.substring(0, eq).strip();
            final String value = part.substring(eq + 1).strip();
            if (!key.equals("tx_pcap")) {
                throw new PortException("port " + number + ": unknown dummy option \"" + key + "\" (tx_pcap)");
            }
            if (value.isEmpty()) {
                throw new PortException("port " + number + ": tx_pcap needs a file name, as in tx_pcap=p2.pcap");
            }
            if (options.put(key, value) != null) {
                throw new PortException("port " + number + ": dummy option \"" + key + "\" given twice");
            }
        }
    }

    public Path path(final String option, final Path base) {
        final String v = options.get(option);
        if (v == null) {
            return null;
        }
        final Path p = Path.of(v);
        return base == null || p.isAbsolute() ? p : base.resolve(p);
    }

    /**
     * This spec with relative file names made absolute against {@code base} (for specs read from
     * a configuration file, whose names are relative to the file).
     */
    public PortSpec resolve(final Path base) {
        if (base == null) {
            return this;
        }
        if (kind.equals("dummy")) {
            if (!options.containsKey("tx_pcap")) {
                return this;
            }
            final String file = path("tx_pcap", base).toString();
            return new PortSpec(number, kind, Map.of("", value(), "tx_pcap", file),
                    "dummy:" + value() + ",tx_pcap=" + file);
        }
        if (!kind.equals("pcap")) {
            return this;
        }
        final Map<String, String> resolved = new LinkedHashMap<>();
        final StringBuilder text = new StringBuilder("pcap:");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(options).entrySet()) {
            final boolean file = e.getKey().equals("in") || e.getKey().equals("out");
            final String value = file ? path(e.getKey(), base).toString() : e.getValue();
            resolved.put(e.getKey(), value);
            text.append(text.length() > 5 ? "," : "").append(e.getKey()).append('=').append(value);
        }
        return new PortSpec(number, kind, Map.copyOf(resolved), text.toString());
    }

    /** How many passes over a pcap input {@code loop=} asks for: 1 by default, {@link PcapPort#FOREVER} for true. */
    public long passes() {
        final String loop = options.getOrDefault("loop", "false");
        return loop.equals("true") ? PcapPort.FOREVER : loop.equals("false") ? 1 : Long.parseLong(loop);
    }

    /** An option's text, or {@code otherwise}. */
    public String option(final String key, final String otherwise) {
        return options.getOrDefault(key, otherwise);
    }

    public String value() {
        return options.get("");
    }
}
