package io.flowgate.daemon.cli;

import java.util.Set;

/** What {@code flowgate run} reads from a configuration file, for tests of other packages. */
public final class RunSettings {
    private RunSettings() {
    }

    /** The keys a configuration file may set besides ports ({@code port.N}, {@code port.N.KEY}). */
    public static Set<String> configKeys() {
        return RunCommand.CONFIG_KEYS;
    }
}
