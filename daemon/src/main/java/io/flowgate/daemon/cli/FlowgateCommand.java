package io.flowgate.daemon.cli;

import io.flowgate.daemon.Version;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flowgate} command and its subcommands. */
@Command(name = "flowgate",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // every subcommand takes --help too
        versionProvider = FlowgateCommand.VersionProvider.class,
        description = "Kernel-bypass packet forwarder with an Open vSwitch-style megaflow cache.",
        subcommands = {
            VersionCommand.class,
            ParsePcapCommand.class,
            TraceCommand.class,
            ReplayCommand.class,
            RunCommand.class,
            AppctlCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class FlowgateCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A command line with Flowgate's error handling: bad arguments name themselves and exit 2. */
    public static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new FlowgateCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // appctl passes everything after the command through, options included (dump-flows -m).
        cl.getSubcommands().get("appctl").setStopAtPositional(true);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("flowgate: " + describe(ex));
            return 1;
        });
        return cl;
    }

    /** Reports a failure that ends a command ("flowgate: " and what went wrong): exit status 1. */
    static int fail(final java.io.PrintWriter err, final Exception e) {
        err.println("flowgate: " + (e instanceof java.io.IOException ? describe(e) : e.getMessage()));
        return 1;
    }

    /** A one-line description of a failure, naming the file for file-system errors. */
    static String describe(final Throwable ex) {
        if (ex instanceof java.nio.file.NoSuchFileException e) {
            return e.getFile() + ": no such file";
        }
        if (ex instanceof java.nio.file.AccessDeniedException e) {
            return e.getFile() + ": permission denied";
        }
        if (ex instanceof java.nio.file.FileAlreadyExistsException e) {
            return e.getFile() + ": exists and is not a directory";
        }
        if (ex instanceof java.nio.file.NotDirectoryException e) {
            return e.getFile() + ": not a directory";
        }
        if (ex instanceof java.nio.file.FileSystemException e) {
            return e.getFile() + ": " + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason());
        }
        return ex.getMessage() == null ? ex.toString() : ex.getMessage();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"flowgate " + Version.get()};
        }
    }
}
