package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.daemon.cli.RunSettings;
import io.flowgate.daemon.config.ConfigException;
import io.flowgate.daemon.config.ConfigFile;
import io.flowgate.daemon.docs.DocLines;
import io.flowgate.daemon.docs.DocLines.Command;
import io.flowgate.daemon.docs.DocLines.Kind;
import io.flowgate.daemon.docs.MarkdownCode;
import io.flowgate.daemon.testing.Daemon;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;
import io.flowgate.slowpath.ukey.UkeyState;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documentation is the repository's own and what it shows works: README.md,
 * examples/README.md and docs/*.md point at nothing outside the repository, name classes that
 * exist, and every command line they show parses with the real command line; the safe ones
 * run (against a temporary run directory and files) and succeed. What is not run is listed in
 * {@link DocLines} with the reason; a code line of a kind it does not know fails.
 */
class DocsTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)\\)");
    private static final Pattern CLASS = Pattern.compile("[A-Z][a-z][A-Za-z0-9]*|[A-Za-z0-9]+\\.java");
    private static final Pattern PACKAGE = Pattern.compile(
            "(io\\.flowgate\\.)?(fastpath|slowpath|revalidator|daemon|bindings|bench)((\\.[a-z][a-z0-9]*)*)(\\.[A-Z]\\w*)?");
    private static final Pattern PATH = Pattern.compile("(\\.{1,2}/)?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]*)+");
    /** Absolute paths a page may show: where a real machine keeps such files, or /tmp for examples. */
    private static final List<String> SYSTEM_DIRS = List.of("/tmp/", "/var/", "/etc/", "/opt/", "/dev/", "/sys/",
            "/proc/", "/usr/", "/lib/", "/bin/");

    static List<Path> pages() throws IOException {
        final List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("examples/README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    private static Path relative(final Path page) {
        return ROOT.relativize(page);
    }

    // ---- what the pages point at ----------------------------------------------------------

    /** Links and file names that leave the repository or name what is not there. */
    static List<String> pointersOutside(final Path page, final List<String> text) {
        final List<String> problems = new ArrayList<>();
        final String where = relative(page).toString();
        for (int n = 1; n <= text.size(); n++) {
            final String line = text.get(n - 1);
            if (line.contains(ROOT.toString()) || line.contains("/work/") || line.contains("/home/")) {
                problems.add(where + ":" + n + ": a path of one machine: " + line.strip());
            }
            final Matcher link = LINK.matcher(line);
            while (link.find()) {
                final String target = link.group(1).replaceAll("#.*", "");
                if (target.isEmpty() || target.matches("[a-z]+:.*")) {
                    continue; // an anchor on the page, or a web address
                }
                final Path p = page.getParent().resolve(target).normalize();
                if (!p.startsWith(ROOT)) {
                    problems.add(where + ":" + n + ": links outside the repository: " + target);
                } else if (!Files.exists(p)) {
                    problems.add(where + ":" + n + ": links to a missing file: " + target);
                }
            }
        }
        for (MarkdownCode.Line span : MarkdownCode.lines(page, text)) {
            if (span.block() != MarkdownCode.Block.INLINE) {
                continue;
            }
            final String s = span.text();
            final String at = relative(page) + ":" + span.line();
            if (s.startsWith("/") && PATH.matcher(s.substring(1)).matches()) {
                if (SYSTEM_DIRS.stream().noneMatch(s::startsWith)) {
                    problems.add(at + ": a path of one machine: " + s);
                }
            } else if (PATH.matcher(s).matches()) {
                final String first = s.split("/")[0];
                if (first.equals("..") || first.equals(".")) {
                    final Path p = page.getParent().resolve(s).normalize();
                    if (!p.startsWith(ROOT)) {
                        problems.add(at + ": names a file outside the repository: " + s);
                    } else if (!Files.exists(p)) {
                        problems.add(at + ": names a missing file: " + s);
                    }
                } else if (Files.isDirectory(ROOT.resolve(first)) && !first.startsWith(".") && looksLikeAFile(s)
                        && !Files.exists(ROOT.resolve(s)) && !s.contains("/target/")) {
                    problems.add(at + ": names a missing file: " + s); // target/: what the build writes
                }
            } else if (s.matches("[a-z0-9-]+\\.md") && !Files.exists(page.getParent().resolve(s))
                    && !Files.exists(ROOT.resolve("docs").resolve(s))) {
                problems.add(at + ": names a missing page: " + s);
            }
        }
        return problems;
    }

    /**
     * A file or directory name, not a control command that shares a module's name
     * ({@code revalidator/purge}): a directory (trailing slash), a name with an extension, or a
     * script of ci/.
     */
    private static boolean looksLikeAFile(final String s) {
        return s.endsWith("/") || s.substring(s.lastIndexOf('/') + 1).contains(".") || s.startsWith("ci/");
    }

    @Test
    void pagesPointOnlyAtFilesOfTheRepository() throws IOException {
        final List<String> problems = new ArrayList<>();
        for (Path page : pages()) {
            problems.addAll(pointersOutside(page, Files.readAllLines(page)));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aLinkOutsideTheRepositoryOrToAMissingFileIsFoundByPageAndLine() {
        final Path page = ROOT.resolve("README.md");
        final List<String> problems = pointersOutside(page, List.of(
                "# Flowgate", "",
                "The design is in [DESIGN.md](../shared/DESIGN.md) and `../shared/DESIGN.md`;",
                "see [rates](docs/no-such.md), `docs/nothere.md` and " + ROOT + "/README.md."));
        assertEquals(List.of(
                "README.md:3: links outside the repository: ../shared/DESIGN.md",
                "README.md:4: a path of one machine: see [rates](docs/no-such.md), `docs/nothere.md` and "
                        + ROOT + "/README.md.",
                "README.md:4: links to a missing file: docs/no-such.md",
                "README.md:3: names a file outside the repository: ../shared/DESIGN.md",
                "README.md:4: names a missing file: docs/nothere.md"), problems);
    }

    // ---- the classes the pages name --------------------------------------------------------

    private static Set<String> javaFiles() throws IOException {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/"))
                    .map(p -> ROOT.relativize(p).toString())
                    .collect(Collectors.toSet());
        }
    }

    /** Class and package names in code spans that name nothing in the sources. */
    static List<String> missingClasses(final Path page, final List<String> text, final Set<String> sources) {
        final Set<String> simpleNames = sources.stream().map(s -> s.substring(s.lastIndexOf('/') + 1))
                .collect(Collectors.toSet());
        final List<String> problems = new ArrayList<>();
        for (MarkdownCode.Line span : MarkdownCode.lines(page, text)) {
            if (span.block() != MarkdownCode.Block.INLINE) {
                continue;
            }
            final String s = span.text();
            final String at = relative(page) + ":" + span.line();
            if (CLASS.matcher(s).matches()) {
                final String file = s.endsWith(".java") ? s : s + ".java";
                if (!simpleNames.contains(file)) {
                    problems.add(at + ": no class " + s + " in the sources");
                }
            } else {
                final Matcher m = PACKAGE.matcher(s);
                if (m.matches()) {
                    final String path = "io/flowgate/" + m.group(2) + m.group(3).replace('.', '/')
                            + (m.group(5) == null ? "/" : m.group(5).replace('.', '/') + ".java");
                    if (sources.stream().noneMatch(f -> f.contains("/java/" + path))) {
                        problems.add(at + ": no " + (m.group(5) == null ? "package " : "class ") + s + " in the sources");
                    }
                }
            }
        }
        return problems;
    }

    @Test
    void theClassesAndPackagesThePagesNameExist() throws IOException {
        final Set<String> sources = javaFiles();
        final List<String> problems = new ArrayList<>();
        for (Path page : pages()) {
            problems.addAll(missingClasses(page, Files.readAllLines(page), sources));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aClassThatIsNotInTheSourcesIsFoundByPageAndLine() throws IOException {
        final List<String> problems = missingClasses(ROOT.resolve("docs/architecture.md"), List.of(
                "The PMD (`fastpath.pmd.Pmd`) hands a `Megaflow` to `fastpath.pmd.Upcall`,",
                "then `slowpath.ukey` and `slowpath.nothing`; see `Pmd.java`, `Nope.java`."), javaFiles());
        assertEquals(List.of(
                "docs/architecture.md:1: no class Megaflow in the sources",
                "docs/architecture.md:1: no class fastpath.pmd.Upcall in the sources",
                "docs/architecture.md:2: no package slowpath.nothing in the sources",
                "docs/architecture.md:2: no class Nope.java in the sources"), problems);
    }

    // ---- docs/architecture.md covers what a newcomer asks ----------------------------------

    @Test
    void architectureShowsThePacketsWayTheThreadsTheUkeyLifecycleAndTheModules() throws IOException {
        final String arch = Files.readString(ROOT.resolve("docs/architecture.md"));
        for (String heading : List.of("## 1. The packet's way", "### Reading the code in the packet's order",
                "## 2. Modules", "## 3. Threads and who may write what", "## 6. Ukey lifecycle")) {
            assertTrue(arch.contains("\n" + heading), "docs/architecture.md has no section " + heading);
        }
        final String pom = Files.readString(ROOT.resolve("pom.xml"));
        final Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (module.find()) {
            assertTrue(arch.contains("| `" + module.group(1) + "/` |"), "the module map lacks " + module.group(1));
        }
        // The lifecycle line names the states of UkeyState, in their order.
        final String states = Arrays.stream(UkeyState.values()).map(Enum::name).collect(Collectors.joining(".*"));
        assertTrue(Pattern.compile("\n" + states + "\n").matcher(arch).find(),
                "docs/architecture.md shows the ukey states " + Arrays.toString(UkeyState.values()) + " on one line");
        for (String thread : List.of("| PMD", "| handler", "| revalidator", "| control", "| estimator")) {
            assertTrue(arch.contains("\n" + thread), "the threads table lacks " + thread);
        }
    }

    // ---- every code line is of a known kind, and parses ------------------------------------

    /** The classified code lines of the given pages; lines of no known kind are added to problems. */
    static List<Command> commands(final List<Path> pages, final Map<Path, List<String>> texts,
            final List<String> problems) {
        final List<Command> out = new ArrayList<>();
        for (Path page : pages) {
            for (MarkdownCode.Line line : MarkdownCode.lines(relative(page), texts.get(page))) {
                if (line.block() == MarkdownCode.Block.TEXT) {
                    continue;
                }
                try {
                    final Command c = DocLines.classify(line, ROOT);
                    if (c == null) {
                        continue;
                    }
                    out.add(c);
                    if (c.kind() == Kind.SYSTEMD && line.text().startsWith("ExecStart=")) {
                        final MarkdownCode.Line exec = new MarkdownCode.Line(line.file(), line.line(),
                                line.text().substring("ExecStart=".length()), MarkdownCode.Block.CODE);
                        final Command inner = DocLines.classify(exec, ROOT);
                        if (inner.kind() != Kind.FLOWGATE) {
                            problems.add(line.where() + ": ExecStart runs something other than flowgate: " + line.text());
                        }
                        out.add(inner);
                    }
                } catch (DocLines.UnknownLine e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return out;
    }

    /** What is wrong with the lines that are checked without running: commands, rules, groups, configuration. */
    static List<String> parseProblems(final List<Command> commands, final Path tmp) throws IOException {
        final List<String> problems = new ArrayList<>();
        final Map<Path, List<Command>> configs = new java.util.LinkedHashMap<>();
        for (Command c : commands) {
            switch (c.kind()) {
                case FLOWGATE -> {
                    final String error = DocLines.parse(c);
                    if (error != null) {
                        problems.add(c.where() + ": " + String.join(" ", c.words()) + ": " + error);
                    }
                }
                case RULE -> {
                    try {
                        FlowSyntax.parseRule(c.line().file().toString(), c.line().line(), c.line().text(), 0);
                    } catch (SyntaxException e) {
                        problems.add(c.where() + ": " + e.getMessage());
                    }
                }
                case GROUP -> group(c, c.line().text(), problems);
                case OVS_APPCTL -> {
                    final int cmd = c.words().indexOf("ofctl/mod-group");
                    if (cmd > 0 && cmd + 1 < c.words().size()) {
                        group(c, c.words().get(cmd + 1), problems);
                    }
                }
                case CONFIG -> configs.computeIfAbsent(c.line().file(), f -> new ArrayList<>()).add(c);
                default -> {
                    // Scripts, system commands, unit lines, comments: their kind is all there is to check.
                }
            }
        }
        // A page's configuration lines read as one file by the real reader, its ports by the real parser.
        for (Map.Entry<Path, List<Command>> e : configs.entrySet()) {
            final Path file = tmp.resolve(e.getKey().getFileName() + ".conf");
            Files.write(file, e.getValue().stream().map(c -> c.line().text()).toList());
            try {
                final ConfigFile config = ConfigFile.read(file, RunSettings.configKeys());
                for (Map.Entry<Integer, String> port : config.ports().entrySet()) {
                    PortSpec.parse(port.getKey(), port.getValue());
                }
            } catch (ConfigException | PortException ex) {
                problems.add(e.getKey() + " (its configuration lines): " + ex.getMessage());
            }
        }
        return problems;
    }

    private static void group(final Command c, final String text, final List<String> problems) {
        try {
            GroupSyntax.parseGroup(c.line().file().toString(), c.line().line(), text);
        } catch (SyntaxException e) {
            problems.add(c.where() + ": " + e.getMessage());
        }
    }

    private static Map<Path, List<String>> read(final List<Path> pages) throws IOException {
        final Map<Path, List<String>> texts = new java.util.HashMap<>();
        for (Path p : pages) {
            texts.put(p, Files.readAllLines(p));
        }
        return texts;
    }

    @Test
    void everyCodeLineIsOfAKnownKindAndEveryCommandParses(@TempDir final Path tmp) throws IOException {
        final List<Path> pages = pages();
        final List<String> problems = new ArrayList<>();
        final List<Command> commands = commands(pages, read(pages), problems);
        problems.addAll(parseProblems(commands, tmp));
        assertEquals(List.of(), problems);
        assertTrue(commands.stream().filter(c -> c.kind() == Kind.FLOWGATE).count() >= 20,
                "the pages' flowgate command lines are found: " + commands);
    }

    @Test
    void aMistypedOptionAnUnknownLineAndABadRuleAreFoundByPageAndLine(@TempDir final Path tmp) throws IOException {
        final Path page = ROOT.resolve("docs/made-up.md");
        final List<String> problems = new ArrayList<>();
        final List<Command> commands = commands(List.of(page), Map.of(page, List.of(
                "# A page", "",
                "    ./flowgate appctl --rundri DIR dpif-netdev/pmd-stats-show",
                "    ./flowgate parse-pcap FILE the flow key of every packet",
                "    sudo ./flowgate run --port 1=dummy:p1",
                "    table=0,tp_dst=80,actions=drop",
                "    port.1 = dumy:p1")), problems);
        problems.addAll(parseProblems(commands, tmp));
        assertEquals(5, problems.size(), String.join("\n", problems));
        assertEquals("docs/made-up.md:5: a code line of no kind this test knows (a command it does not check, or text "
                + "that belongs in a ```text fence): sudo ./flowgate run --port 1=dummy:p1", problems.get(0));
        assertEquals("docs/made-up.md:3: ./flowgate appctl --rundri DIR dpif-netdev/pmd-stats-show: "
                + "Unknown option: '--rundri'", problems.get(1));
        assertTrue(problems.get(2).startsWith("docs/made-up.md:4: ./flowgate parse-pcap FILE the flow key of every "
                + "packet: Unmatched arguments from index 2: 'the', 'flow'"), problems.get(2));
        assertTrue(problems.get(3).startsWith("docs/made-up.md:6: ") && problems.get(3).contains("tp_dst"),
                problems.get(3));
        assertTrue(problems.get(4).startsWith("docs/made-up.md (its configuration lines): ")
                && problems.get(4).contains("dumy"), problems.get(4));
    }

    // ---- the safe commands run ----------------------------------------------------------------

    /** Where the documented names go in the test: files copied into a temporary directory. */
    private record Places(Path tmp, Path flows, Path pcap) {
        /** A word with the pages' file names made the test's. */
        String file(final String word, final String fileMeans) {
            String w = word.replaceAll("(^|[=,:])examples/", "$1" + ROOT.resolve("examples") + "/")
                    .replaceAll("(^|[=,:])/tmp/", "$1" + tmp + "/")
                    .replaceAll("(^|[=,:])(rules|router)\\.flows$", "$1" + flows)
                    .replaceAll("(^|[=,:])a\\.pcap", "$1" + pcap)
                    .replaceAll("(^|[=,:])b\\.pcap", "$1" + tmp.resolve("b.pcap"));
            if (w.equals("FILE")) {
                w = fileMeans;
            }
            return w;
        }
    }

    /** A run line's arguments: its run directory its own, a configuration file copied with its names made the test's. */
    private static List<String> runArgs(final Command c, final Places at, final int n) throws IOException {
        final List<String> args = new ArrayList<>();
        final List<String> in = c.args();
        for (int i = 0; i < in.size(); i++) {
            String w = in.get(i);
            if (w.equals("DIR") || w.equals("/var/run/flowgate")) {
                w = at.tmp().resolve("run-" + n).toString();
            } else if (i > 0 && in.get(i - 1).equals("--config")) {
                final Path conf = Path.of(at.file(w, w));
                final Path dir = Files.createDirectories(at.tmp().resolve("config-" + n));
                try (Stream<Path> files = Files.list(conf.getParent())) {
                    for (Path f : files.toList()) {
                        Files.copy(f, dir.resolve(f.getFileName()));
                    }
                }
                final Path copy = dir.resolve(conf.getFileName());
                Files.writeString(copy, Files.readString(copy).replaceAll("(=\\s*|[=,:])/tmp/", "$1" + at.tmp() + "/"));
                w = copy.toString();
            } else {
                w = at.file(w, at.flows().toString());
            }
            args.add(w);
        }
        return args;
    }

    /** A command to the daemon: the pages' run directories made the daemon's, files the test's. */
    private static List<String> appctlArgs(final List<String> in, final Places at, final Path rundir) {
        final List<String> out = new ArrayList<>();
        for (String w : in) {
            out.add(w.equals("DIR") || w.equals("/var/run/flowgate") ? rundir.toString()
                    : at.file(w, at.flows().toString()));
        }
        return out;
    }

    /** What a run of a documented command gave: success, or the problem named by page and line. */
    private static void expectSuccess(final Command c, final int status, final String out, final String err,
            final List<String> problems) {
        final String cmd = String.join(" ", c.words());
        // Setting PMD cores depends on the machine's CPUs: refused by name where they are missing.
        final boolean cpus = cmd.contains("pmd-cpu-mask=") && status == 2 && err.contains("not available to this process");
        if (status != 0 && !cpus) {
            problems.add(c.where() + ": " + cmd + ": exit status " + status + ": " + err.strip() + " " + out.strip());
        }
    }

    private static String subcommand(final Command c) {
        return c.args().isEmpty() ? "" : c.args().getFirst();
    }

    /** Messages of deploy.md's troubleshooting table that cannot be made here, and why. */
    private static final Map<String, String> NOT_REPRODUCED = Map.of(
            "EAL: Cannot get hugepage information", "DPDK with hugepages, as root",
            "DPDK layout mismatch", "a build against another DPDK",
            "transmit queue(s), Flowgate needs", "a DPDK device with fewer transmit queues than PMDs");

    /**
     * The messages deploy.md's troubleshooting table quotes are the ones the daemon prints, for
     * those this machine can provoke ("…" stands for any text); the others are named in
     * {@link #NOT_REPRODUCED}.
     */
    private static List<String> troubleshooting(final Path rundir, final Places at)
            throws IOException, InterruptedException {
        final Path page = ROOT.resolve("docs/deploy.md");
        final List<String> text = Files.readAllLines(page);
        final int from = text.indexOf("## 8. Troubleshooting");
        assertTrue(from > 0, "deploy.md has its troubleshooting section");
        final BitSet usable = CpuAffinity.currentThread();
        final String elsewhere = "0x" + BigInteger.ONE.shiftLeft(usable.nextClearBit(0)).toString(16);
        final List<String> problems = new ArrayList<>();
        for (int n = from + 1; n < text.size() && !text.get(n).startsWith("## "); n++) {
            final Matcher row = Pattern.compile("^\\| `([^`]+)` \\|").matcher(text.get(n));
            if (!row.find()) {
                continue; // the header, or a symptom in words
            }
            final String message = row.group(1);
            final String pattern = Arrays.stream(message.split("…", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
            final Matcher pci = Pattern.compile("([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])\\)?: no such DPDK device")
                    .matcher(message);
            if (pci.find()) {
                // A PCI address with no device behind it: EAL starts (without hugepages), the port does not.
                final Daemon d = Daemon.start("run", "--port", "1=dpdk:" + pci.group(1), "--flows", at.flows().toString(),
                        "--rundir", at.tmp().resolve("run-dpdk").toString());
                final int status = d.awaitExit(60, TimeUnit.SECONDS);
                if (status == 0 || !Pattern.compile(pattern).matcher(d.err()).find()) {
                    problems.add("docs/deploy.md:" + (n + 1) + ": quotes \"" + message + "\"; a run with that port gives status "
                            + status + ": " + d.err().strip());
                }
                continue;
            }
            final String[] command;
            if (message.contains("not available to this process")) {
                command = new String[] {"config/set", "pmd-cpu-mask=" + elsewhere};
            } else if (message.startsWith("config/set: n-handler-threads=0:")) {
                command = new String[] {"config/set", "n-handler-threads=0"};
            } else {
                if (NOT_REPRODUCED.keySet().stream().noneMatch(message::contains)) {
                    problems.add("docs/deploy.md:" + (n + 1) + ": a message this test cannot provoke nor knows: " + message);
                }
                continue;
            }
            final List<String> args = new ArrayList<>(List.of("appctl", "--rundir", rundir.toString()));
            args.addAll(List.of(command));
            final CliTest.Run r = CliTest.run(args.toArray(new String[0]));
            if (r.status() != 2 || !Pattern.compile(pattern).matcher(r.err()).find()) {
                problems.add("docs/deploy.md:" + (n + 1) + ": quotes \"" + message + "\"; " + String.join(" ", command)
                        + " gives status " + r.status() + ": " + r.err().strip());
            }
        }
        return problems;
    }

    @Test
    @Timeout(300)
    void theSafeCommandsRunAsThePagesShowThem(@TempDir final Path tmp) throws Exception {
        final List<Path> pages = pages();
        final List<String> problems = new ArrayList<>();
        final List<Command> commands = commands(pages, read(pages), problems);
        final Places at = new Places(tmp, Files.copy(ROOT.resolve("examples/router/router.flows"), tmp.resolve("rules.flows")),
                Files.copy(ROOT.resolve("examples/router/traffic.pcap"), tmp.resolve("a.pcap")));
        final List<Command> runnable = commands.stream().filter(c -> c.reason() == null
                && (c.kind() == Kind.FLOWGATE || c.kind() == Kind.OVS_APPCTL)).toList();

        // Commands that end by themselves, in this JVM: --help, version, replay, trace, parse-pcap.
        for (Command c : runnable) {
            final String sub = subcommand(c);
            if (c.kind() != Kind.FLOWGATE || sub.equals("run") || sub.equals("appctl")) {
                continue;
            }
            final String fileMeans = sub.equals("parse-pcap") ? at.pcap().toString() : at.flows().toString();
            final CliTest.Run r = CliTest.run(c.args().stream().map(w -> at.file(w, fileMeans)).toArray(String[]::new));
            expectSuccess(c, r.status(), r.out(), r.err(), problems);
        }

        // Every run line starts and answers on its control socket; the one with dummy port p1
        // (docs/dummy-ports.md) stays up for the commands to a running daemon.
        Daemon target = null;
        Path targetRundir = null;
        int n = 0;
        try {
            for (Command c : runnable) {
                if (c.kind() != Kind.FLOWGATE || !subcommand(c).equals("run")) {
                    continue;
                }
                final List<String> args = runArgs(c, at, n++);
                final Daemon d = Daemon.start(args.toArray(new String[0]));
                final String line;
                try {
                    line = d.awaitErr(l -> l.contains("control socket") || l.startsWith("flowgate: "), 60, TimeUnit.SECONDS);
                } catch (AssertionError e) {
                    problems.add(c.where() + ": " + String.join(" ", args) + ": did not start: " + d.err());
                    d.close();
                    continue;
                }
                if (!line.contains("control socket")) {
                    problems.add(c.where() + ": " + String.join(" ", args) + ": " + line);
                    d.close();
                    continue;
                }
                final String ctl = line.replaceAll(".*control socket (\\S+);.*", "$1");
                final boolean hasP1 = args.stream().anyMatch(a -> a.matches("\\d+=dummy:p1(,.*)?"));
                if (hasP1 && target == null) {
                    target = d;
                    targetRundir = Path.of(args.get(args.indexOf("--rundir") + 1));
                    continue;
                }
                final CliTest.Run v = CliTest.run("appctl", "-t", ctl, "version");
                expectSuccess(c, v.status(), v.out(), v.err(), problems);
                d.signal("TERM");
                final int status = d.awaitExit(60, TimeUnit.SECONDS);
                if (status != 0) {
                    problems.add(c.where() + ": stopped by SIGTERM with status " + status + ": " + d.err());
                }
            }
            assertTrue(target != null, "a page shows a daemon with dummy port p1 for the commands to a running daemon");

            final CliTest.Run list = CliTest.run("appctl", "--rundir", targetRundir.toString(), "list-commands");
            assertEquals(0, list.status(), list.err());
            for (Command c : commands) {
                if (c.kind() != Kind.FLOWGATE && c.kind() != Kind.OVS_APPCTL || c.elided()) {
                    continue;
                }
                final List<String> words = c.words();
                final int at0 = c.kind() == Kind.FLOWGATE ? words.indexOf("appctl") : words.indexOf("-t") + 1;
                if (at0 <= 0) {
                    continue;
                }
                // The control command: the first word after the client's own options.
                int k = at0 + 1;
                while (k < words.size() && words.get(k).startsWith("-")) {
                    k += 2;
                }
                if (k < words.size() && !list.out().contains("\n  " + words.get(k) + " ")) {
                    problems.add(c.where() + ": " + words.get(k) + " is not a command of the daemon (list-commands)");
                }
            }

            for (Command c : runnable) {
                if (c.kind() == Kind.FLOWGATE && subcommand(c).equals("appctl")) {
                    final CliTest.Run r = CliTest.run(appctlArgs(c.args(), at, targetRundir).toArray(new String[0]));
                    expectSuccess(c, r.status(), r.out(), r.err(), problems);
                } else if (c.kind() == Kind.OVS_APPCTL) {
                    final ProcessBuilder pb = new ProcessBuilder(appctlArgs(c.words(), at, targetRundir));
                    // The pages' OVS_RUNDIR, or none where they leave it to the reader: the daemon's.
                    pb.environment().put("OVS_RUNDIR", targetRundir.toString());
                    final Process p = pb.start();
                    final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(p.waitFor(60, TimeUnit.SECONDS), c.where() + ": hung");
                    expectSuccess(c, p.exitValue(), out, err, problems);
                }
            }
            problems.addAll(troubleshooting(targetRundir, at));
            target.signal("TERM");
            assertEquals(0, target.awaitExit(60, TimeUnit.SECONDS), target.err());
        } finally {
            if (target != null) {
                target.close();
            }
        }
        // What was done with each line, for the record (target/surefire-reports).
        for (Command c : commands) {
            final boolean run = c.reason() == null && (c.kind() == Kind.FLOWGATE || c.kind() == Kind.OVS_APPCTL);
            System.out.println(c.where() + " " + c.kind() + (run ? " ran" : c.reason() == null ? " parsed"
                    : " not run (" + c.reason() + ")") + ": " + c.line().text());
        }
        assertEquals(List.of(), problems);
        final Set<String> ran = new HashSet<>();
        runnable.forEach(c -> ran.add(c.kind() == Kind.FLOWGATE ? subcommand(c) : "ovs-appctl"));
        assertTrue(ran.containsAll(Set.of("run", "appctl", "replay", "trace", "parse-pcap", "version", "--help", "ovs-appctl")),
                "the pages' commands of every kind ran: " + ran);
    }
}
