package io.flowgate.daemon.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The documentation's pages: README.md, examples/README.md and docs/*.md, and the repository they describe. */
public final class Pages {
    /** The repository's root (Surefire gives it; the daemon module's parent otherwise). */
    public static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();

    private Pages() {
    }

    /** Every page, README.md first. */
    public static List<Path> all() throws IOException {
        final List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("examples/README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** A page's name relative to the root, as messages name it. */
    public static Path relative(final Path page) {
        return ROOT.relativize(page);
    }

    /** The pages' lines. */
    public static Map<Path, List<String>> read(final List<Path> pages) throws IOException {
        final Map<Path, List<String>> texts = new HashMap<>();
        for (Path p : pages) {
            texts.put(p, Files.readAllLines(p));
        }
        return texts;
    }
}
