package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.bindings.UnixDatagram;
import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.FlowgateProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code Type=notify} systemd unit: the daemon says READY=1 (with its MAINPID) on NOTIFY_SOCKET
 * once its control socket answers, and STOPPING=1 when it stops. Checked against a socket the
 * test listens on, as systemd would (systemd itself does not run here).
 */
class SystemdNotifyTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void readyOnceItAnswersStoppingWhenItStops() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "priority=5,ip,actions=output:2\n");
        final Path rundir = dir.resolve("run");
        final Path notify = dir.resolve("notify.sock");
        try (UnixDatagram systemd = UnixDatagram.bind(notify.toString())) {
            final ProcessBuilder pb = FlowgateProcess.builder(List.of("-Xmx256m"), "run", "--rundir", rundir.toString(),
                    "--flows", flows.toString(), "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b");
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            pb.redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            final Process p = pb.start();
            try {
                final String ready = CompletableFuture.supplyAsync(systemd::receive).get(90, TimeUnit.SECONDS);
                assertTrue(ready.startsWith("READY=1\nMAINPID=" + p.pid() + "\n"), ready);
                // Ready means answering:
                final UnixctlClient.Reply r = UnixctlClient.call(UnixctlClient.resolve("flowgate", rundir), "version",
                        List.of(), 10_000);
                assertNull(r.error());
                final CompletableFuture<String> stopping = CompletableFuture.supplyAsync(systemd::receive);
                p.destroy(); // SIGTERM, as systemctl stop
                assertEquals("STOPPING=1\n", stopping.get(60, TimeUnit.SECONDS));
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue());
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
