package io.flowgate.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket's protocol, against what ovs-vswitchd 3.1 does with the same bytes (observed
 * with a probe script against a real ovs-vswitchd): requests answered in order with its texts,
 * anything that is not a request closed without a reply; and none of it crashes the server or
 * leaves a connection behind.
 */
class UnixctlServerTest {
    @TempDir
    Path tmp;

    private UnixctlServer server;
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final CountDownLatch slowRelease = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        final Unixctl commands = new Unixctl();
        commands.register("version", "", 0, 0, args -> "flowgate test");
        commands.register("echo", "WORD...", 1, 3, args -> String.join(" ", args));
        commands.register("empty", "", 0, 0, args -> "");
        commands.register("fail", "", 0, 0, args -> {
            throw new CommandException("it failed");
        });
        commands.register("slow", "", 0, 0, args -> {
            slowStarted.countDown();
            try {
                slowRelease.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slow done";
        });
        server = new UnixctlServer(tmp.resolve("test.ctl"), commands, null);
        server.idleMillis(500);
        server.start();
    }

    @AfterEach
    void stop() {
        slowRelease.countDown();
        server.close();
    }

    /** Sends bytes and reads until the server closes or {@code waitMillis} pass; "<EOF>" marks a close. */
    private String talk(final String data, final long waitMillis, final boolean shutdownOutput) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(server.path()));
            if (!data.isEmpty()) {
                ch.write(ByteBuffer.wrap(data.getBytes(StandardCharsets.UTF_8)));
            }
            if (shutdownOutput) {
                ch.shutdownOutput();
            }
            return readFor(ch, waitMillis);
        }
    }

    private static String readFor(final SocketChannel ch, final long waitMillis) throws Exception {
        ch.configureBlocking(false);
        final StringBuilder out = new StringBuilder();
        final ByteBuffer buf = ByteBuffer.allocate(65536);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (System.nanoTime() < deadline) {
            buf.clear();
            final int n = ch.read(buf);
            if (n < 0) {
                return out.append("<EOF>").toString();
            }
            if (n > 0) {
                out.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
            } else {
                Thread.sleep(5);
            }
        }
        return out.toString();
    }

    private String talk(final String data) throws Exception {
        return talk(data, 300, false);
    }

    private void assertNoConnectionLeft() throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.connections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, server.connections(), "every connection was cleaned up");
    }

    @Test
    void requestsAreAnsweredInOrderWithOvssReplyShapes() throws Exception {
        assertEquals("{\"id\":0,\"result\":\"flowgate test\\n\",\"error\":null}",
                talk("{\"id\":0,\"method\":\"version\",\"params\":[]}"));
        assertEquals("{\"id\":1,\"result\":\"a b\\n\",\"error\":null}{\"id\":2,\"result\":\"\",\"error\":null}",
                talk("{\"id\":1,\"method\":\"echo\",\"params\":[\"a\",\"b\"]}\n{\"id\":2,\"method\":\"empty\",\"params\":[]}"));
        assertEquals("{\"id\":\"abc\",\"result\":\"flowgate test\\n\",\"error\":null}",
                talk("{\"id\":\"abc\",\"method\":\"version\",\"params\":[]}"), "a string id is echoed");
        assertEquals("{\"id\":3,\"error\":\"it failed\\n\"}", talk("{\"id\":3,\"method\":\"fail\",\"params\":[]}"));
    }

    @Test
    void badCommandsGetOvssErrorTexts() throws Exception {
        assertEquals("{\"id\":7,\"error\":\"\\\"no/such\\\" is not a valid command (use \\\"list-commands\\\" to see a list"
                + " of valid commands)\\n\"}", talk("{\"id\":7,\"method\":\"no/such\",\"params\":[\"a\"]}"));
        assertEquals("{\"id\":0,\"error\":\"\\\"version\\\" command takes at most 0 arguments\\n\"}",
                talk("{\"id\":0,\"method\":\"version\",\"params\":[\"x\"]}"));
        assertEquals("{\"id\":0,\"error\":\"\\\"echo\\\" command requires at least 1 arguments\\n\"}",
                talk("{\"id\":0,\"method\":\"echo\",\"params\":[]}"));
        assertEquals("{\"id\":0,\"error\":\"\\\"echo\\\" command has non-string argument\\n\"}",
                talk("{\"id\":0,\"method\":\"echo\",\"params\":[5]}"));
        assertEquals("{\"id\":0,\"error\":\"\\\"version\\\" command takes at most 0 arguments\\n\"}",
                talk("{\"id\":0,\"method\":\"version\",\"params\":[1]}"), "the count is checked before the types");
        assertNoConnectionLeft();
    }

    @Test
    void whatIsNotARequestClosesTheConnectionWithoutAReply() throws Exception {
        final List<String> cases = List.of(
                "hello world",
                "[1,2,3]",
                "{\"id\":0,\"method\":5,\"params\":[]}",
                "{\"id\":0,\"method\":\"version\",\"params\":{}}",
                "{\"id\":0,\"method\":\"version\"}",
                "{\"method\":\"version\",\"params\":[]}",
                "{\"id\":null,\"method\":\"version\",\"params\":[]}",
                "{\"id\":0,\"result\":\"x\",\"error\":null}",
                "{\"id\":0,\"method\":\"version\",\"params\":[],\"zzz\":1}",
                "{\"id\":0,\"method\":\"version\",\"params\":[]}}");
        for (String c : cases) {
            final String reply = talk(c);
            assertTrue(reply.endsWith("<EOF>"), "closed after " + c + ": " + reply);
            assertTrue(!reply.contains("\"result\"") || c.endsWith("}}"), "no result for " + c + ": " + reply);
        }
        assertNoConnectionLeft();
        assertEquals("{\"id\":0,\"result\":\"flowgate test\\n\",\"error\":null}",
                talk("{\"id\":0,\"method\":\"version\",\"params\":[]}"), "the server still serves");
    }

    @Test
    void aMessageOverOneMebibyteIsRefused() throws Exception {
        final String big = "{\"id\":0,\"method\":\"echo\",\"params\":[\"" + "a".repeat(UnixctlServer.MAX_MESSAGE) + "\"]}";
        String reply;
        try {
            reply = talk(big, 2000, false);
        } catch (IOException e) {
            reply = "<EOF>"; // the server closed while we were still writing
        }
        assertTrue(reply.endsWith("<EOF>") && !reply.contains("result"), reply);
        assertNoConnectionLeft();
        final String justUnder = "{\"id\":0,\"method\":\"echo\",\"params\":[\"" + "a".repeat(1000) + "\"]}";
        assertTrue(talk(justUnder).contains("\"result\""));
    }

    @Test
    void aHalfOpenConnectionGetsItsReplyThenIsClosed() throws Exception {
        assertEquals("{\"id\":0,\"result\":\"flowgate test\\n\",\"error\":null}<EOF>",
                talk("{\"id\":0,\"method\":\"version\",\"params\":[]}", 1000, true));
        assertNoConnectionLeft();
    }

    @Test
    void stalledConnectionsAreClosedWhenIdleWithoutHoldingUpOthers() throws Exception {
        try (SocketChannel stalled = SocketChannel.open(StandardProtocolFamily.UNIX);
             SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            stalled.connect(UnixDomainSocketAddress.of(server.path()));
            silent.connect(UnixDomainSocketAddress.of(server.path()));
            stalled.write(ByteBuffer.wrap("{\"id\":0,\"meth".getBytes(StandardCharsets.UTF_8)));
            assertTrue(talk("{\"id\":0,\"method\":\"version\",\"params\":[]}").contains("flowgate test"),
                    "others are served meanwhile");
            assertEquals("<EOF>", readFor(stalled, 3000), "the stalled one is closed after the idle time");
            assertEquals("<EOF>", readFor(silent, 3000), "so is one that never said anything");
        }
        assertNoConnectionLeft();
    }

    @Test
    void aSlowCommandDoesNotHoldUpOtherConnections() throws Exception {
        final Thread slow = Thread.ofPlatform().start(() -> {
            try {
                talk("{\"id\":0,\"method\":\"slow\",\"params\":[]}", 5000, false);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(slowStarted.await(5, TimeUnit.SECONDS));
        final List<String> replies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            replies.add(talk("{\"id\":" + i + ",\"method\":\"version\",\"params\":[]}"));
        }
        assertTrue(replies.stream().allMatch(r -> r.contains("flowgate test")), replies.toString());
        slowRelease.countDown();
        slow.join();
    }

    @Test
    void theSocketIsForTheDaemonsUserOnly() throws Exception {
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(server.path()));
        // Another user cannot even open it.
        final Process p = new ProcessBuilder("runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c",
                "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1]); print('connected')\n"
                        + "except OSError as e: print(e.errno)", server.path().toString())
                .redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals("13", out, "EACCES for user nobody");
    }
}
