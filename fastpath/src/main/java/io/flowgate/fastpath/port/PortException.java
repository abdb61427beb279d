package io.flowgate.fastpath.port;

/** A port could not be created or opened; the message names the port and the problem. */
public class PortException extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public PortException(final String message) {
        super(message);
    }

    public PortException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
