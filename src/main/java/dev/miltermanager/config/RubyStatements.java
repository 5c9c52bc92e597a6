package dev.miltermanager.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Ruby configuration into statements with their first line number: comments removed (a {@code #} outside
 * strings and regular expressions), lines joined while a parenthesis or bracket is open or a line ends with a
 * comma or backslash, and {@code ;}-separated statements split (not inside a one-line {@code { |m| … }} block). Full-line comments are kept as statements of their
 * own (starting with {@code #}) so the importer can carry them over.
 */
final class RubyStatements {

    /** One statement: its text (trimmed) and the line it starts on (from 1). */
    record Statement(int line, String text) {
    }

    private RubyStatements() {
    }

    static List<Statement> split(List<String> lines) {
        List<Statement> statements = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        int start = 0;
        int depth = 0;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            if (pending.isEmpty() && raw.strip().startsWith("#")) {
                statements.add(new Statement(i + 1, raw.strip()));
                continue;
            }
            Scan scan = scan(raw);
            if (pending.isEmpty()) {
                start = i + 1;
            } else {
                pending.append(' ');
            }
            pending.append(scan.code.strip());
            depth += scan.depth;
            String text = pending.toString();
            if (depth > 0 || text.endsWith(",") || text.endsWith("\\")) {
                if (text.endsWith("\\")) {
                    pending.setLength(pending.length() - 1);
                }
                continue;
            }
            for (String part : splitSemicolons(text)) {
                if (!part.isBlank()) {
                    statements.add(new Statement(start, part.strip()));
                }
            }
            pending.setLength(0);
            depth = 0;
        }
        if (!pending.isEmpty()) {
            statements.add(new Statement(start, pending.toString().strip()));
        }
        return statements;
    }

    private record Scan(String code, int depth) {
    }

    /** The code of a line without its comment, and how many parentheses and brackets it leaves open. */
    private static Scan scan(String line) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            switch (c) {
                case '"', '\'' -> quote = c;
                case '/' -> {
                    if (startsRegexp(line, i)) {
                        quote = '/';
                    }
                }
                case '(', '[' -> depth++;
                case ')', ']' -> depth--;
                case '#' -> {
                    return new Scan(line.substring(0, i), depth);
                }
                default -> {
                }
            }
        }
        return new Scan(line, depth);
    }

    /** A slash starts a regular expression where a value is expected: after {@code ( , = [}, a blank or the start. */
    private static boolean startsRegexp(String line, int at) {
        int j = at - 1;
        if (j >= 0 && Character.isWhitespace(line.charAt(j))) {
            return true;
        }
        return j < 0 || "(,=[".indexOf(line.charAt(j)) >= 0;
    }

    private static List<String> splitSemicolons(String text) {
        List<String> parts = new ArrayList<>();
        char quote = 0;
        int from = 0;
        int braces = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'' || c == '/' && startsRegexp(text, i)) {
                quote = c;
            } else if (c == '{') {
                braces++;
            } else if (c == '}') {
                braces--;
            } else if (c == ';' && braces <= 0) {
                parts.add(text.substring(from, i));
                from = i + 1;
            }
        }
        parts.add(text.substring(from));
        return parts;
    }
}
