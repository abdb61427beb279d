package io.flowgate.daemon.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Commands for tests that build network namespaces and send real traffic through Flowgate. */
public final class Netns {
    private Netns() {
    }

    /** Runs a command; its output, or an AssertionError naming it if it fails or hangs. */
    public static String sh(final String... cmd) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " hung");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    /** Runs a command whose failure does not matter (cleaning up what may not exist). */
    public static void quietly(final String... cmd) {
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // cleaning up what may not exist
        }
    }

    /** A tag unique to this test process, for names of namespaces and devices. */
    public static String tag() {
        return Long.toString(ProcessHandle.current().pid() % 10000);
    }

    /**
     * Sends 2 MB over TCP from namespace {@code from} to {@code to} (listening on {@code toIp}) and
     * checks the receiver's SHA-256 of them.
     */
    public static void tcpTransfer(final Path tmp, final String from, final String to, final String toIp)
            throws IOException, InterruptedException {
        final Path server = tmp.resolve("server.py");
        Files.writeString(server, """
                import socket, hashlib
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", 5001)); s.listen(1); s.settimeout(60)
                c, _ = s.accept(); h = hashlib.sha256()
                while True:
                    d = c.recv(65536)
                    if not d: break
                    h.update(d)
                c.sendall(h.hexdigest().encode()); c.close()
                """);
        final Path client = tmp.resolve("client.py");
        Files.writeString(client, """
                import socket, hashlib, os, sys, time
                data = os.urandom(2_000_000)
                for attempt in range(50):
                    try:
                        c = socket.create_connection((sys.argv[1], 5001), timeout=30); break
                    except OSError:
                        time.sleep(0.1)
                c.sendall(data); c.shutdown(socket.SHUT_WR)
                print("ok" if c.recv(100).decode() == hashlib.sha256(data).hexdigest() else "MISMATCH")
                """);
        final Process srv = new ProcessBuilder("ip", "netns", "exec", to, "/usr/bin/python3", server.toString())
                .redirectErrorStream(true).start();
        try {
            final String result = sh("ip", "netns", "exec", from, "/usr/bin/python3", client.toString(), toIp);
            assertEquals("ok", result.strip(), "2 MB across Flowgate intact");
        } finally {
            srv.destroyForcibly();
            srv.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
