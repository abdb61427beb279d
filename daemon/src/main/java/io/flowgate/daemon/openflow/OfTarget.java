package io.flowgate.daemon.openflow;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * Where the switch listens for OpenFlow connections, in OVS's connection syntax:
 * {@code punix:PATH} (a Unix socket, as OVS's {@code br0.mgmt}) or {@code ptcp:PORT[:IP]} (TCP,
 * on loopback unless an address is given: an OpenFlow connection can rewrite every rule).
 */
public record OfTarget(String text, SocketAddress address) {
    /** OpenFlow's IANA port, what {@code ptcp:} listens on when the port is left out. */
    public static final int DEFAULT_PORT = 6653;

    /**
     * Parses {@code punix:PATH} or {@code ptcp:[PORT][:IP]}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static OfTarget parse(final String text) {
        final String t = text.strip();
        if (t.startsWith("punix:")) {
            final String path = t.substring("punix:".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException(text + ": punix: needs a socket path");
            }
            return new OfTarget(t, UnixDomainSocketAddress.of(Path.of(path)));
        }
        if (t.startsWith("ptcp:")) {
            final String rest = t.substring("ptcp:".length());
            final int colon = rest.indexOf(':');
            final String portText = colon < 0 ? rest : rest.substring(0, colon);
            final String host = colon < 0 ? "127.0.0.1" : rest.substring(colon + 1);
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
                return new OfTarget(t, new InetSocketAddress(InetAddress.getByName(ip), port));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(text + ": \"" + host + "\" is not an IP address");
            }
        }
        throw new IllegalArgumentException(text + ": unknown connection method (expected punix:PATH or ptcp:[PORT][:IP])");
    }

    /** {@code punix:RUNDIR/NAME.mgmt}: where {@code ovs-ofctl CMD NAME} looks when OVS_RUNDIR is RUNDIR. */
    public static OfTarget management(final Path rundir, final String name) {
        final Path p = rundir.resolve(name + ".mgmt");
        return new OfTarget("punix:" + p, UnixDomainSocketAddress.of(p));
    }

    @Override
    public String toString() {
        return text;
    }
}
