package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.control.UnixctlClient;
import io.flowgate.daemon.testing.FlowgateProcess;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --detach} returns once the daemon answers, as OVS's --detach does, or with its error. */
class DetachTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void detachReturnsOnlyWhenTheDaemonAnswers() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "priority=5,ip,actions=output:2\n");
        final Path rundir = dir.resolve("run");
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), "run", "--detach", "--rundir", rundir.toString(),
                "--flows", flows.toString(), "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")
                .start();
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), "--detach returned");
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + err);
        final Matcher m = Pattern.compile("running in the background as pid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        final long pid = Long.parseLong(m.group(1));
        try {
            // At once, as a script would after --detach:
            final UnixctlClient.Reply r = UnixctlClient.call(UnixctlClient.resolve("flowgate", rundir), "version",
                    List.of(), 10_000);
            assertNull(r.error());
            assertTrue(r.result().startsWith("flowgate "), r.result());
            UnixctlClient.call(UnixctlClient.resolve("flowgate", rundir), "exit", List.of(), 10_000);
            final var handle = ProcessHandle.of(pid);
            if (handle.isPresent()) {
                handle.get().onExit().get(60, TimeUnit.SECONDS);
            }
            assertTrue(!Files.exists(rundir.resolve("flowgate.pid")), "stopped cleanly: its pid file is gone");
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    @Timeout(180)
    void aDaemonThatCannotStartIsReportedWithItsError() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "priority=5,ip,actions=output:2\n");
        final Process p = FlowgateProcess.builder(List.of("-Xmx256m"), "run", "--detach", "--rundir",
                dir.resolve("run").toString(), "--flows", flows.toString(), "--port",
                "1=pcap:in=" + dir.resolve("missing.pcap"), "--port", "2=ring:b").start();
        assertTrue(p.waitFor(150, TimeUnit.SECONDS));
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("missing.pcap"), "the daemon's own error: " + err);
        assertTrue(err.contains("flowgate: --detach: the daemon exited with status 1 before it was ready"), err);
    }
}
