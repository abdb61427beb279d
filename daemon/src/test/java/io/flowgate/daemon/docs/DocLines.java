package io.flowgate.daemon.docs;

import io.flowgate.daemon.cli.FlowgateCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import picocli.CommandLine;

/**
 * What each code line of the pages is, closed-world: a Flowgate command, an ovs-appctl command
 * to Flowgate, a script of {@code ci/}, a command this test does not run (each kind named with
 * the reason), a rule, a group, a configuration line, a systemd unit line, a kernel command line
 * or a comment. A line of none of these kinds is reported: the page shows something this test
 * does not know how to check (a sample output or a diagram belongs in a {@code ```text} fence).
 */
public final class DocLines {
    private DocLines() {
    }

    /** The kinds of line. */
    public enum Kind {
        /** {@code flowgate ...}: parsed by the real command line; run where {@link Command#reason()} is null. */
        FLOWGATE,
        /** {@code ovs-appctl -t flowgate ...}, maybe with OVS_RUNDIR=: run against a daemon unless a reason says why not. */
        OVS_APPCTL,
        /** A script of ci/: it must exist; not run (reason given). */
        SCRIPT,
        /** A command of the system (packages, NICs, hugepages, systemd): not run (reason given). */
        SYSTEM,
        /** A rule in ovs-ofctl flows syntax: parsed by the real parser. */
        RULE,
        /** A group in ovs-ofctl add-groups syntax: parsed by the real parser. */
        GROUP,
        /** {@code KEY = VALUE} of a configuration file: read by the real reader, block by block. */
        CONFIG,
        /** A line of a systemd unit; its ExecStart's flowgate command is a {@link #FLOWGATE} line too. */
        SYSTEMD,
        /** A kernel command line (boot loader settings). */
        KERNEL,
        /** A comment line. */
        COMMENT,
    }

    /**
     * One classified line: its words without leading environment assignments, those
     * assignments, and why it is not run (null when it is).
     */
    public record Command(MarkdownCode.Line line, Kind kind, Map<String, String> env, List<String> words,
                          String reason) {
        public String where() {
            return line.where();
        }

        /** Words without placeholders' brackets ({@code [--rundir DIR]} is given) and without "...". */
        public List<String> args() {
            final List<String> out = new ArrayList<>();
            for (String w : words.subList(1, words.size())) {
                final String bare = w.replaceAll("^\\[|]$", "");
                if (!bare.equals("...") && !bare.isEmpty()) {
                    out.add(bare);
                }
            }
            return out;
        }

        /** Whether arguments were left out ("..."): required options may then be missing. */
        public boolean elided() {
            return words.contains("...");
        }
    }

