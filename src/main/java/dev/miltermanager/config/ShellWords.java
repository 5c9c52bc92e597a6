package dev.miltermanager.config;

import java.util.ArrayList;
import java.util.List;

/** Command lines written as one line of shell-like words: spaces separate, {@code '…'} and {@code "…"} quote. */
final class ShellWords {
    private ShellWords() {
    }

    /**
     * The words of a command line: blanks separate words, quotes group, a backslash escapes the next character
     * (also inside double quotes). No expansion happens.
     *
     * @throws IllegalArgumentException when a quote is left open
     */
    static List<String> split(String line) {
        return split(line, true);
    }

    /** As {@link #split(String)}, but an open quote runs to the end of the line (for files we only read). */
    static List<String> splitLeniently(String line) {
        return split(line, false);
    }

    private static List<String> split(String line, boolean strict) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0 && strict) {
            throw new IllegalArgumentException("a command line whose quotes are closed");
        }
        if (inWord) {
            words.add(word.toString());
        }
        return List.copyOf(words);
    }

    /** Words joined so that {@link #split} gives them back. */
    static String join(List<String> words) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            out.add(w.isEmpty() || !w.matches("[A-Za-z0-9_@%+=:,./-]+") ? "'" + w.replace("'", "'\\''") + "'" : w);
        }
        return String.join(" ", out);
    }
}
