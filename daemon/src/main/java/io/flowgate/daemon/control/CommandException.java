package io.flowgate.daemon.control;

/** A command failed; its message is the error text the client prints. */
public final class CommandException extends Exception {
    public CommandException(final String message) {
        super(message);
    }
}
