package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * SIGHUP reloads the rule and group files into the running daemon (OVS daemons exit on it):
 * unchanged rules keep their counters, a file with an error changes nothing, and the daemon lives
 * on, pid file and socket in place.
 */
class HangupReloadTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void sighupReloadsTheRuleFiles() throws Exception {
        final Path flows = Files.writeString(dir.resolve("r.flows"), "priority=5,ip,actions=output:2\n");
        final Path rundir = dir.resolve("run");
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--flows", flows.toString(),
                "--pmd-idle", "backoff", "--port", "1=ring:a", "--port", "2=ring:b")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            Files.writeString(flows, "priority=5,ip,actions=output:2\npriority=6,arp,actions=output:2\n");
            d.signal("HUP");
            assertTrue(d.awaitErr(l -> l.contains("SIGHUP"), 30, TimeUnit.SECONDS)
                    .contains("reloaded the rules: 1 rule(s) kept, 0 replaced, 1 added, 0 deleted; 0 group(s)"));
            assertTrue(call(ctl, "ofctl/dump-flows").contains("priority=6,arp actions=output:2"));
            Files.writeString(flows, "priority=5,ip,actions=bogus\n");
            d.signal("HUP");
            final String refused = d.awaitErr(l -> l.contains("SIGHUP") && l.contains("unchanged"), 30, TimeUnit.SECONDS);
            assertTrue(refused.contains("r.flows:1:"), refused);
            assertTrue(call(ctl, "ofctl/dump-flows").contains("priority=6,arp"), "nothing changed");
            assertTrue(Files.exists(rundir.resolve("flowgate.pid")), "the daemon lives on");
            d.process().destroy();
            assertTrue(d.process().waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, d.process().exitValue());
        }
    }

    /**
     * A switch a controller programs may start without a rule file: its tables start empty, and
     * SIGHUP reloads the group file only, leaving the rules (the controller's) alone.
     */
    @Test
    @Timeout(120)
    void withoutARuleFileSighupLeavesTheRulesToTheController() throws Exception {
        final Path groups = Files.writeString(dir.resolve("g.groups"), "group_id=1,type=all,bucket=output:2\n");
        final Path rundir = dir.resolve("run2");
        // Nothing listens at the controller's address: the switch keeps trying, as OVS does.
        try (Daemon d = Daemon.start("run", "--rundir", rundir.toString(), "--groups", groups.toString(),
                "--controller", "unix:" + dir.resolve("nobody.sock"), "--pmd-idle", "backoff",
                "--port", "1=ring:a", "--port", "2=ring:b")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final Path ctl = Path.of(line.replaceAll(".*control socket (\\S+);.*", "$1"));
            assertTrue(d.err().contains("no flows file (tables empty until a controller programs them)"), d.err());
            call(ctl, "ofctl/add-flow", "priority=5,ip,actions=group:1");
            Files.writeString(groups, "group_id=1,type=all,bucket=output:2\ngroup_id=2,type=all,bucket=output:1\n");
            d.signal("HUP");
            assertTrue(d.awaitErr(l -> l.contains("SIGHUP"), 30, TimeUnit.SECONDS)
                    .contains("reloaded the rules: 2 group(s)"));
            assertTrue(call(ctl, "ofctl/dump-flows").contains("priority=5,ip actions=group:1"), "the rule stays");
            assertTrue(call(ctl, "ofctl/dump-groups").contains("group_id=2,type=all"));
        }
        try (Daemon none = Daemon.start("run", "--rundir", dir.resolve("run3").toString(), "--port", "1=ring:a")) {
            assertEquals(1, none.awaitExit(60, TimeUnit.SECONDS));
            assertTrue(none.err().contains("no rules: give --flows FILE, or --controller TARGET for a controller to"
                    + " program the switch"), none.err());
        }
    }

    private static String call(final Path ctl, final String method, final String... args) throws Exception {
        final UnixctlClient.Reply r = UnixctlClient.call(ctl, method, List.of(args), 30_000);
        assertNull(r.error());
        return r.result();
    }
}
