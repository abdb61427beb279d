package io.flowgate.daemon.docs;

import static io.flowgate.daemon.docs.Pages.ROOT;
import static io.flowgate.daemon.docs.Pages.relative;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What the pages point at: links, file names, classes and packages, each of which must be in the repository. */
public final class DocPointers {
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)\\)");
    private static final Pattern CLASS = Pattern.compile("[A-Z][a-z][A-Za-z0-9]*|[A-Za-z0-9]+\\.java");
    private static final Pattern PACKAGE = Pattern.compile(
            "(io\\.flowgate\\.)?(fastpath|slowpath|revalidator|daemon|bindings|bench)((\\.[a-z][a-z0-9]*)*)(\\.[A-Z]\\w*)?");
    private static final Pattern PATH = Pattern.compile("(\\.{1,2}/)?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]*)+");
    /** Absolute paths a page may show: where a real machine keeps such files, or /tmp for examples. */
    private static final List<String> SYSTEM_DIRS = List.of("/tmp/", "/var/", "/etc/", "/opt/", "/dev/", "/sys/",
            "/proc/", "/usr/", "/lib/", "/bin/");

    private DocPointers() {
    }

    /** Links and file names that leave the repository or name what is not there. */
    public static List<String> pointersOutside(final Path page, final List<String> text) {
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

    /** The Java sources of every module, main and test, relative to the root. */
    public static Set<String> javaFiles() throws IOException {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/"))
                    .map(p -> ROOT.relativize(p).toString())
                    .collect(Collectors.toSet());
        }
    }

    /** Class and package names in code spans that name nothing in the sources. */
    public static List<String> missingClasses(final Path page, final List<String> text, final Set<String> sources) {
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
}
