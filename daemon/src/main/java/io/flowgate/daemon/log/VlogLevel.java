package io.flowgate.daemon.log;

/** Open vSwitch's log levels, most severe first. */
public enum VlogLevel {
    OFF, EMER, ERR, WARN, INFO, DBG;

    /** The level for one of OVS's names only (off, emer, err, warn, info, dbg, in any case), or null. */
    static VlogLevel byName(final String name) {
        for (VlogLevel l : values()) {
            if (l.name().equalsIgnoreCase(name)) {
                return l;
            }
        }
        return null;
    }

    /** The level of a JDK platform-logging level. */
    static VlogLevel of(final System.Logger.Level level) {
        return switch (level) {
            case ERROR -> ERR;
            case WARNING -> WARN;
            case INFO -> INFO;
            case ALL, DEBUG, TRACE -> DBG;
            case OFF -> OFF;
        };
    }

    /** The syslog(3) severity OVS sends for this level (LOG_ALERT for emer, LOG_NOTICE for info). */
    int syslogLevel() {
        return switch (this) {
            case OFF, EMER -> 1;
            case ERR -> 3;
            case WARN -> 4;
            case INFO -> 5;
            case DBG -> 7;
        };
    }

    /** True if a message of level {@code message} passes a destination set to this level. */
    boolean passes(final VlogLevel message) {
        return message != OFF && message.ordinal() <= ordinal();
    }
}
