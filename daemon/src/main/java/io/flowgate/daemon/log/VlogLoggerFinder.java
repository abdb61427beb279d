package io.flowgate.daemon.log;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * Routes the JDK's platform logging ({@code System.getLogger(name)}) to {@link Vlog}: the logger's
 * name is the vlog module. Registered as a service, so lower modules log without knowing vlog.
 */
public final class VlogLoggerFinder extends System.LoggerFinder {
    @Override
    public System.Logger getLogger(final String name, final Module module) {
        return new VlogLogger(name);
    }

    private record VlogLogger(String name) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(final Level level) {
            return Vlog.get().enabled(name, VlogLevel.of(level));
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String msg, final Throwable thrown) {
            if (isLoggable(level)) {
                Vlog.get().log(name, VlogLevel.of(level), thrown == null ? msg : msg + ": " + describe(thrown));
            }
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params) {
            if (isLoggable(level)) {
                Vlog.get().log(name, VlogLevel.of(level),
                        params == null || params.length == 0 ? format : MessageFormat.format(format, params));
            }
        }

        @Override
        public void log(final Level level, final Supplier<String> supplier) {
            if (isLoggable(level)) {
                Vlog.get().log(name, VlogLevel.of(level), supplier.get());
            }
        }

        private static String describe(final Throwable t) {
            final StringBuilder s = new StringBuilder(t.toString());
            for (StackTraceElement e : t.getStackTrace()) {
                s.append("\n\tat ").append(e);
            }
            return s.toString();
        }
    }
}
