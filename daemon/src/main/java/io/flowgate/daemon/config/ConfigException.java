package io.flowgate.daemon.config;

/** A configuration file that cannot be used; the message names the file and line. */
public final class ConfigException extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public ConfigException(final String message) {
        super(message);
    }
}
