package dev.miltermanager.manager;

import java.util.Objects;

/**
 * One message header as the milter protocol carries it: the field name without the colon, and the value as the
 * MTA sent it (folded lines joined with a bare LF; leading space as negotiated). Immutable.
 */
record HeaderField(String name, String value) {

    HeaderField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** Whether this header is called {@code other}, ignoring ASCII case as both MTAs do. */
    boolean isNamed(String other) {
        return sameName(name, other);
    }

    /** Header names compare ignoring ASCII case only (the MTAs use {@code strcasecmp} in the C locale). */
    static boolean sameName(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (asciiLower(a.charAt(i)) != asciiLower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The name with ASCII letters lowered: a key under which same-named headers meet. */
    static String nameKey(String name) {
        StringBuilder key = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            key.append(asciiLower(name.charAt(i)));
        }
        return key.toString();
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
}
