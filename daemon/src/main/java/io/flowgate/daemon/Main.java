package io.flowgate.daemon;

import io.flowgate.daemon.cli.FlowgateCommand;

/** Entry point of the {@code flowgate} command (see the launcher script at the repository root). */
public final class Main {
    private Main() {
    }

    public static void main(final String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit status (tests call this directly). */
    public static int run(final String... args) {
        return FlowgateCommand.commandLine().execute(args);
    }
}
