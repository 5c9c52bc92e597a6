package dev.miltermanager.manager;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the manager logs through {@code System.Logger} (backed by {@code java.util.logging} in tests), at
 * every level, below a logger name such as {@code dev.miltermanager.manager}. Close it to restore the logger.
 */
final class LogCapture implements AutoCloseable {
    /** The logger of the manager's package: every class of it logs below this name. */
    static final String MANAGER = "dev.miltermanager.manager";

    private final Logger logger;
    private final Level previousLevel;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    LogCapture(String loggerName) {
        this.logger = Logger.getLogger(loggerName);
        this.previousLevel = logger.getLevel();
        handler.setLevel(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    /** The messages logged so far, in order. */
    List<String> messages() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    /** The messages that start with {@code prefix}. */
    List<String> startingWith(String prefix) {
        return messages().stream().filter(m -> m.startsWith(prefix)).toList();
    }

    /** The messages that contain {@code text}, with their level. */
    List<LogRecord> containing(String text) {
        return records.stream().filter(r -> r.getMessage() != null && r.getMessage().contains(text)).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(previousLevel);
    }
}
