package dev.miltermanager.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a configuration of the C milter manager (its Ruby DSL, {@code milter-manager.local.conf}) in its
 * common form into a {@code milter-manager.conf}: {@code define_milter} blocks with {@code milter.ITEM = value}
 * and {@code add_applicable_condition}, {@code manager.ITEM = value} and the other sections, the built-in
 * conditions' settings ({@code s25r.add_whitelist(/…/)}), and {@code remove_milter}. A line it cannot translate
 * (Ruby code, {@code define_applicable_condition} blocks, a value that is not a literal, an item this
 * implementation does not know) is never dropped silently: it is listed with its line, and written into the
 * output as a comment.
 */
public final class ReferenceImport {
    private static final Pattern DEFINE_MILTER = Pattern.compile(
            "define_milter\\s*\\(?\\s*([\"'])([^\"']+)\\1\\s*\\)?\\s*(?:do\\s*\\|\\s*(\\w+)\\s*\\||\\{\\s*\\|\\s*(\\w+)\\s*\\|)");
    private static final Pattern ASSIGN = Pattern.compile("(\\w+)\\.(\\w+)\\s*=\\s*(.+)");
    private static final Pattern CALL = Pattern.compile("(\\w+)\\.(\\w+)\\s*(?:\\((.*)\\)|\\s(.+))");
    private static final Pattern REMOVE = Pattern.compile("remove_milter\\s*\\(?\\s*([\"'])([^\"']+)\\1\\s*\\)?");
    private static final Pattern BLOCK_START = Pattern.compile(".*(\\bdo\\b\\s*(\\|[^|]*\\|)?|\\{\\s*\\|[^|]*\\|)\\s*$");
    private static final Set<String> SECTIONS = Set.of("package", "security", "log", "manager", "controller",
            "database");

    /**
     * The translation.
     *
     * @param text the {@code milter-manager.conf} written
     * @param untranslated each line not translated, as {@code file:line: text: why}
     */
    public record Result(String text, List<String> untranslated) {
        public Result {
            untranslated = List.copyOf(untranslated);
        }
    }

    private final Path file;
    private final StringBuilder out = new StringBuilder();
    private final List<String> untranslated = new ArrayList<>();
    private final Map<String, List<String>> conditionsAdded = new LinkedHashMap<>();
    private final ConfigModel checker = new ConfigModel(ConditionLoading.prefixes(
            ReferenceImport.class.getClassLoader()));

    private ReferenceImport(Path file) {
        this.file = file;
    }

    /** Translates {@code file}. */
    public static Result translate(Path file) throws IOException {
        ReferenceImport t = new ReferenceImport(file);
        t.run(Files.readAllLines(file, StandardCharsets.UTF_8));
        return new Result(t.out.toString(), t.untranslated);
    }

