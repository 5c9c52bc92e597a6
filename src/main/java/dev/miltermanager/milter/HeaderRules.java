package dev.miltermanager.milter;

/** Checks on what a milter asks the MTA to write, so a bad value fails where it was given. */
final class HeaderRules {
    private HeaderRules() {
    }

    /** A header name: printable US-ASCII without the colon (RFC 5322 field name). */
    static String name(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("header name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == ':') {
                throw new IllegalArgumentException("header name '" + name + "' may hold printable ASCII except ':'"
                        + " and space only");
            }
        }
        return name;
    }

    /** A header value: no NUL, no CR, and every LF followed by a space or tab (a folded line). */
    static String value(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\0' || c == '\r') {
                throw new IllegalArgumentException("header value must not contain NUL or CR; fold lines with LF "
                        + "followed by a space or tab");
            }
            if (c == '\n' && (i + 1 == value.length() || (value.charAt(i + 1) != ' ' && value.charAt(i + 1) != '\t'))) {
                throw new IllegalArgumentException("header value has a line break not followed by a space or tab");
            }
        }
        return value;
    }

    /** A per-name header index, counted from 1. */
    static int index(int index) {
        if (index < 1) {
            throw new IllegalArgumentException("header index counts from 1 among headers of that name, not "
                    + index);
        }
        return index;
    }

    /** A non-empty address without NUL or line breaks. */
    static String address(String address, String what) {
        if (address.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (address.indexOf('\0') >= 0 || address.indexOf('\r') >= 0 || address.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(what + " must not contain NUL, CR or LF");
        }
        return address;
    }
}
