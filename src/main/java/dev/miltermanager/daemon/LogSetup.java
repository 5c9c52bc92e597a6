package dev.miltermanager.daemon;

import dev.miltermanager.config.DaemonSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The daemon's logging: {@link System.Logger} goes to the JDK's default backend (java.util.logging), which is set
 * here to one line per record on standard error, or appended to {@code log.path}, at {@code log.level}.
 */
final class LogSetup {
    private static Optional<Path> current = Optional.empty();

    private LogSetup() {
    }

    /**
     * Applies the settings; on a reload only what changed.
     *
     * @throws IOException when {@code log.path} cannot be opened (the previous logging stays)
     */
    static void apply(DaemonSettings settings) throws IOException {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        Level level = julLevel(settings.logLevel());
        if (root.getHandlers().length == 0 || !settings.logPath().equals(current)) {
            Handler handler = handler(settings.logPath());
            handler.setFormatter(new SimpleFormatter());
            LogManager.getLogManager().reset();
            root.addHandler(handler);
            current = settings.logPath();
        }
        root.setLevel(level);
        for (Handler h : root.getHandlers()) {
            h.setLevel(level);
        }
    }

    private static Handler handler(Optional<Path> path) throws IOException {
        if (path.isEmpty()) {
            return new ConsoleHandler();
        }
        try {
            return new FileHandler(path.get().toString(), true);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot open the log file " + path.get() + " (log.path): " + e.getMessage(), e);
        }
    }

    static Level julLevel(System.Logger.Level level) {
        return switch (level) {
            case ALL -> Level.ALL;
            case TRACE -> Level.FINER;
            case DEBUG -> Level.FINE;
            case INFO -> Level.INFO;
            case WARNING -> Level.WARNING;
            case ERROR -> Level.SEVERE;
            case OFF -> Level.OFF;
        };
    }
}