    private void run(List<String> lines) {
        out.append("# milter-manager.conf translated from ").append(file).append(" by milter-manager import-config\n");
        String milter = null;
        String variable = null;
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String raw = lines.get(i);
            String line = RubyValue.withoutComment(raw).strip();
            if (line.isEmpty()) {
                if (raw.strip().startsWith("#")) {
                    out.append(raw.strip()).append('\n');
                } else if (milter == null) {
                    out.append('\n');
                }
                continue;
            }
            Matcher m;
            if (milter == null && (m = DEFINE_MILTER.matcher(line)).matches()) {
                milter = m.group(2);
                variable = m.group(3) != null ? m.group(3) : m.group(4);
            } else if (milter != null && (line.equals("end") || line.equals("}"))) {
                flushConditions(milter, number);
                milter = null;
            } else if (milter != null) {
                milterLine(milter, variable, line, number, raw);
            } else if ((m = REMOVE.matcher(line)).matches()) {
                emit("remove_milter", m.group(2), number, raw);
            } else if (BLOCK_START.matcher(line).matches()) {
                i = skipBlock(lines, i, raw);
            } else {
                topLevel(line, number, raw);
            }
        }
        if (milter != null) {
            skip(lines.size(), "define_milter(\"" + milter + "\")", "the block has no end");
        }
    }

    private void milterLine(String milter, String variable, String line, int number, String raw) {
        Matcher m = ASSIGN.matcher(line);
        if (m.matches() && m.group(1).equals(variable)) {
            String item = m.group(2);
            if (item.equals("applicable_conditions")) {
                values(m.group(3), number, raw).ifPresent(v -> conditionsAdded.computeIfAbsent(milter,
                        k -> new ArrayList<>()).addAll(v));
                return;
            }
            value(m.group(3), number, raw).ifPresent(v -> emit("milter." + milter + "." + item, v, number, raw));
            return;
        }
        m = CALL.matcher(line);
        if (m.matches() && m.group(1).equals(variable) && m.group(2).equals("add_applicable_condition")) {
            values(args(m), number, raw).ifPresent(v -> conditionsAdded.computeIfAbsent(milter,
                    k -> new ArrayList<>()).addAll(v));
            return;
        }
        skip(number, raw, "not a milter." + "ITEM = value line of define_milter");
    }

    private void flushConditions(String milter, int number) {
        List<String> names = conditionsAdded.remove(milter);
        if (names != null) {
            emit("milter." + milter + ".applicable_conditions", String.join(", ", names), number, "");
        }
    }

    private void topLevel(String line, int number, String raw) {
        Matcher m = ASSIGN.matcher(line);
        if (m.matches()) {
            value(m.group(3), number, raw).ifPresent(v -> emit(m.group(1) + "." + m.group(2), v, number, raw));
            return;
        }
        Matcher c = CALL.matcher(line);
        if (c.matches() && !SECTIONS.contains(c.group(1))) {
            values(args(c), number, raw).ifPresent(vs -> {
                String key = c.group(1) + "." + c.group(2);
                if (vs.isEmpty()) {
                    emit(key, "true", number, raw);
                } else {
                    vs.forEach(v -> emit(key, v, number, raw));
                }
            });
            return;
        }
        skip(number, raw, "Ruby code this translation does not know");
    }

    private static String args(Matcher call) {
        return call.group(3) != null ? call.group(3) : call.group(4);
    }

    /** Skips a Ruby block (define_applicable_condition, …) up to its matching end; returns its last index. */
    private int skipBlock(List<String> lines, int start, String raw) {
        int depth = 0;
        int i = start;
        for (; i < lines.size(); i++) {
            String l = RubyValue.withoutComment(lines.get(i)).strip();
            if (BLOCK_START.matcher(l).matches()) {
                depth++;
            }
            if (l.equals("end") || l.equals("}") || l.startsWith("end ") || l.startsWith("end.")) {
                depth--;
            }
            if (depth == 0) {
                break;
            }
        }
        int last = Math.min(i, lines.size() - 1);
        skip(start + 1, raw, "a Ruby block (lines " + (start + 1) + "-" + (last + 1) + "): write it as a Java "
                + "condition, see docs/conditions.md");
        for (int j = start + 1; j <= last; j++) {
            out.append("#   ").append(lines.get(j)).append('\n');
        }
        return last;
    }

    private java.util.Optional<String> value(String text, int number, String raw) {
        try {
            return java.util.Optional.of(RubyValue.parse(text));
        } catch (IllegalArgumentException e) {
            skip(number, raw, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    private java.util.Optional<List<String>> values(String text, int number, String raw) {
        try {
            return java.util.Optional.of(RubyValue.parseAll(text == null ? "" : text));
        } catch (IllegalArgumentException e) {
            skip(number, raw, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /** Writes a line if this implementation reads it back without error; else lists it as untranslated. */
    private void emit(String key, String value, int number, String raw) {
        String origin = file + ":" + number;
        int before = checker.errors.size();
        checker.apply(ConfigLine.of(key, value, origin));
        if (checker.errors.size() > before) {
            String error = checker.errors.get(checker.errors.size() - 1);
            String prefix = ConfigLine.of(key, value, origin).problem("");
            skip(number, raw.isEmpty() ? key + " = " + value : raw, error.substring(prefix.length()));
            return;
        }
        out.append(key).append(" = ").append(ShowConfig.quoted(value)).append('\n');
    }

    private void skip(int number, String raw, String why) {
        untranslated.add(file + ":" + number + ": " + raw.strip() + ": " + why);
        out.append("# NOT TRANSLATED (line ").append(number).append(", ").append(why).append("): ")
                .append(raw.strip()).append('\n');
    }
}
