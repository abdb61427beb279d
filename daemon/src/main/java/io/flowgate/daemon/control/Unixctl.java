package io.flowgate.daemon.control;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The commands the control socket answers, registered as OVS's unixctl commands are: a name, a
 * usage string for list-commands, the least and most arguments, and a handler. Dispatch checks
 * the command and its arguments with OVS's error texts.
 */
public final class Unixctl {
    /** A command's work: its arguments in, the reply text out (or a {@link CommandException}). */
    @FunctionalInterface
    public interface Handler {
        String run(List<String> args) throws CommandException;
    }

    private record Command(String usage, int min, int max, Handler handler) {
    }

    private final Map<String, Command> commands = new ConcurrentHashMap<>();

    public Unixctl() {
        register("list-commands", "", 0, 0, args -> listCommands());
    }

    /** Registers a command; {@code max} may be Integer.MAX_VALUE. */
    public void register(final String name, final String usage, final int min, final int max, final Handler handler) {
        commands.put(name, new Command(usage, min, max, handler));
    }

    private String listCommands() {
        final StringBuilder s = new StringBuilder("The available commands are:\n");
        for (Map.Entry<String, Command> e : new TreeMap<>(commands).entrySet()) {
            s.append(String.format("  %-23s %s%n", e.getKey(), e.getValue().usage()));
        }
        return s.toString();
    }

    /** What a request produced: exactly one of result and error. */
    record Outcome(String result, String error) {
    }

    /** Runs a request's command, or says why not, as ovs-vswitchd does. */
    Outcome dispatch(final JsonRpc.Request request) {
        final Command c = commands.get(request.method());
        final String name = request.method();
        if (c == null) {
            return new Outcome(null, "\"" + name + "\" is not a valid command (use \"list-commands\" to see a list of"
                    + " valid commands)");
        }
        final int n = request.params().size();
        if (n < c.min()) {
            return new Outcome(null, "\"" + name + "\" command requires at least " + c.min() + " arguments");
        }
        if (n > c.max()) {
            return new Outcome(null, "\"" + name + "\" command takes at most " + c.max() + " arguments");
        }
        if (!request.allStrings()) {
            return new Outcome(null, "\"" + name + "\" command has non-string argument");
        }
        try {
            return new Outcome(c.handler().run(request.params()), null);
        } catch (CommandException e) {
            return new Outcome(null, e.getMessage());
        } catch (RuntimeException e) {
            System.getLogger("unixctl").log(System.Logger.Level.ERROR, "command " + name + " failed", e);
            return new Outcome(null, "\"" + name + "\" failed: " + e);
        }
    }
}
