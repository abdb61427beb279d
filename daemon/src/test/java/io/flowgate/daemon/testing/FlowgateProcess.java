package io.flowgate.daemon.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code flowgate} as its own JVM, as the launcher does (same flags, the test's class
 * path), for tests that need a separate process: memory measured from outside, signals.
 */
public final class FlowgateProcess {
    private FlowgateProcess() {
    }

    /** A process builder for {@code flowgate ARGS...} with extra JVM options. */
    public static ProcessBuilder builder(final List<String> jvmOptions, final String... args) throws IOException {
        // As started from a terminal: SIGHUP, SIGINT and SIGQUIT at their default handling. A
        // build started by nohup, or in the background by a non-interactive shell, ignores them,
        // children inherit that, and the daemon keeps an inherited ignore (as OVS's daemons do):
        // its signal tests would depend on how the build was started. env execs the JVM, so the
        // pid is the daemon's.
        final List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,QUIT"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final Path argFile = Path.of("target", "jvm.args");
        if (Files.exists(argFile)) {
            cmd.add("@" + argFile.toAbsolutePath());
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.flowgate.daemon.Main");
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** The resident set size of a live process in bytes, from /proc (Linux), or -1 once it is gone. */
    public static long rssBytes(final long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
