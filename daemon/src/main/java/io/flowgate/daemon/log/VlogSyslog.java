package io.flowgate.daemon.log;

import io.flowgate.bindings.UnixDatagram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;

/**
 * Where the syslog destination's lines go, as OVS's {@code --syslog-method}: {@code libc} (the
 * default: the system log's socket /dev/log, in the format glibc's syslog(3) writes there,
 * {@code <PRI>Mmm dd hh:mm:ss flowgate: line}), {@code unix:PATH} or {@code udp:IP:PORT}
 * ({@code <PRI>line}, as OVS's syslog_direct), or {@code null} (nowhere). Sending never throws
 * and never waits for the reader: a line the socket does not take is dropped, as the C library
 * drops it.
 */
abstract sealed class VlogSyslog {
    static final String DEV_LOG = "/dev/log";
    /** LOG_DAEMON: the facility OVS opens the log with when none is set. */
    static final int LOG_DAEMON = 3 << 3;

    /** vlog/list-pattern's "prefix" column: what comes before the pattern on the wire. */
    abstract String prefix();

    /** Sends one line with this priority (severity | facility). */
    abstract void send(int priority, String line, long millis);

    /** Parses a --syslog-method value; null if it is not one (the caller says so, in OVS's words). */
    static VlogSyslog parse(final String method) {
        if (method.equals("null")) {
            return new Null();
        } else if (method.equals("libc")) {
            return new Unix(DEV_LOG, true);
        } else if (method.startsWith("unix:") && method.length() > 5) {
            return new Unix(method.substring(5), false);
        } else if (method.startsWith("udp:")) {
            return Udp.open(method.substring(4), 514);
        }
        return null;
    }

    /** Drops every line. */
    static final class Null extends VlogSyslog {
        @Override
        String prefix() {
            return "none";
        }

        @Override
        void send(final int priority, final String line, final long millis) {
        }
    }

    /** A Unix datagram socket: /dev/log in glibc's format, or another path in OVS's direct one. */
    static final class Unix extends VlogSyslog {
        private final String path;
        private final boolean libc;

        Unix(final String path, final boolean libc) {
            this.path = path;
            this.libc = libc;
        }

        @Override
        String prefix() {
            return libc ? "<%B>%d{%b %e %H:%M:%S} %A: " : "<%B>";
        }

        @Override
        void send(final int priority, final String line, final long millis) {
            final StringBuilder s = new StringBuilder(line.length() + 40).append('<').append(priority).append('>');
            if (libc) {
                VlogPattern.strftime(s, "%b %e %H:%M:%S", millis, ZoneId.systemDefault());
                s.append(' ').append(VlogPattern.PROGRAM).append(": ");
            }
            try {
                UnixDatagram.send(path, s.append(line).toString(), true);
            } catch (RuntimeException e) {
                // No syslog daemon listening (or it is not keeping up): the line is lost, as with syslog(3).
            }
        }
    }

    /** UDP to a syslog server (OVS's {@code udp:IP:PORT}, and {@code --syslog-target}). */
    static final class Udp extends VlogSyslog {
        private final DatagramChannel channel;

        private Udp(final DatagramChannel channel) {
            this.channel = channel;
        }

        /** HOST:PORT (PORT defaults to {@code defaultPort}); null if it is not a usable address. */
        static Udp open(final String target, final int defaultPort) {
            final int colon = target.lastIndexOf(':');
            final String host = colon < 0 ? target : target.substring(0, colon);
            final int port;
            try {
                port = colon < 0 ? defaultPort : Integer.parseInt(target.substring(colon + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (host.isEmpty() || port <= 0 || port > 65535) {
                return null;
            }
            try {
                final InetSocketAddress to = new InetSocketAddress(host.replaceAll("^\\[|\\]$", ""), port);
                if (to.isUnresolved()) {
                    return null;
                }
                final DatagramChannel c = DatagramChannel.open();
                c.configureBlocking(false);
                c.connect(to);
                return new Udp(c);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        String prefix() {
            return "<%B>";
        }

        @Override
        void send(final int priority, final String line, final long millis) {
            sendRaw("<" + priority + ">" + line);
        }

        void sendRaw(final String text) {
            try {
                channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                // Nobody listening (ICMP port unreachable) or a full buffer: the line is lost, as in OVS.
            }
        }
    }
}
