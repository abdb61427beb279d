package io.flowgate.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads {@code libflowgate.so}, the shim built by the {@code native} module, once per process.
 *
 * <p>The library travels inside the native module's jar as {@code native/libflowgate.so}; it is
 * copied to a private temporary file because {@code dlopen} needs a path. The system property
 * {@code flowgate.native.lib} points at another build instead (useful when working on the C code).
 * Loading the shim also loads the DPDK shared libraries it links against.
 */
public final class NativeLibrary {
    /** Resource path of the shim inside the native module's jar. */
    public static final String RESOURCE = "/native/libflowgate.so";
    /** System property naming an explicit shim path. */
    public static final String PATH_PROPERTY = "flowgate.native.lib";

    private NativeLibrary() {
    }

    /** The shim's symbols; the library stays loaded for the life of the process. */
    public static SymbolLookup shim() {
        return Holder.LOOKUP;
    }

    /** Where the loaded shim lives on disk. */
    public static Path shimPath() {
        return Holder.PATH;
    }

    private static final class Holder {
        static final Path PATH = locate();
        @SuppressWarnings("restricted") // loads the shim this module ships, found by locate()
        static final SymbolLookup LOOKUP = SymbolLookup.libraryLookup(PATH, Arena.global());
    }

    private static Path locate() {
        final String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            final Path path = Path.of(explicit);
            if (!Files.isReadable(path)) {
                throw new IllegalStateException(PATH_PROPERTY + "=" + explicit + ": no readable file there");
            }
            return path;
        }
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the Flowgate shim " + RESOURCE
                        + " is not on the class path; build the native module (./mvnw -pl native package)");
            }
            final Path copy = Files.createTempFile("libflowgate-", ".so");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the Flowgate shim " + RESOURCE, e);
        }
    }
}
