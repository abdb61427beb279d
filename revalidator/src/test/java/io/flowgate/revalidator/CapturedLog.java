package io.flowgate.revalidator;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;

/**
 * The revalidator tests' platform logging (registered as the LoggerFinder service): every message
 * is kept, as "module|LEVEL|text", for tests to read, and printed on standard error as before.
 */
public final class CapturedLog extends System.LoggerFinder {
    private static final List<String> LINES = new ArrayList<>();

    /** The lines logged so far that contain {@code text}. */
    static List<String> containing(final String text) {
        synchronized (LINES) {
            return LINES.stream().filter(l -> l.contains(text)).toList();
        }
    }

    @Override
    public System.Logger getLogger(final String name, final Module module) {
        return new Captured(name);
    }

    private record Captured(String name) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(final Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity();
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String msg, final Throwable thrown) {
            keep(level, thrown == null ? msg : msg + ": " + thrown);
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params) {
            keep(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params));
        }

        private void keep(final Level level, final String text) {
            if (!isLoggable(level)) {
                return;
            }
            final String line = name + "|" + level + "|" + text;
            synchronized (LINES) {
                LINES.add(line);
            }
            System.err.println(line);
        }
    }
}
