package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.Daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script may wait for the pid file and then call ovs-appctl: the pid file appears only once
 * the control socket answers (it used to be written first, before the datapath had started, so
 * such a script failed under load), and it goes when the daemon stops.
 */
class ReadinessTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void whenThePidFileAppearsTheControlSocketAnswers() throws Exception {
        final Path rundir = dir.resolve("run");
        final Path pidFile = rundir.resolve("flowgate.pid");
        // Enough rules that starting takes a while, as under load.
        final Path flows = Files.writeString(dir.resolve("many.flows"), manyRules());
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=ring:a")) {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(pidFile)) {
                assertTrue(System.nanoTime() < deadline, "the pid file appears");
                Thread.onSpinWait();
            }
            // At once, as a script would: find the socket through the pid file and ask.
            final UnixctlClient.Reply r = UnixctlClient.call(UnixctlClient.resolve("flowgate", rundir), "version",
                    List.of(), 10_000);
            assertNull(r.error());
            assertTrue(r.result().startsWith("flowgate "), r.result());
            d.process().destroy();
            assertTrue(d.process().waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, d.process().exitValue());
            assertFalse(Files.exists(pidFile), "the pid file goes with the daemon");
        }
    }

    private static String manyRules() {
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            s.append("priority=").append(100 + i % 50).append(",tcp,nw_src=10.").append((i >> 8) & 255).append('.')
                    .append(i & 255).append(".0/24,tp_dst=").append(1 + i % 1000).append(",actions=output:1\n");
        }
        return s.toString();
    }
}
