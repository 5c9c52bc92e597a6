package dev.miltermanager.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The literal values of the reference's Ruby configuration, as {@code milter-manager.conf} writes them: strings
 * ({@code "…"}, {@code '…'}) unquoted, numbers, {@code true}/{@code false}, {@code nil} as empty, regular
 * expressions ({@code /…/i}) kept, arrays as a comma-separated list. Anything else (a variable, a method call) is
 * not a literal: {@link #parse} throws.
 */
final class RubyValue {
    private RubyValue() {
    }

    /** The values of a comma-separated argument list or a single value; arrays are flattened. */
    static List<String> parseAll(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        List<String> values = new ArrayList<>();
        for (String part : splitTopLevel(t)) {
            if (!part.isBlank()) {
                values.add(parse(part));
            }
        }
        return values;
    }

    static String parse(String text) {
        String t = text.strip();
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            return unescape(t.substring(1, t.length() - 1));
        }
        if (t.matches("/.*/i?")) {
            return t;
        }
        if (t.matches("-?[0-9][0-9_]*(\\.[0-9]+)?") || t.equals("true") || t.equals("false")) {
            return t.replace("_", "");
        }
        if (t.equals("nil")) {
            return "";
        }
        if (t.startsWith("[") && t.endsWith("]")) {
            return String.join(", ", parseAll(t));
        }
        if (t.matches(":[A-Za-z_][A-Za-z0-9_]*")) {
            return t.substring(1);
        }
        throw new IllegalArgumentException("not a literal value: " + t);
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                out.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Splits at commas outside quotes, brackets and regular expressions. */
    static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'' || (c == '/' && text.substring(start, i).isBlank())) {
                quote = c;
            } else if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    /** The line without a trailing {@code # comment} (a {@code #} outside quotes and regular expressions). */
    static String withoutComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '/' && i > 0 && "=(, ".indexOf(prevNonBlank(line, i)) >= 0) {
                quote = '/';
            } else if (c == '#') {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line.stripTrailing();
    }

    private static char prevNonBlank(String line, int i) {
        for (int j = i - 1; j >= 0; j--) {
            if (!Character.isWhitespace(line.charAt(j))) {
                return line.charAt(j);
            }
        }
        return ' ';
    }
}
