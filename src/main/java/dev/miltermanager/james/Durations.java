package dev.miltermanager.james;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** Durations as administrators write them in the mailet's parameters: seconds by default, or a unit. */
final class Durations {
    private Durations() {
    }

    /**
     * {@code 7}, {@code 1.5} (seconds, as the reference's configuration), {@code 500ms}, {@code 10s}, {@code 5min},
     * {@code 1h}; positive.
     *
     * @throws IllegalArgumentException saying what is expected
     */
    static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unitNanos;
        String number;
        if (t.endsWith("ms")) {
            unitNanos = 1_000_000L;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("min")) {
            unitNanos = 60_000_000_000L;
            number = t.substring(0, t.length() - 3);
        } else if (t.endsWith("h")) {
            unitNanos = 3_600_000_000_000L;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("s")) {
            unitNanos = 1_000_000_000L;
            number = t.substring(0, t.length() - 1);
        } else {
            unitNanos = 1_000_000_000L;
            number = t;
        }
        try {
            BigDecimal nanos = new BigDecimal(number.trim()).multiply(BigDecimal.valueOf(unitNanos));
            if (nanos.signum() <= 0) {
                throw new IllegalArgumentException("'" + text + "' is not a positive duration");
            }
            return Duration.ofNanos(nanos.longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected seconds such as 7 or 1.5,"
                    + " or a number with ms, s, min or h)");
        }
    }

    /** The shortest spelling {@link #parse} reads back. */
    static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
