package io.flowgate.daemon.config;

/** A configuration file that cannot be used; the message names the file and line. */
public final class ConfigException extends Exception {
    public ConfigException(final String message) {
        super(message);
    }
}
