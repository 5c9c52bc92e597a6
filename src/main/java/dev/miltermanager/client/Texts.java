package dev.miltermanager.client;

import java.time.Duration;

/** Wording shared by the client's exception messages and logs. */
final class Texts {
    private Texts() {
    }

    /** A duration as people read it: {@code 300 ms}, {@code 7 s}, {@code 1.5 s}. */
    static String format(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return String.format(java.util.Locale.ROOT, "%.3f s", millis / 1000.0).replaceAll("0+ s$", " s");
    }

    /** An exception as a short phrase: its message, or its type when it has none. */
    static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
