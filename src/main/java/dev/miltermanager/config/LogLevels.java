package dev.miltermanager.config;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reference's log levels ({@code default}, {@code all}, {@code critical}, {@code error}, {@code warning},
 * {@code message}, {@code info}, {@code debug}, {@code statistics}, {@code profile}; several joined by {@code |}),
 * and the {@link System.Logger} level each needs: the most verbose named level wins, since the JDK's loggers have
 * one threshold rather than a set of flags. {@code trace} is ours (everything, as {@code all}).
 */
final class LogLevels {
    static final List<String> NAMES = List.of("default", "all", "critical", "error", "warning", "message", "info",
            "debug", "statistics", "profile", "trace");

    private LogLevels() {
    }

    /** The canonical text ({@code warning|statistics}) of a level list; throws naming the levels when bad. */
    static String parse(String text) {
        List<String> names = new ArrayList<>();
        for (String part : text.split("\\|", -1)) {
            String name = part.strip().toLowerCase(Locale.ROOT);
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("log levels " + NAMES + ", several joined by |");
            }
            names.add(name);
        }
        return String.join("|", names);
    }

    /** The threshold of a canonical level list. */
    static Level threshold(String levels) {
        Level most = Level.ERROR;
        for (String name : levels.split("\\|")) {
            Level l = switch (name) {
                case "critical", "error" -> Level.ERROR;
                case "warning" -> Level.WARNING;
                case "default", "message", "info", "statistics" -> Level.INFO;
                case "debug", "profile" -> Level.DEBUG;
                case "trace" -> Level.TRACE;
                case "all" -> Level.ALL;
                default -> throw new IllegalArgumentException("unknown log level " + name);
            };
            if (l.getSeverity() < most.getSeverity()) {
                most = l;
            }
        }
        return most;
    }
}
