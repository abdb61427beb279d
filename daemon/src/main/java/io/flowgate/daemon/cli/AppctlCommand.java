package io.flowgate.daemon.cli;

import io.flowgate.daemon.control.UnixctlClient;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flowgate appctl}: talks to a running daemon's control socket as ovs-appctl does, with
 * its exit statuses: 0 on success, 2 when the daemon answers with an error or the transaction
 * fails, 1 when the daemon cannot be reached.
 */
@Command(name = "appctl", description = "Send a command to a running flowgate daemon (as ovs-appctl does).")
final class AppctlCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-t", "--target"}, paramLabel = "TARGET",
            description = "pidfile name in $OVS_RUNDIR (default flowgate) or socket path to contact")
    String target = "flowgate";

    @Option(names = "--rundir", paramLabel = "DIR",
            description = "the daemon's run directory (as given to flowgate run --rundir); default: $OVS_RUNDIR")
    java.nio.file.Path rundir;

    @Option(names = {"-T", "--timeout"}, paramLabel = "SECS", description = "wait at most SECS seconds for a response")
    int timeout;

    @Parameters(paramLabel = "COMMAND [ARG...]", description = "the command and its arguments")
    List<String> words = new ArrayList<>();

    /** Commands whose first argument is a file the daemon reads. */
    private static final List<String> FILE_COMMANDS = List.of("ofctl/add-flows", "ofctl/replace-flows");

    /**
     * A file named to the daemon relative to where this command runs (as ovs-ofctl add-flows
     * reads it where it runs): sent as an absolute name, since the daemon's working directory is
     * another.
     */
    static List<String> filesFromHere(final String method, final List<String> args) {
        if (!FILE_COMMANDS.contains(method) || args.isEmpty() || Path.of(args.getFirst()).isAbsolute()) {
            return args;
        }
        final List<String> out = new ArrayList<>(args);
        out.set(0, Path.of(args.getFirst()).toAbsolutePath().normalize().toString());
        return out;
    }

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (words.isEmpty()) {
            err.println("flowgate appctl: at least one non-option argument is required (use --help for help)");
            return 1;
        }
        try {
            final var socket = UnixctlClient.resolve(target, rundir != null ? rundir : UnixctlClient.rundir());
            final var reply = UnixctlClient.call(socket, words.getFirst(),
                    filesFromHere(words.getFirst(), words.subList(1, words.size())), timeout * 1000L);
            if (reply.error() != null) {
                err.print(reply.error());
                err.println("flowgate appctl: " + target + ": server returned an error");
                err.flush();
                return 2;
            }
            out.print(reply.result());
            out.flush();
            return 0;
        } catch (UnixctlClient.ClientException e) {
            err.println("flowgate appctl: " + (e.status() == 2 ? target + ": " : "") + e.getMessage());
            return e.status();
        }
    }
}
