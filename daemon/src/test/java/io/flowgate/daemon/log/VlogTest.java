package io.flowgate.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.bindings.UnixDatagram;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vlog as real OVS 3.1's: the destinations (console, syslog, file), vlog/set's forms and its
 * refusals word for word, per-destination line formats with OVS's escapes, and the syslog
 * destination on a socket the test itself listens on. The expected texts come from
 * {@code ovs-appctl vlog/...} against ovs-vswitchd 3.1.0 (ci/ovs/sandbox).
 */
class VlogTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Vlog vlog = new Vlog();

    VlogTest() {
        vlog.console(new PrintStream(console, true, StandardCharsets.UTF_8));
    }

    private String consoleText() {
        return console.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listHasTheSyslogColumnBetweenConsoleAndFileAsOvs() {
        final String list = vlog.list();
        assertTrue(list.startsWith("                 console    syslog    file\n"
                + "                 -------    ------    ------\n"), list);
        // The system log is off until asked for; console and file log at info, as in OVS.
        assertTrue(list.contains("\nlb                INFO        OFF       INFO\n"), list);
        assertTrue(list.contains("\nofproto           INFO        OFF       INFO\n"), list);
    }

    @Test
    void vlogListNamesEveryModuleThatLogsAndNoOther() throws Exception {
        final Path root = Path.of(System.getProperty("flowgate.repo.root", ".."));
        final java.util.Set<String> logging = new java.util.TreeSet<>(List.of("vlog"));
        final Pattern getLogger = Pattern.compile("System\\.getLogger\\(\"([^\"]+)\"\\)");
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
                    .toList()) {
                final Matcher m = getLogger.matcher(Files.readString(f));
                while (m.find()) {
                    logging.add(m.group(1));
                }
            }
        }
        final java.util.Set<String> listed = new java.util.TreeSet<>();
        new Vlog().list().lines().skip(2).forEach(l -> listed.add(l.split("\\s+")[0]));
        assertEquals(logging, listed);
    }

    @Test
    void setAcceptsTheFormsOvsAccepts() {
        assertNull(vlog.set("ANY:file:dbg"));
        assertTrue(vlog.list().contains("\nlb                INFO        OFF        DBG\n"), vlog.list());
        assertNull(vlog.set("lb:warn"));
        assertTrue(vlog.list().contains("\nlb                WARN       WARN       WARN\n"), vlog.list());
        assertNull(vlog.set("console:off"));
        assertTrue(vlog.list().contains("\nreconfig           OFF        OFF        DBG\n"), vlog.list());
        assertNull(vlog.set("revalidator,syslog,INFO"), "commas, and any case");
        assertTrue(vlog.list().contains("\nrevalidator        OFF       INFO        DBG\n"), vlog.list());
        assertNull(vlog.set("datapath"), "no level means dbg");
        assertTrue(vlog.list().contains("\ndatapath           DBG        DBG        DBG\n"), vlog.list());
        assertNull(vlog.set("ANY"));
        assertTrue(vlog.list().contains("\nlb                 DBG        DBG        DBG\n"), vlog.list());
        assertEquals(VlogLevel.DBG, vlog.module("made-later")[Vlog.Destination.SYSLOG.ordinal()],
                "a module that appears later takes the levels set for all");
    }

    @Test
    void badFormsAreRefusedWithOvsWords() {
        final Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("bogus", "no destination, level, or module \"bogus\"");
        refusals.put("debug", "no destination, level, or module \"debug\"");
        refusals.put("lb:datapath:info", "cannot specify multiple modules");
        refusals.put("info:warn", "cannot specify multiple levels");
        refusals.put("console:file", "cannot specify multiple destinations");
        refusals.put("PATTERN", "missing destination");
        refusals.put("PATTERN:bogus:x", "unknown destination \"bogus\"");
        refusals.put("FACILITY:bogus", "invalid facility");
        refusals.put("FACILITY", "invalid facility");
        refusals.forEach((spec, error) -> assertEquals(error, vlog.set(spec), spec));
        assertEquals("processing \"bogus\": no destination, level, or module \"bogus\"", vlog.verbosity("bogus"),
                "-vbogus on the command line, as ovs-vswitchd says it");
    }

    @Test
    void patternSetsOneDestinationsLineFormat() throws Exception {
        final Path file = tmp.resolve("f.log");
        vlog.logFile(file);
        assertNull(vlog.set("PATTERN:console:%D{%H:%M:%S} %m"));
        vlog.log("lb", VlogLevel.INFO, "hello");
        assertTrue(consoleText().matches("(?s).*\n\\d\\d:\\d\\d:\\d\\d hello\n"), consoleText());
        assertTrue(Files.readString(file).matches("(?s).*\n\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"
                + "\\|\\d{5}\\|lb\\|INFO\\|hello\n"), "the file keeps its own format: " + Files.readString(file));
        assertEquals("""
                         prefix                            format
                         ------                            ------
                SYSLOG   <%B>%d{%b %e %H:%M:%S} %A:        flowgate|%05N|%c|%p|%m
                CONSOLE  none                              %D{%H:%M:%S} %m
                FILE     none                              %D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c|%p|%m
                """, vlog.listPattern());
        assertNull(vlog.set("PATTERN:file"), "an empty format is OVS's too");
        assertTrue(vlog.listPattern().contains("\nFILE     none                              \n"), vlog.listPattern());
    }

    @Test
    void escapesAsOvsFormatsThem() {
        assertNull(vlog.set("PATTERN:console:%A|%c|%p|%-6p|%6c|%06N|%N|%P|%%|%q|%B|%t|%d{%Y#}|%D{%S.###}|%m"));
        assertNull(vlog.set("FACILITY:local3"));
        vlog.log("lb", VlogLevel.WARN, "two\n");
        final String line = consoleText().strip();
        final String[] f = line.split("\\|", -1);
        assertEquals("flowgate", f[0]);
        assertEquals("lb", f[1]);
        assertEquals("WARN", f[2]);
        assertEquals("WARN  ", f[3], "%-6p: left justified");
        assertEquals("    lb", f[4], "%6c: right justified");
        assertEquals("000001", f[5], "%06N: zero padded");
        assertEquals("1", f[6]);
        assertEquals(Long.toString(ProcessHandle.current().pid()), f[7]);
        assertEquals("%", f[8]);
        assertEquals("q", f[9], "an unknown escape stands for its letter");
        assertEquals(Integer.toString(19 * 8 + 4), f[10], "%B: local3 and LOG_WARNING");
        assertEquals(Thread.currentThread().getName(), f[11]);
        assertTrue(f[12].matches("\\d{4}\\d"), "# is one digit of the milliseconds: " + f[12]);
        assertTrue(f[13].matches("\\d\\d\\.\\d{3}"), f[13]);
        assertEquals("two", f[14], "%m without the trailing new line");
    }

    @Test
    void syslogGoesToAUnixSocketInOvsDirectFormat() {
        final Path socket = tmp.resolve("log.sock");
        try (UnixDatagram listener = UnixDatagram.bind(socket.toString())) {
            assertNull(vlog.syslogMethod("unix:" + socket));
            vlog.log("lb", VlogLevel.INFO, "before syslog is on");
            assertNull(vlog.set("syslog:info"));
            vlog.log("lb", VlogLevel.DBG, "below its level");
            vlog.log("lb", VlogLevel.INFO, "hello");
            assertEquals("<29>flowgate|00002|lb|INFO|hello", listener.receive(), "LOG_DAEMON | LOG_NOTICE");
            assertNull(vlog.set("FACILITY:local3"));
            vlog.log("revalidator", VlogLevel.ERR, "bad");
            assertEquals("<155>flowgate|00003|revalidator|ERR|bad", listener.receive(), "local3 | LOG_ERR");
            assertTrue(vlog.listPattern().contains("\nSYSLOG   <%B>                              flowgate|"),
                    vlog.listPattern());
        }
    }

    @Test
    void theDefaultMethodWritesWhatGlibcsSyslogWritesToDevLog() {
        final Path socket = tmp.resolve("dev-log");
        try (UnixDatagram listener = UnixDatagram.bind(socket.toString())) {
            // libc's method, pointed at the test's socket instead of /dev/log.
            new VlogSyslog.Unix(socket.toString(), true).send(29, "flowgate|00001|lb|INFO|hello", 0);
            final String d = listener.receive();
            assertTrue(d.matches("<29>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d flowgate: flowgate\\|00001\\|lb\\|INFO\\|hello"),
                    "<PRI>, the local time as 'Mmm dd hh:mm:ss', the program and a colon: " + d);
        }
    }

    @Test
    void syslogGoesOverUdpAndToATargetInRfc5424() throws Exception {
        try (DatagramChannel method = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             DatagramChannel target = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            assertNull(vlog.syslogMethod("udp:127.0.0.1:" + ((InetSocketAddress) method.getLocalAddress()).getPort()));
            assertNull(vlog.syslogTarget("127.0.0.1:" + ((InetSocketAddress) target.getLocalAddress()).getPort()));
            assertNull(vlog.set("lb:syslog:info"));
            vlog.log("lb", VlogLevel.INFO, "hello");
            assertEquals("<29>flowgate|00002|lb|INFO|hello", receive(method));
            final String rfc5424 = receive(target);
            assertTrue(rfc5424.matches("<133>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+ flowgate "
                    + ProcessHandle.current().pid() + " lb - \uFEFFhello"), rfc5424);
        }
        assertTrue(consoleText().contains("|vlog|WARN|--syslog-target flag is deprecated, use --syslog-method"
                + " instead"), "as OVS 3.1 warns");
    }

    @Test
    void unknownSyslogMethodsAreRefusedAsOvs() {
        assertEquals("unsupported syslog method 'tcp:1.2.3.4:514'", vlog.syslogMethod("tcp:1.2.3.4:514"));
        assertEquals("--syslog-target: cannot send to \"nowhere\" (expected IP:PORT)", vlog.syslogTarget("nowhere"));
    }

    private static String receive(final DatagramChannel c) throws Exception {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        c.receive(b);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }
}
