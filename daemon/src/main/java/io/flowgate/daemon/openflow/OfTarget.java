package io.flowgate.daemon.openflow;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * An OpenFlow connection method in OVS's syntax. Passive, where the switch listens:
 * {@code punix:PATH} (a Unix socket, as OVS's {@code br0.mgmt}) or {@code ptcp:PORT[:IP]} (TCP,
 * on loopback unless an address is given: an OpenFlow connection can rewrite every rule).
 * Active, a controller the switch connects to: {@code tcp:IP[:PORT]} or {@code unix:PATH}.
 */
public record OfTarget(String text, SocketAddress address, boolean active) {
    /** OpenFlow's IANA port, what {@code ptcp:} listens on when the port is left out. */
    public static final int DEFAULT_PORT = 6653;

    /**
     * Parses {@code punix:PATH}, {@code ptcp:[PORT][:IP]}, {@code unix:PATH} or {@code tcp:IP[:PORT]}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static OfTarget parse(final String text) {
        final String t = text.strip();
        if (t.startsWith("punix:") || t.startsWith("unix:")) {
            final String path = t.substring(t.indexOf(':') + 1);
            if (path.isEmpty()) {
                throw new IllegalArgumentException(text + ": " + t.substring(0, t.indexOf(':') + 1)
                        + " needs a socket path");
            }
            return new OfTarget(t, UnixDomainSocketAddress.of(Path.of(path)), t.startsWith("unix:"));
        }
        if (t.startsWith("tcp:")) {
            // tcp:IP[:PORT], an IPv6 address in brackets
            final String rest = t.substring("tcp:".length());
            final int close = rest.startsWith("[") ? rest.indexOf(']') : -1;
            final int colon = rest.indexOf(':', Math.max(close, 0));
            final boolean bare6 = close < 0 && rest.indexOf(':') != rest.lastIndexOf(':');
            final String host = bare6 || colon < 0 ? rest : rest.substring(0, colon);
            final String portText = bare6 || colon < 0 ? "" : rest.substring(colon + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException(text + ": tcp: needs the controller's IP address");
            }
            return new OfTarget(t, socket(text, host, portText), true);
        }
        if (t.startsWith("ptcp:")) {
            final String rest = t.substring("ptcp:".length());
            final int colon = rest.indexOf(':');
            final String portText = colon < 0 ? rest : rest.substring(0, colon);
            final String host = colon < 0 ? "127.0.0.1" : rest.substring(colon + 1);
            return new OfTarget(t, socket(text, host, portText), false);
        }
        throw new IllegalArgumentException(text + ": unknown connection method (expected punix:PATH, ptcp:[PORT][:IP],"
                + " unix:PATH or tcp:IP[:PORT])");
    }

    private static InetSocketAddress socket(final String text, final String host, final String portText) {
        final int port;
        try {
            port = portText.isEmpty() ? DEFAULT_PORT : Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(text + ": bad port \"" + portText + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(text + ": port " + port + " is out of range (0 to 65535)");
        }
        final String ip = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!ip.matches("[0-9a-fA-F.:]+")) {
            throw new IllegalArgumentException(text + ": \"" + host + "\" is not an IP address");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text + ": \"" + host + "\" is not an IP address");
        }
    }

    /** {@code punix:RUNDIR/NAME.mgmt}: where {@code ovs-ofctl CMD NAME} looks when OVS_RUNDIR is RUNDIR. */
    public static OfTarget management(final Path rundir, final String name) {
        final Path p = rundir.resolve(name + ".mgmt");
        return new OfTarget("punix:" + p, UnixDomainSocketAddress.of(p), false);
    }

    @Override
    public String toString() {
        return text;
    }
}
