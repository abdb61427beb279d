package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.cli.FlowgateCommand;
import io.flowgate.daemon.testing.Daemon;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flowgate appctl} behaves as ovs-appctl: same replies, messages and exit statuses. */
class AppctlCommandTest {
    @TempDir
    Path tmp;

    private static String[] appctl(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cl = FlowgateCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final String[] full = new String[args.length + 1];
        full[0] = "appctl";
        System.arraycopy(args, 0, full, 1, args.length);
        final int status = cl.execute(full);
        return new String[] {Integer.toString(status), out.toString(), err.toString()};
    }

    @Test
    void repliesErrorsAndUnreachableTargetsHaveOvsAppctlsExitStatuses() throws Exception {
        final Path acl = Path.of(System.getProperty("flowgate.test.resources"), "oracle/replay/scenarios/acl");
        try (Daemon d = Daemon.start("run", "--rundir", tmp.resolve("run").toString(), "--flows",
                acl.resolve("flows.txt").toString(), "--port", "1=ring:a")) {
            final String line = d.awaitErr(l -> l.contains("control socket"), 60, TimeUnit.SECONDS);
            final String ctl = line.replaceAll(".*control socket (\\S+);.*", "$1");

            String[] r = appctl("-t", ctl, "version");
            assertEquals("0", r[0], r[2]);
            assertTrue(r[1].startsWith("flowgate "), r[1]);

            r = appctl("--rundir", tmp.resolve("run").toString(), "version");
            assertEquals("0", r[0], "the daemon found by its run directory, as README shows: " + r[2]);
            assertTrue(r[1].startsWith("flowgate "), r[1]);

            r = appctl("-t", ctl, "dpctl/dump-flows", "-m");
            assertEquals("0", r[0], "options after the command are the command's: " + r[2]);

            r = appctl("-t", ctl, "bogus");
            assertEquals("2", r[0]);
            assertEquals("\"bogus\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n"
                    + "flowgate appctl: " + ctl + ": server returned an error\n", r[2]);

            r = appctl("-t", tmp.resolve("nothing.ctl").toString(), "version");
            assertEquals("1", r[0]);
            assertEquals("flowgate appctl: cannot connect to \"" + tmp.resolve("nothing.ctl")
                    + "\" (No such file or directory)\n", r[2]);

            r = appctl("-t", "nosuch", "version");
            assertEquals("1", r[0]);
            assertTrue(r[2].startsWith("flowgate appctl: cannot read pidfile \""), r[2]);

            r = appctl();
            assertEquals("1", r[0]);
            assertEquals("flowgate appctl: at least one non-option argument is required (use --help for help)\n", r[2]);

            r = appctl("-t", ctl, "exit");
            assertEquals("0", r[0], r[2]);
            assertEquals(0, d.awaitExit(30, TimeUnit.SECONDS));
        }
    }
}
