package io.flowgate.daemon.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client side of the control socket, as ovs-appctl does it: find the socket from a target,
 * send one request, read one reply.
 */
public final class UnixctlClient {
    private UnixctlClient() {
    }

    /** The run directory: $OVS_RUNDIR, as ovs-appctl reads it, else Flowgate's default. */
    public static Path rundir() {
        final String env = System.getenv("OVS_RUNDIR");
        return Path.of(env != null && !env.isEmpty() ? env : "/var/run/flowgate");
    }

    /** Why a call could not be made; {@code status} is ovs-appctl's exit status for it. */
    public static final class ClientException extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        private final int status;

        ClientException(final String message, final int status) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * The socket a target names: an absolute path is the socket itself; a name is looked up
     * through {@code RUNDIR/NAME.pid} as {@code RUNDIR/NAME.PID.ctl}.
     */
    public static Path resolve(final String target, final Path rundir) throws ClientException {
        if (target.startsWith("/")) {
            return Path.of(target);
        }
        final Path pidfile = rundir.resolve(target + ".pid");
        final String pid;
        try {
            pid = Files.readString(pidfile, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            throw new ClientException("cannot read pidfile \"" + pidfile + "\" (No such file or directory)", 1);
        } catch (IOException e) {
            throw new ClientException("cannot read pidfile \"" + pidfile + "\" (" + e.getMessage() + ")", 1);
        }
        if (!pid.matches("[0-9]+")) {
            throw new ClientException("pidfile \"" + pidfile + "\" does not hold a pid", 1);
        }
        return rundir.resolve(target + "." + pid + ".ctl");
    }

    /** A reply: exactly one of result and error is non-null. */
    public record Reply(String result, String error) {
    }

    /** Sends one request and waits for its reply (at most {@code timeoutMillis}, 0 for ever). */
    public static Reply call(final Path socket, final String method, final List<String> params,
                                     final long timeoutMillis) throws ClientException {
        final SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new ClientException("cannot create a socket: " + e.getMessage(), 1);
        }
        final ScheduledExecutorService timer = timeoutMillis > 0 ? Executors.newSingleThreadScheduledExecutor() : null;
        final AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> alarm = null;
        try (ch) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new ClientException("cannot connect to \"" + socket + "\" (" + reason(e) + ")", 1);
            }
            if (timer != null) {
                alarm = timer.schedule(() -> {
                    timedOut.set(true);
                    try {
                        ch.close();
                    } catch (IOException e) {
                        // closing is all we wanted
                    }
                }, timeoutMillis, TimeUnit.MILLISECONDS);
            }
            final ByteBuffer req = ByteBuffer.wrap(JsonRpc.request(method, params));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            final JsonFraming framing = new JsonFraming(Integer.MAX_VALUE);
            final byte[][] reply = new byte[1][];
            final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (reply[0] == null) {
                buf.clear();
                final int n = ch.read(buf);
                if (n < 0) {
                    throw new ClientException("transaction error (End of file)", 2);
                }
                framing.feed(buf.array(), 0, n, json -> reply[0] = json);
            }
            final JsonRpc.Reply r = JsonRpc.parseReply(reply[0]);
            return new Reply(r.result(), r.error());
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new ClientException("transaction error (Connection timed out)", 2);
            }
            throw new ClientException("transaction error (" + reason(e) + ")", 2);
        } catch (JsonFraming.FramingException | JsonRpc.ProtocolException e) {
            throw new ClientException("transaction error (" + e.getMessage() + ")", 2);
        } finally {
            if (alarm != null) {
                alarm.cancel(false);
            }
            if (timer != null) {
                timer.shutdownNow();
            }
        }
    }

    private static String reason(final IOException e) {
        final String m = e.getMessage();
        if (e instanceof java.net.SocketException && m != null && m.contains("No such file")) {
            return "No such file or directory";
        }
        if (m != null && m.contains("Connection refused")) {
            return "Connection refused";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
