package io.flowgate.daemon.docs;

import static io.flowgate.daemon.docs.Pages.ROOT;
import static io.flowgate.daemon.docs.Pages.relative;

import io.flowgate.daemon.config.Settings;
import io.flowgate.daemon.config.ConfigException;
import io.flowgate.daemon.config.ConfigFile;
import io.flowgate.daemon.docs.DocLines.Command;
import io.flowgate.daemon.docs.DocLines.Kind;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The checks of code lines that need no running daemon: their kinds, and parsing by the real parsers. */
public final class CodeChecks {
    private CodeChecks() {
    }

    /** The classified code lines of the given pages; lines of no known kind are added to problems. */
    public static List<Command> commands(final List<Path> pages, final Map<Path, List<String>> texts,
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
    public static List<String> parseProblems(final List<Command> commands, final Path tmp) throws IOException {
        final List<String> problems = new ArrayList<>();
        final Map<Path, List<Command>> configs = new LinkedHashMap<>();
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
                case SCRIPT -> {
                    // ci/bench NAME or ci/bench --main NAME: a benchmark or harness of bench/.
                    final List<String> a = c.args();
                    final String name = !c.words().getFirst().equals("ci/bench") || a.isEmpty() ? null
                            : a.getFirst().equals("--main") && a.size() > 1 ? a.get(1) : a.getFirst();
                    if (name != null && !name.startsWith("-")
                            && !Files.exists(ROOT.resolve("bench/src/main/java/io/flowgate/bench/" + name + ".java"))) {
                        problems.add(c.where() + ": ci/bench: no benchmark " + name + " in bench/");
                    }
                }
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
                final ConfigFile config = ConfigFile.read(file, Settings.fileKeys());
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
}
