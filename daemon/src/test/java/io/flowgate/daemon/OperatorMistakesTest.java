package io.flowgate.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's mistakes are refused, named, before anything starts. Input is never destroyed:
 * an output that is also an input (the same file by any name) is refused before anything is
 * opened. Before, {@code replay --in 1=X --out 2=X} truncated the
 * bundled capture from 3.3 MB to 123 KB, and {@code pcap:in=X,out=X} left X at 24 bytes.
 */
@Timeout(60) // without the check, a replay reading its own output runs on and on
class OperatorMistakesTest {
    private static final Path ROOT = Path.of(System.getProperty("flowgate.repo.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path capture() throws Exception {
        return Files.copy(ROOT.resolve("examples/router/traffic.pcap"), dir.resolve("traffic.pcap"));
    }

    @Test
    void replayRefusesAnOutputThatIsAnInputAndLeavesItWhole() throws Exception {
        final Path x = capture();
        final byte[] before = Files.readAllBytes(x);
        final CliTest.Run r = CliTest.run("replay", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--in", "1=" + x, "--out", "2=" + x);
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals("flowgate: port 2 out=" + x + " is also port 1 in=" + x + ": refusing to write over an input\n",
                r.err());
        assertArrayEquals(before, Files.readAllBytes(x), "the capture is untouched");
    }

    @Test
    void theSameFileByAnotherNameOrAHardLinkIsTheSameFile() throws Exception {
        final Path x = capture();
        final byte[] before = Files.readAllBytes(x);
        final Path link = Files.createLink(dir.resolve("link.pcap"), x);
        CliTest.Run r = CliTest.run("replay", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--in", "1=" + x, "--out", "1=" + link);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("refusing to write over an input"), r.err());
        r = CliTest.run("replay", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--in", "1=" + x, "--out", "2=" + dir.resolve("sub/../traffic.pcap"));
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("refusing to write over an input"), r.err());
        assertArrayEquals(before, Files.readAllBytes(x));
    }

    @Test
    void runRefusesAPcapPortWritingItsOwnInput() throws Exception {
        final Path x = capture();
        final byte[] before = Files.readAllBytes(x);
        final CliTest.Run r = CliTest.run("run", "--rundir", dir.resolve("run").toString(), "--flows",
                ROOT.resolve("examples/router/router.flows").toString(), "--port", "1=pcap:in=" + x + ",out=" + x);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("port 1 out=" + x + " is also port 1 in=" + x + ": refusing to write over an input"),
                r.err());
        assertArrayEquals(before, Files.readAllBytes(x));
    }

    @Test
    void twoOutputsCannotShareAFile() throws Exception {
        final Path x = capture();
        final Path out = dir.resolve("out.pcap");
        final CliTest.Run r = CliTest.run("replay", "--flows", ROOT.resolve("examples/router/router.flows").toString(),
                "--in", "1=" + x, "--out", "2=" + out, "--out", "3=" + out);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("two outputs cannot share a file"), r.err());
    }

    @Test
    void runRefusesAPortGivenTwice() throws Exception {
        final Path x = capture();
        final CliTest.Run r = CliTest.run("run", "--rundir", dir.resolve("run").toString(), "--flows",
                ROOT.resolve("examples/router/router.flows").toString(), "--port", "1=pcap:in=" + x,
                "--port", "1=ring:a");
        assertEquals(1, r.status(), r.err());
        assertEquals("flowgate: port 1 given twice (--port 1=pcap:in=" + x + " and --port 1=ring:a)\n", r.err());
    }

    @Test
    void badDirectoriesAndGroupsAreNamedWithTheReason() throws Exception {
        final String flows = ROOT.resolve("examples/router/router.flows").toString();
        final Path file = Files.writeString(dir.resolve("afile"), "x");
        CliTest.Run r = CliTest.run("run", "--rundir", file.toString(), "--flows", flows, "--port", "1=ring:a");
        assertEquals(1, r.status(), r.err());
        assertEquals("flowgate: cannot create run directory " + file + ": " + file + ": exists and is not a directory\n",
                r.err());
        r = CliTest.run("run", "--rundir", dir.resolve("r1").toString(), "--control-group", "no-such-group-here",
                "--flows", flows, "--port", "1=ring:a");
        assertEquals(1, r.status(), r.err());
        assertEquals("flowgate: --control-group: no such group \"no-such-group-here\"\n", r.err(),
                "refused before anything starts (it used to print a Java exception name, then a summary)");
        r = CliTest.run("run", "--rundir", dir.resolve("r2").toString(), "--state-dir", file.resolve("sub").toString(),
                "--flows", flows, "--port", "1=ring:a");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith("flowgate: state-dir " + file.resolve("sub") + ": cannot open the connection table: "),
                r.err());
    }

    @Test
    void aCommentAtTheEndOfAConfigurationLineIsAComment() throws Exception {
        final Path conf = Files.writeString(dir.resolve("c.conf"), "flows = "
                + ROOT.resolve("examples/router/router.flows") + "   # the edge router's rules\n"
                + "port.1 = ring:a # clients\n");
        try (io.flowgate.daemon.testing.Daemon d = io.flowgate.daemon.testing.Daemon.start("run", "--config",
                conf.toString(), "--rundir", dir.resolve("rc").toString())) {
            final String line = d.awaitErr(l -> l.contains("control socket") || l.startsWith("flowgate: "), 60,
                    java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(line.contains("control socket"), "it used to read \"FILE   # the ...\" as the file name: " + line);
        }
    }
}
