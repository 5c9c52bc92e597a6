package dev.miltermanager.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell variable assignments of service settings files ({@code /etc/default/NAME}, {@code /etc/sysconfig/NAME},
 * {@code rc.conf}, systemd {@code EnvironmentFile}s): {@code NAME=value}, {@code export NAME=value}, values quoted
 * with {@code "…"} or {@code '…'} or bare. {@code $VAR} and {@code ${VAR}} (also {@code ${VAR:-default}}) are
 * expanded from the variables assigned before, as the shell would; an unknown variable is left as written, so a
 * value that still holds a {@code $} is known to be unusable. Lines in control structures are read like the rest:
 * settings files are flat in practice. Not thread-safe.
 */
final class ShellSettings {
    private static final Pattern ASSIGNMENT =
            Pattern.compile("^\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$");
    private static final Pattern REFERENCE =
            Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=]([^}]*))?}|([A-Za-z_][A-Za-z0-9_]*))");

    private final Map<String, Setting> variables = new HashMap<>();

    /** Reads the assignments of one file, in order; later assignments replace earlier ones. */
    void read(SystemFile file) {
        List<String> lines = file.lines();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = ASSIGNMENT.matcher(lines.get(i));
            if (m.matches()) {
                put(m.group(1), value(m.group(2)), file.origin(i + 1));
            }
        }
    }

    void put(String name, String value, String origin) {
        variables.put(name, new Setting(value, origin));
    }

    Optional<Setting> get(String name) {
        return Optional.ofNullable(variables.get(name));
    }

    /** The first variable of {@code names} that is set to a non-blank value. */
    Optional<Setting> first(List<String> names) {
        return names.stream().map(variables::get)
                .filter(s -> s != null && !s.value().isBlank()).findFirst();
    }

    /** The shell value of the text right of {@code =}: quotes removed, variables expanded, trailing comment cut. */
    String value(String raw) {
        String text = raw.strip();
        if (text.startsWith("'")) {
            int end = text.indexOf('\'', 1);
            return end < 0 ? text.substring(1) : text.substring(1, end);
        }
        if (text.startsWith("\"")) {
            int end = closingQuote(text);
            return expand(end < 0 ? text.substring(1) : text.substring(1, end));
        }
        int cut = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || c == ';') {
                cut = i;
                break;
            }
        }
        return expand(text.substring(0, cut));
    }

    /** Expands {@code $VAR}, {@code ${VAR}} and {@code ${VAR:-default}} from the variables read so far. */
    String expand(String text) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(3);
            Setting known = variables.get(name);
            String replacement;
            if (known != null && !known.value().isEmpty()) {
                replacement = known.value();
            } else if (m.group(2) != null) {
                replacement = m.group(2);
            } else {
                replacement = m.group();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Splits a command line into words as the shell would for simple commands: blanks separate words, quotes
     * group, a backslash escapes the next character. No expansion happens here.
     */
    static List<String> words(String line) {
        return ShellWords.splitLeniently(line);
    }

    /**
     * The value of {@code option} in a command's words: the word after the last {@code -p}, or the rest of a
     * glued {@code -pVALUE}; for a long option also {@code --option=VALUE}.
     */
    static Optional<String> optionValue(List<String> words, String option) {
        for (int i = words.size() - 1; i >= 0; i--) {
            String w = words.get(i);
            if (w.equals(option)) {
                if (i + 1 < words.size()) {
                    return Optional.of(words.get(i + 1));
                }
            } else if (option.startsWith("--") && w.startsWith(option + "=")) {
                return Optional.of(w.substring(option.length() + 1));
            } else if (!option.startsWith("--") && w.startsWith(option) && w.length() > option.length()) {
                return Optional.of(w.substring(option.length()));
            }
        }
        return Optional.empty();
    }

    private static int closingQuote(String text) {
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return -1;
    }
}
