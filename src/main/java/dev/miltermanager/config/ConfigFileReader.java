package dev.miltermanager.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads a configuration file and its includes into lines. Syntax: {@code key = value}; blank lines and lines
 * starting with {@code #} are skipped; a value may be wrapped in double quotes; an unquoted value ends before
 * whitespace followed by {@code #} (a trailing comment, as {@code --show-config} writes). {@code include = PATH}
 * (a file, or a directory whose {@code *.conf} files are read in name order) is relative to the including file's
 * directory. Every problem is collected, in its place among the lines ({@link ConfigLine#unreadable}); reading goes
 * on after one.
 */
final class ConfigFileReader {
    static final String INCLUDE = "include";
    /** Statements of the C milter manager's Ruby configuration, which a reader may find in the same directory. */
    private static final Pattern RUBY = Pattern.compile(
            "(define_milter|define_applicable_condition|load_default|load_if_exist|load|remove_milter)\\b|end$");
    private static final String RUBY_HINT = " (this is the C milter manager's Ruby configuration: "
            + "milter-manager import-config translates it, see docs/import-config.md)";

    private final List<ConfigLine> lines = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final Deque<Path> reading = new ArrayDeque<>();

    /** The lines read, in order, includes expanded. */
    List<ConfigLine> lines() {
        return lines;
    }

    /** Every file read, in order. */
    List<Path> files() {
        return files;
    }

    /** Reads one file (and its includes); {@code where} names the line that asked for it, for errors. */
    void read(Path file, String where) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            error(where + "cannot read " + file + ": " + describe(e));
            return;
        }
        if (reading.contains(real)) {
            error(where + "include loop: " + file + " includes itself");
            return;
        }
        List<String> text;
        try {
            text = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            error(where + "cannot read " + file + ": it is not UTF-8 text");
            return;
        } catch (IOException e) {
            error(where + "cannot read " + file + ": " + describe(e));
            return;
        }
        files.add(file);
        reading.push(real);
        try {
            for (int i = 0; i < text.size(); i++) {
                line(file, i + 1, text.get(i));
            }
        } finally {
            reading.pop();
        }
    }

    private void line(Path file, int number, String raw) {
        String text = raw.strip();
        if (text.isEmpty() || text.startsWith("#")) {
            return;
        }
        String origin = file + ":" + number;
        int eq = text.indexOf('=');
        if (eq < 0) {
            error(origin + ": " + text + ": expected key = value" + (RUBY.matcher(text).lookingAt() ? RUBY_HINT : ""));
            return;
        }
        String key = text.substring(0, eq).strip();
        if (!key.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
            error(origin + ": " + text + ": expected key = value, the key made of letters, digits, _ - and .");
            return;
        }
        String value;
        try {
            value = value(text.substring(eq + 1).strip());
        } catch (IllegalArgumentException e) {
            error(origin + ": " + text + ": expected " + e.getMessage());
            return;
        }
        ConfigLine line = ConfigLine.of(key, value, origin);
        if (key.equals(INCLUDE)) {
            include(file, line);
        } else {
            lines.add(line);
        }
    }

    /** The value without quotes or trailing comment. */
    static String value(String text) {
        if (text.startsWith("\"")) {
            int close = text.indexOf('"', 1);
            if (close < 0) {
                throw new IllegalArgumentException("a closing \" (values cannot contain \")");
            }
            String rest = text.substring(close + 1).strip();
            if (!rest.isEmpty() && !rest.startsWith("#")) {
                throw new IllegalArgumentException("nothing but a # comment after the closing \"");
            }
            return text.substring(1, close);
        }
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == '#' && Character.isWhitespace(text.charAt(i - 1))) {
                return text.substring(0, i).strip();
            }
        }
        return text.startsWith("#") ? "" : text;
    }

    private void include(Path file, ConfigLine line) {
        if (line.value().isEmpty()) {
            error(line.problem("expected a file or a directory"));
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Path target = (dir == null ? Path.of(line.value()) : dir.resolve(line.value())).normalize();
        String where = line.origin() + ": include = " + line.value() + ": ";
        if (Files.isDirectory(target)) {
            List<Path> confs;
            try (Stream<Path> s = Files.list(target)) {
                confs = s.filter(p -> p.getFileName().toString().endsWith(".conf") && !Files.isDirectory(p))
                        .sorted().toList();
            } catch (IOException e) {
                error(where + "cannot list " + target + ": " + describe(e));
                return;
            }
            confs.forEach(p -> read(p, where));
        } else if (Files.exists(target)) {
            read(target, where);
        } else {
            error(where + "expected an existing file or directory (" + target + " does not exist)");
        }
    }

    private void error(String text) {
        lines.add(ConfigLine.unreadable(text));
    }

    private static String describe(IOException e) {
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return e.getMessage() == null ? kind : kind + " " + e.getMessage();
    }
}
