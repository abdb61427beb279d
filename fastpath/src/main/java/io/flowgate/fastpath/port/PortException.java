package io.flowgate.fastpath.port;

/** A port could not be created or opened; the message names the port and the problem. */
public class PortException extends Exception {
    public PortException(final String message) {
        super(message);
    }

    public PortException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
