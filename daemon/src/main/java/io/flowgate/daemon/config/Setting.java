package io.flowgate.daemon.config;

import io.flowgate.daemon.bridge.Bridge;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * One setting, declared once in {@link Settings}: the names it has in the configuration file
 * (each is also a command-line option {@code --NAME}; OVS's {@code other_config} name last),
 * how its text is read, its default, what it means, and, for the settings that change at run
 * time, how {@code config/show} reads it back from the datapath.
 *
 * @param names   Flowgate's name first (the file's key), other names after it, OVS's last
 * @param label   what the value is, for help texts ({@code N}, {@code FILE})
 * @param kind    how the command line types the value before it is read
 * @param parser  reads a value's text; throws {@link IllegalArgumentException} with the reason
 * @param written the default as it would be written, or null where there is none
 * @param note    how the default is described where it is not just {@code written}, or null
 * @param help    what the setting means
 * @param atStart given on the command line and in the configuration file (false: config/set only)
 * @param shown   the value now, as config/show prints it; null for settings fixed at start
 */
public record Setting<T>(List<String> names, String label, Kind kind, Parser<T> parser, String written, String note,
                         String help, boolean atStart, Function<Bridge, String> shown) {
    /** How picocli converts a command-line value (its own messages for numbers and file names, exit 2). */
    public enum Kind {
        NUMBER(Integer.class), PATH(Path.class), TEXT(String.class);

        public final Class<?> type;

        Kind(final Class<?> type) {
            this.type = type;
        }
    }

    /** Reads a setting's text, throwing {@link IllegalArgumentException} with the reason. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String text);
    }

    public Setting {
        names = List.copyOf(names);
    }

    /** The configuration file's key. */
    public String key() {
        return names.getFirst();
    }

    /** The name config/set and config/show use: OVS's other_config name. */
    public String ovsName() {
        return names.getLast();
    }

    /** The command-line options: {@code --NAME} for each name. */
    public List<String> options() {
        return names.stream().map(n -> "--" + n).toList();
    }

    /** Changes at run time: config/set takes it, config/show prints it. */
    public boolean live() {
        return shown != null;
    }

    /** The default as help texts and the documentation give it, or null. */
    public String defaultText() {
        return note != null ? note : written;
    }

    /** The default value, or null where there is none. */
    public T defaultValue() {
        return written == null ? null : parser.parse(written);
    }

    /**
     * Reads a value as config/set does.
     *
     * @throws IllegalArgumentException "KEY=TEXT: reason"
     */
    public T parse(final String text) {
        try {
            return parser.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ovsName() + "=" + text + ": " + e.getMessage());
        }
    }

    /**
     * What is wrong with a value given at start, written after where it was given: "KEY must be
     * ..., not TEXT" for a value out of its range or choices ("must be ..." or "not a ..." reasons),
     * else "KEY: reason" (on the command line the option before it names the key).
     */
    static String problem(final String name, final boolean onCommandLine, final String text, final String reason) {
        final String shown = text.matches("-?\\d+") ? text : "\"" + text + "\"";
        if (reason.startsWith("must be ")) {
            return name + " " + reason + ", not " + shown;
        }
        if (reason.startsWith("not a ")) {
            return name + " must be " + reason.substring(4) + ", not " + shown;
        }
        return onCommandLine ? reason : name + ": " + reason;
    }

    /** This setting changing at run time, config/show printing it so. */
    Setting<T> shownAs(final Function<Bridge, String> now) {
        return new Setting<>(names, label, kind, parser, written, note, help, atStart, now);
    }

    /** This setting for config/set only: the command line and the file do not take it. */
    Setting<T> onlyAtRunTime() {
        return new Setting<>(names, label, kind, parser, written, note, help, false, shown);
    }
}
