package dev.miltermanager.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The Ruby literals a reference configuration uses as values and arguments: strings ({@code "…"} without
 * interpolation, {@code '…'}), numbers, {@code true}/{@code false}/{@code nil}, symbols, regular expressions
 * ({@code /…/i}, {@code %r{…}}) and arrays of these. Anything else (a method call, an interpolated string, a
 * variable) is {@link Untranslatable}. Not thread-safe; one instance per text.
 */
final class RubyValues {

    /** A value that is not a plain literal: the importer lists it instead of guessing. */
    static final class Untranslatable extends Exception {
        Untranslatable(String message) {
            super(message, null, false, false);
        }
    }

    /** A literal, as our configuration writes it: {@code text} is the value, {@code kind} how Ruby spelled it. */
    record Value(Kind kind, String text, List<Value> elements) {
        enum Kind { STRING, NUMBER, BOOLEAN, NIL, SYMBOL, REGEXP, ARRAY }

        static Value of(Kind kind, String text) {
            return new Value(kind, text, List.of());
        }

        /** The value in our format: arrays comma-separated, everything else as {@link #text()}. */
        String written() {
            return kind == Kind.ARRAY ? String.join(", ", elements.stream().map(Value::written).toList()) : text;
        }

        /** The elements of an array, or this value alone. */
        List<Value> flattened() {
            if (kind != Kind.ARRAY) {
                return List.of(this);
            }
            List<Value> all = new ArrayList<>();
            elements.forEach(e -> all.addAll(e.flattened()));
            return all;
        }
    }

    private final String text;
    private int at;

    private RubyValues(String text) {
        this.text = text;
    }

    /** The one literal that is the whole of {@code text}. */
    static Value value(String text) throws Untranslatable {
        RubyValues r = new RubyValues(text.strip());
        Value v = r.literal();
        r.blanks();
        if (r.at != r.text.length()) {
            throw new Untranslatable("'" + text.strip() + "' is not a plain value");
        }
        return v;
    }

    /**
     * The comma-separated literals of an argument list, with or without its parentheses: {@code ("a", /b/)} or
     * {@code "a", /b/}. Keyword options ({@code milters: [...]}) are untranslatable.
     */
    static List<Value> arguments(String text) throws Untranslatable {
        String body = text.strip();
        if (body.startsWith("(") && body.endsWith(")")) {
            body = body.substring(1, body.length() - 1);
        }
        RubyValues r = new RubyValues(body.strip());
        List<Value> values = new ArrayList<>();
        r.blanks();
        while (r.at < r.text.length()) {
            values.add(r.literal());
            r.blanks();
            if (r.at < r.text.length()) {
                if (r.text.charAt(r.at) != ',') {
                    throw new Untranslatable("'" + text.strip() + "' is not a list of plain values");
                }
                r.at++;
                r.blanks();
            }
        }
        return values;
    }

    private Value literal() throws Untranslatable {
        blanks();
        if (at >= text.length()) {
            throw new Untranslatable("a value is missing");
        }
        char c = text.charAt(at);
        if (c == '"') {
            return Value.of(Value.Kind.STRING, doubleQuoted());
        }
        if (c == '\'') {
            return Value.of(Value.Kind.STRING, singleQuoted());
        }
        if (c == '[') {
            return array();
        }
        if (c == '/') {
            return regexp('/', '/');
        }
        if (text.startsWith("%r{", at)) {
            at += 2;
            return regexp('{', '}');
        }
        if (c == ':' && at + 1 < text.length() && Character.isLetter(text.charAt(at + 1))) {
            at++;
            return Value.of(Value.Kind.SYMBOL, word());
        }
        if (c == '-' || c == '+' || Character.isDigit(c)) {
            int start = at;
            at++;
            while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '.'
                    || text.charAt(at) == '_')) {
                at++;
            }
            String number = text.substring(start, at).replace("_", "");
            if (!number.matches("[-+]?(0[xob]?)?[0-9a-fA-F]*(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
                throw new Untranslatable("'" + number + "' is not a number");
            }
            return Value.of(Value.Kind.NUMBER, number);
        }
        String word = word();
        return switch (word) {
            case "true", "false" -> Value.of(Value.Kind.BOOLEAN, word);
            case "nil" -> Value.of(Value.Kind.NIL, "");
            default -> throw new Untranslatable("'" + (word.isEmpty() ? text.substring(at) : word)
                    + "' is Ruby code, not a plain value");
        };
    }

    private String doubleQuoted() throws Untranslatable {
        StringBuilder out = new StringBuilder();
        at++;
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c == '#' && at < text.length() && text.charAt(at) == '{') {
                throw new Untranslatable("the string interpolates Ruby code (#{...})");
            }
            if (c == '\\' && at < text.length()) {
                char e = text.charAt(at++);
                out.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> e;
                });
            } else {
                out.append(c);
            }
        }
        throw new Untranslatable("a string is not closed");
    }

    private String singleQuoted() throws Untranslatable {
        StringBuilder out = new StringBuilder();
        at++;
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '\'') {
                return out.toString();
            }
            if (c == '\\' && at < text.length() && (text.charAt(at) == '\'' || text.charAt(at) == '\\')) {
                out.append(text.charAt(at++));
            } else {
                out.append(c);
            }
        }
        throw new Untranslatable("a string is not closed");
    }

    private Value regexp(char open, char close) throws Untranslatable {
        StringBuilder source = new StringBuilder();
        at++;
        int depth = 0;
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '\\' && at < text.length()) {
                source.append(c).append(text.charAt(at++));
                continue;
            }
            if (open != close && c == open) {
                depth++;
            } else if (c == close && depth-- == 0) {
                String flags = word();
                if (!flags.matches("i?")) {
                    throw new Untranslatable("the regular expression flags '" + flags
                            + "' have no equivalent (only i is supported)");
                }
                if (source.indexOf("#{") >= 0) {
                    throw new Untranslatable("the regular expression interpolates Ruby code (#{...})");
                }
                return Value.of(Value.Kind.REGEXP, "/" + source + "/" + flags);
            }
            source.append(c);
        }
        throw new Untranslatable("a regular expression is not closed");
    }

    private Value array() throws Untranslatable {
        List<Value> elements = new ArrayList<>();
        at++;
        blanks();
        while (at < text.length() && text.charAt(at) != ']') {
            elements.add(literal());
            blanks();
            if (at < text.length() && text.charAt(at) == ',') {
                at++;
                blanks();
            }
        }
        if (at >= text.length()) {
            throw new Untranslatable("an array is not closed");
        }
        at++;
        return new Value(Value.Kind.ARRAY, "", List.copyOf(elements));
    }

    private String word() {
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || text.charAt(at) == '_')) {
            at++;
        }
        return text.substring(start, at);
    }

    private void blanks() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }
}
