package io.flowgate.daemon.control;

/** A command failed; its message is the error text the client prints. */
public final class CommandException extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public CommandException(final String message) {
        super(message);
    }
}
