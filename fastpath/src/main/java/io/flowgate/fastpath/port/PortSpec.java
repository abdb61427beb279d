package io.flowgate.fastpath.port;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A port specification as written on the command line or in a configuration file:
 * {@code pcap:in=FILE[,out=FILE][,loop=N|true][,pps=N][,name=NAME]}, {@code ring:NAME},
 * {@code dpdk:DEVARGS[,name=NAME]}, {@code dummy:NAME[,tx_pcap=FILE]}; on the command line also
 * {@code NAME=N=SPEC}.
 *
 * @param kind    pcap, ring, dpdk or dummy
 * @param options the comma-separated key=value options (pcap, dummy), or the single value (ring
 *                name, DPDK device arguments, under the key ""); a dummy port's name is under ""
 *                too
 */
public record PortSpec(int number, String kind, Map<String, String> options, String text) {
    /** Parses {@code N=SPEC} or {@code NAME=N=SPEC} (the --port form). */
    public static PortSpec parseNumbered(final String text) throws PortException {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new PortException("port \"" + text + "\": expected N=SPEC or NAME=N=SPEC, as in 1=pcap:in=a.pcap");
        }
        String name = null;
        String first = text.substring(0, eq).strip();
        final int second = text.indexOf('=', eq + 1);
        if (!first.matches("[0-9]+") && second > eq && text.substring(eq + 1, second).strip().matches("[0-9]+")) {
            name = first; // NAME=N=SPEC
            first = text.substring(eq + 1, second).strip();
            eq = second;
        }
        final int number;
        try {
            number = Integer.parseInt(first);
        } catch (NumberFormatException e) {
            throw new PortException("port \"" + text + "\": \"" + first + "\" is not a port number");
        }
        final PortSpec spec = parse(number, text.substring(eq + 1).strip());
        return name == null ? spec : spec.named(name);
    }

    /** This spec with the port named {@code name} (the NAME of NAME=N=SPEC). */
    private PortSpec named(final String name) throws PortException {
        checkName(number, name);
        if (kind.equals("ring") || kind.equals("dummy")) {
            if (!name.equals(value())) {
                throw new PortException("port " + number + ": a " + kind + " port is named by its spec (" + kind
                        + ":" + value() + "), not \"" + name + "\"");
            }
            return this;
        }
        final String given = options.get("name");
        if (given != null && !given.equals(name)) {
            throw new PortException("port " + number + ": named twice, \"" + name + "\" and name=" + given);
        }
        final Map<String, String> o = new LinkedHashMap<>(options);
        o.put("name", name);
        return new PortSpec(number, kind, Map.copyOf(o), text + (given == null ? ",name=" + name : ""));
    }

    /** A port name: what dpctl/show and the commands that take a port call it. */
    private static void checkName(final int number, final String name) throws PortException {
        if (!name.matches("[A-Za-z0-9_.:-]+")) {
            throw new PortException("port " + number + ": port name \"" + name + "\" may hold only letters, digits"
                    + " and _ . : -");
        }
        if (name.matches("[0-9]+")) {
            throw new PortException("port " + number + ": port name \"" + name + "\" is a number; it would be taken"
                    + " for a port number");
        }
    }

    /** The name the spec gives the port (name=, NAME=N=SPEC, a dummy's or ring's NAME), or null. */
    public String name() {
        return kind.equals("ring") || kind.equals("dummy") ? value() : options.get("name");
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
                        case "name" -> checkName(number, value);
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
                                + "\" (in, out, loop, pps, name)");
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
                // name=NAME is Flowgate's; the rest are the device's arguments, passed to DPDK.
                final StringBuilder devargs = new StringBuilder();
                for (String part : rest.strip().split(",", -1)) {
                    if (part.strip().startsWith("name=")) {
                        final String name = part.strip().substring(5).strip();
                        checkName(number, name);
                        if (options.put("name", name) != null) {
                            throw new PortException("port " + number + ": name given twice");
                        }
                    } else {
                        devargs.append(devargs.isEmpty() ? "" : ",").append(part);
                    }
                }
                options.put("", devargs.toString());
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
        checkName(number, name);
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
