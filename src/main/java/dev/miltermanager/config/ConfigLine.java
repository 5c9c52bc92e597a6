package dev.miltermanager.config;

/**
 * One {@code key = value} line, with quotes and a trailing comment removed, and where it came from; or, with an
 * empty key, a line that could not be read, whose value is the error (so errors stay in file order).
 *
 * @param origin {@code file:line}, {@code detected (file:line)} or {@code command line (--option)}
 * @param detected whether detection produced it (its problems are warnings, not errors)
 */
record ConfigLine(String key, String value, String origin, boolean detected) {

    static ConfigLine of(String key, String value, String origin) {
        return new ConfigLine(key, value, origin, false);
    }

    /** A line that could not be read: {@code error} names its origin already. */
    static ConfigLine unreadable(String error) {
        return new ConfigLine("", error, "", false);
    }

    boolean isUnreadable() {
        return key.isEmpty();
    }

    /** The error or warning text about this line: {@code origin: key = value: what}. */
    String problem(String what) {
        return origin + ": " + key + " = " + value + ": " + what;
    }
}