    /** Thrown for a line of no known kind. */
    public static final class UnknownLine extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownLine(final String message) {
            super(message);
        }
    }

    private static final Pattern ENV = Pattern.compile("[A-Z_][A-Z0-9_]*=.*");
    private static final Pattern CONFIG = Pattern.compile("[a-z][a-z0-9._-]* = .*");
    private static final Pattern SYSTEMD = Pattern.compile("\\[(Unit|Service|Install)]|[A-Z][A-Za-z]+=.*");
    private static final Pattern KERNEL = Pattern.compile("(GRUB_CMDLINE_LINUX=|default_hugepagesz=).*");
    private static final Pattern RULE = Pattern.compile("(table|priority|cookie)=.*");

    /** Commands of the system that the pages show for a real machine, and why they are not run. */
    private static final Map<String, String> SYSTEM = new LinkedHashMap<>();

    static {
        SYSTEM.put("apt-get", "installs Debian packages as root");
        SYSTEM.put("git", "clones from the network");
        SYSTEM.put("modprobe", "loads a kernel module as root");
        SYSTEM.put("dpdk-devbind.py", "binds NICs to vfio-pci: root and the hardware");
        SYSTEM.put("ip", "takes the machine's NICs down: root and the hardware");
        SYSTEM.put("echo", "reserves hugepages through /sys as root");
        SYSTEM.put("mkdir", "mounts hugetlbfs on /dev/hugepages as root");
        SYSTEM.put("systemctl", "installs the systemd unit on the machine");
        SYSTEM.put("journalctl", "reads the systemd journal of an installed unit");
        SYSTEM.put("for", "a loop over a fleet's nodes through ssh (its command is checked as a line of its own)");
        SYSTEM.put("done", "the end of that loop");
    }

    /** Scripts of ci/ and why this test does not run them. */
    private static final Map<String, String> SCRIPTS = Map.of(
            "ci/test", "the whole test suite, of which this test is a part",
            "ci/setup", "installs Debian packages and a JDK as root",
            "ci/bench", "JMH benchmarks: minutes on quiet cores (the benchmark it names must exist)",
            "ci/bench-e2e", "needs DPDK, Open vSwitch with DPDK and dpdk-testpmd, and minutes",
            "ci/profile-pmd", "a busy-polling PMD under perf for seconds, on a capture the page names",
            "ci/reconfig-soak", "a soak of minutes under sustained traffic (ReconfigurationSoakTest runs a short one)",
            "ci/test-under-load", "the whole suite several times over with every core busy: an hour or more",
            "ci/ovs/sandbox", "starts a throw-away Open vSwitch; the oracle tests use it");

    /**
     * The kind of a code line, or null for an inline code span that is not a command (most are
     * names). Block lines of no known kind throw.
     */
    public static Command classify(final MarkdownCode.Line line, final Path root) throws UnknownLine {
        final String text = line.text();
        final boolean inline = line.block() == MarkdownCode.Block.INLINE;
        if (!inline) {
            if (text.startsWith("#")) {
                return new Command(line, Kind.COMMENT, Map.of(), List.of(), "a comment");
            }
            if (KERNEL.matcher(text).matches()) {
                return new Command(line, Kind.KERNEL, Map.of(), List.of(), "the kernel's command line, set in the boot loader");
            }
            if (RULE.matcher(text).matches()) {
                return new Command(line, Kind.RULE, Map.of(), List.of(text), null);
            }
            if (text.startsWith("group_id=")) {
                return new Command(line, Kind.GROUP, Map.of(), List.of(text), null);
            }
            if (CONFIG.matcher(text).matches()) {
                return new Command(line, Kind.CONFIG, Map.of(), List.of(text), null);
            }
            if (SYSTEMD.matcher(text).matches() && !ENV.matcher(text).matches()) {
                return new Command(line, Kind.SYSTEMD, Map.of(), List.of(text), "a line of a systemd unit file");
            }
        }
        final List<String> all;
        try {
            all = MarkdownCode.words(text);
        } catch (IllegalArgumentException e) {
            if (inline) {
                return null;
            }
            throw new UnknownLine(line.where() + ": " + e.getMessage());
        }
        final Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        while (i < all.size() && ENV.matcher(all.get(i)).matches()) {
            final int eq = all.get(i).indexOf('=');
            env.put(all.get(i).substring(0, eq), all.get(i).substring(eq + 1));
            i++;
        }
        List<String> words = all.subList(i, all.size());
        if (!inline && words.size() > 2 && words.getFirst().equals("ssh")) {
            words = words.subList(2, words.size()); // ssh HOST COMMAND: the command is the line's
        }
        if (words.isEmpty()) {
            if (inline) {
                return null;
            }
            throw new UnknownLine(line.where() + ": only environment settings: " + text);
        }
        final String program = words.getFirst();
        if (program.equals("flowgate") || program.endsWith("/flowgate")) {
            if (inline && words.size() < 2) {
                return null; // the launcher's name
            }
            if (inline && words.size() == 2 && !words.get(1).startsWith("-")) {
                return new Command(line, Kind.FLOWGATE, env, List.copyOf(words), "names a subcommand in prose: parsed only");
            }
            return new Command(line, Kind.FLOWGATE, env, List.copyOf(words), flowgateReason(words));
        }
        if (program.equals("ovs-appctl")) {
            if (inline && words.size() < 2) {
                return null;
            }
            final int t = words.indexOf("-t");
            if (t < 0 || t + 1 >= words.size() || !words.get(t + 1).equals("flowgate")) {
                return new Command(line, Kind.OVS_APPCTL, env, List.copyOf(words),
                        "Open vSwitch's own ovs-appctl (no -t flowgate): it describes OVS");
            }
            return new Command(line, Kind.OVS_APPCTL, env, List.copyOf(words), appctlReason(words.subList(t + 2, words.size())));
        }
        if (program.startsWith("ci/") && !program.endsWith("/")) {
            final String reason = SCRIPTS.get(program);
            if (reason == null) {
                throw new UnknownLine(line.where() + ": " + program + ": a script this test does not know");
            }
            if (!Files.isExecutable(root.resolve(program))) {
                throw new UnknownLine(line.where() + ": " + program + ": no such executable script in the repository");
            }
            return new Command(line, Kind.SCRIPT, env, List.copyOf(words), reason);
        }
        if (inline) {
            return null;
        }
        final String reason = SYSTEM.get(program);
        if (reason != null) {
            return new Command(line, Kind.SYSTEM, env, List.copyOf(words), reason);
        }
        throw new UnknownLine(line.where() + ": a code line of no kind this test knows (a command it does not "
                + "check, or text that belongs in a ```text fence): " + text);
    }

    /** Why a flowgate command line is parsed but not run, or null if it is run. */
    private static String flowgateReason(final List<String> words) {
        final String joined = String.join(" ", words);
        if (words.contains("...")) {
            return "arguments left out (...): parsed only";
        }
        if (joined.contains("dpdk:") || joined.contains("--io dpdk") || joined.contains("--dpdk-args")) {
            return "DPDK devices: a NIC's PCI address, hugepages, root";
        }
        if (joined.contains("/etc/flowgate/")) {
            return "deploy.md's configuration, of DPDK ports on the reader's machine";
        }
        final int appctl = words.indexOf("appctl");
        if (appctl > 0) {
            final List<String> rest = new ArrayList<>(words.subList(appctl + 1, words.size()));
            // Options of appctl itself come before the command.
            while (!rest.isEmpty() && rest.getFirst().startsWith("-")) {
                rest.removeFirst();
                if (!rest.isEmpty()) {
                    rest.removeFirst();
                }
            }
            return appctlReason(rest);
        }
        return null;
    }

    /** Why a control socket command is not run against the test's daemon, or null. */
    private static String appctlReason(final List<String> command) {
        if (command.isEmpty()) {
            return null;
        }
        if (command.getFirst().equals("port/set") && command.size() > 1 && command.get(1).startsWith("dpdk")) {
            return "sets a DPDK port of the reader's machine (checked to be a command of the daemon)";
        }
        if (command.getFirst().equals("ofctl/mod-group")) {
            return "changes a group of a fleet's nodes (checked to be a command of the daemon, the group parsed)";
        }
        return null;
    }

    /**
     * Parses a flowgate command line with the real command line, as the launcher would: an
     * unknown option or subcommand, a bad value or a missing required option (unless arguments
     * were left out) is the message picocli gives, else null.
     */
    public static String parse(final Command c) {
        final List<String> args = c.args();
        try {
            FlowgateCommand.commandLine().parseArgs(args.toArray(new String[0]));
            return null;
        } catch (CommandLine.MissingParameterException e) {
            return c.elided() ? null : e.getMessage();
        } catch (CommandLine.ParameterException e) {
            return e.getMessage();
        }
    }
}
