package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.bindings.CpuAffinity;
import io.flowgate.daemon.docs.CodeChecks;
import io.flowgate.daemon.docs.DocLines.Command;
import io.flowgate.daemon.docs.DocLines.Kind;
import io.flowgate.daemon.docs.DocPointers;
import io.flowgate.daemon.docs.Pages;
import io.flowgate.daemon.testing.Daemon;
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
 * {@link io.flowgate.daemon.docs.DocLines} with the reason; a code line of a kind it does not know fails.
 */
class DocsTest {
    private static final Path ROOT = Pages.ROOT;

    @Test
    void pagesPointOnlyAtFilesOfTheRepository() throws IOException {
        final List<String> problems = new ArrayList<>();
        for (Path page : Pages.all()) {
            problems.addAll(DocPointers.pointersOutside(page, Files.readAllLines(page)));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aLinkOutsideTheRepositoryOrToAMissingFileIsFoundByPageAndLine() {
        final Path page = ROOT.resolve("README.md");
        final List<String> problems = DocPointers.pointersOutside(page, List.of(
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

    @Test
    void theClassesAndPackagesThePagesNameExist() throws IOException {
        final Set<String> sources = DocPointers.javaFiles();
        final List<String> problems = new ArrayList<>();
        for (Path page : Pages.all()) {
            problems.addAll(DocPointers.missingClasses(page, Files.readAllLines(page), sources));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aClassThatIsNotInTheSourcesIsFoundByPageAndLine() throws IOException {
        final List<String> problems = DocPointers.missingClasses(ROOT.resolve("docs/architecture.md"), List.of(
                "The PMD (`fastpath.pmd.Pmd`) hands a `Megaflow` to `fastpath.pmd.Upcall`,",
                "then `slowpath.ukey` and `slowpath.nothing`; see `Pmd.java`, `Nope.java`."), DocPointers.javaFiles());
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

    @Test
    void everyCodeLineIsOfAKnownKindAndEveryCommandParses(@TempDir final Path tmp) throws IOException {
        final List<Path> pages = Pages.all();
        final List<String> problems = new ArrayList<>();
        final List<Command> commands = CodeChecks.commands(pages, Pages.read(pages), problems);
        problems.addAll(CodeChecks.parseProblems(commands, tmp));
        assertEquals(List.of(), problems);
        assertTrue(commands.stream().filter(c -> c.kind() == Kind.FLOWGATE).count() >= 20,
                "the pages' flowgate command lines are found: " + commands);
    }

    @Test
    void aMistypedOptionAnUnknownLineAndABadRuleAreFoundByPageAndLine(@TempDir final Path tmp) throws IOException {
        final Path page = ROOT.resolve("docs/made-up.md");
        final List<String> problems = new ArrayList<>();
        final List<Command> commands = CodeChecks.commands(List.of(page), Map.of(page, List.of(
                "# A page", "",
                "    ./flowgate appctl --rundri DIR dpif-netdev/pmd-stats-show",
                "    ./flowgate parse-pcap FILE the flow key of every packet",
                "    sudo ./flowgate run --port 1=dummy:p1",
                "    table=0,tp_dst=80,actions=drop",
                "    port.1 = dumy:p1",
                "    ci/bench --main NoSuchHarness")), problems);
        problems.addAll(CodeChecks.parseProblems(commands, tmp));
        assertEquals(6, problems.size(), String.join("\n", problems));
        assertEquals("docs/made-up.md:5: a code line of no kind this test knows (a command it does not check, or text "
                + "that belongs in a ```text fence): sudo ./flowgate run --port 1=dummy:p1", problems.get(0));
        assertEquals("docs/made-up.md:3: ./flowgate appctl --rundri DIR dpif-netdev/pmd-stats-show: "
                + "Unknown option: '--rundri'", problems.get(1));
        assertTrue(problems.get(2).startsWith("docs/made-up.md:4: ./flowgate parse-pcap FILE the flow key of every "
                + "packet: Unmatched arguments from index 2: 'the', 'flow'"), problems.get(2));
        assertTrue(problems.get(3).startsWith("docs/made-up.md:6: ") && problems.get(3).contains("tp_dst"),
                problems.get(3));
        assertEquals("docs/made-up.md:8: ci/bench: no benchmark NoSuchHarness in bench/", problems.get(4));
        assertTrue(problems.get(5).startsWith("docs/made-up.md (its configuration lines): ")
                && problems.get(5).contains("dumy"), problems.get(5));
    }

    // ---- the settings table is documented whole -------------------------------------------------

    /** The table of docs/deploy.md's section 5: a row for each setting of the file, from the settings table. */
    @Test
    void deployMdListsEverySettingOfTheConfigurationFileAsTheTableDeclaresIt() throws IOException {
        final List<String> expected = new ArrayList<>();
        for (io.flowgate.daemon.config.Setting<?> s : io.flowgate.daemon.config.Settings.atStart()) {
            expected.add("| " + s.names().stream().map(n -> "`" + n + "`").collect(Collectors.joining(", ")) + " | "
                    + s.label() + " | " + (s.defaultText() == null ? "" : s.defaultText()) + " | " + s.help() + " |");
        }
        final List<String> text = Files.readAllLines(ROOT.resolve("docs/deploy.md"));
        final int from = text.indexOf("### Every setting");
        assertTrue(from > 0, "deploy.md has its table of settings");
        final List<String> rows = new ArrayList<>();
        for (int n = from + 1; n < text.size() && !text.get(n).startsWith("#"); n++) {
            if (text.get(n).startsWith("| `")) {
                rows.add(text.get(n));
            }
        }
        assertEquals(String.join("\n", expected), String.join("\n", rows),
                "docs/deploy.md's rows are the settings table's (Settings.java), in its order");
    }

    // ---- the safe commands run ----------------------------------------------------------------

    /** Where the documented names go in the test: files copied into a temporary directory. */
    private record Places(Path tmp, Path flows, Path pcap) {
        /** A word with the pages' file names made the test's. */
        String file(final String word, final String fileMeans) {
            // /tmp/ first: the repository itself may live under /tmp (a CI clone).
            String w = word.replaceAll("(^|[=,:])/tmp/", "$1" + tmp + "/")
                    .replaceAll("(^|[=,:])examples/", "$1" + ROOT.resolve("examples") + "/")
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
        final List<Path> pages = Pages.all();
        final List<String> problems = new ArrayList<>();
        final List<Command> commands = CodeChecks.commands(pages, Pages.read(pages), problems);
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
