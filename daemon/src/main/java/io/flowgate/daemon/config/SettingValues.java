package io.flowgate.daemon.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The settings of one start: each from the command line, else the configuration file, else its
 * default. A bad value is refused naming where it was given ({@code --KEY} or FILE:LINE), the key
 * and the value.
 */
public final class SettingValues {
    private final Map<Setting<?>, Object> commandLine;
    private final ConfigFile file;
    private final Path relativeTo;

    /**
     * @param commandLine the values given as options, as picocli converted them (see {@link Setting.Kind})
     * @param file        the configuration file, or null
     * @param relativeTo  what relative names on the command line are relative to, or null: as given
     * @throws ConfigException where the file gives one setting under two of its names
     */
    public SettingValues(final Map<Setting<?>, Object> commandLine, final ConfigFile file, final Path relativeTo)
            throws ConfigException {
        this.commandLine = Map.copyOf(commandLine);
        this.file = file;
        this.relativeTo = relativeTo;
        for (Setting<?> s : Settings.atStart()) {
            for (String other : s.names().subList(1, s.names().size())) {
                if (file != null && file.get(s.key()) != null && file.get(other) != null) {
                    final String line = file.where(s.key());
                    throw new ConfigException(file.where(other) + ": " + other + " is the same setting as " + s.key()
                            + ", already set on line " + line.substring(line.lastIndexOf(':') + 1));
                }
            }
        }
    }

    public ConfigFile file() {
        return file;
    }

    /** The setting is given on the command line or in the file (not left to its default). */
    public boolean given(final Setting<?> s) {
        return commandLine.containsKey(s) || fileName(s) != null;
    }

    /** The setting's value: command line, else file, else default (null where it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(final Setting<T> s) throws ConfigException {
        final Object given = commandLine.get(s);
        if (given instanceof Path p) {
            return (T) (relativeTo == null ? p : relativeTo.resolve(p));
        }
        if (given != null) {
            return read(s, "--" + s.key(), s.key(), given.toString(), true);
        }
        final String name = fileName(s);
        if (name == null) {
            return s.defaultValue();
        }
        if (s.kind() == Setting.Kind.PATH) {
            return (T) file.path(name); // relative to the file
        }
        return read(s, file.where(name), name, file.get(name), false);
    }

    private static <T> T read(final Setting<T> s, final String where, final String name, final String text,
                              final boolean onCommandLine) throws ConfigException {
        try {
            return s.parser().parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + Setting.problem(name, onCommandLine, text, e.getMessage()));
        }
    }

    /** The name the file gives the setting under, or null. */
    private String fileName(final Setting<?> s) {
        if (file != null) {
            for (String n : s.names()) {
                if (file.get(n) != null) {
                    return n;
                }
            }
        }
        return null;
    }
}
