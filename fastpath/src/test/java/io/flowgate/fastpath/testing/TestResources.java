package io.flowgate.fastpath.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files under a module's src/test/resources, found the same way from Maven and from an IDE. */
public final class TestResources {
    private TestResources() {
    }

    public static Path path(final String relative) {
        final String root = System.getProperty("flowgate.test.resources", "src/test/resources");
        final Path p = Path.of(root).resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("test resource missing: " + p.toAbsolutePath());
        }
        return p;
    }

    /** A file relative to the repository root (for data that another module keeps). */
    public static Path repo(final String relative) {
        final Path p = Path.of(System.getProperty("flowgate.repo.root", "..")).resolve(relative).normalize();
        if (!Files.exists(p)) {
            throw new IllegalStateException("repository file missing: " + p.toAbsolutePath());
        }
        return p;
    }
}
