package dev.miltermanager.config;

import dev.miltermanager.config.RubyStatements.Statement;
import dev.miltermanager.config.RubyValues.Untranslatable;
import dev.miltermanager.config.RubyValues.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a reference configuration ({@code milter-manager.local.conf}, Ruby) in its common form into our
 * {@code milter-manager.conf}: {@code define_milter} blocks, {@code manager.}/{@code controller.}/{@code log.}/
 * {@code security.}/{@code package.} items, {@code remove_milter}, and the built-in conditions' parameters. What it
 * cannot translate (Ruby code, custom conditions, unknown items) is kept in the output as a
 * {@code # NOT TRANSLATED} comment and listed in {@link Result#untranslated()} with its line: nothing is dropped
 * silently. Not thread-safe; one instance per file.
 */
final class RubyConfigTranslator {
    private static final Pattern DEFINE_MILTER = Pattern.compile(
            "^define_milter\\s*\\(?\\s*(.+?)\\s*\\)?\\s*(?:do\\s*\\|\\s*(\\w+)\\s*\\||\\{\\s*\\|\\s*(\\w+)\\s*\\|(.*)\\})\\s*$");
    private static final Pattern DEFINE_MILTER_OPEN_BRACE = Pattern.compile(
            "^define_milter\\s*\\(?\\s*(.+?)\\s*\\)?\\s*\\{\\s*\\|\\s*(\\w+)\\s*\\|\\s*$");
    private static final Pattern ITEM = Pattern.compile("^(\\w+)\\.(\\w+)\\s*=\\s*(.+)$");
    private static final Pattern CALL = Pattern.compile("^(\\w+)\\.(\\w+)\\s*(\\(.*\\)|\\s.*)?$");
    private static final Pattern TOP_CALL = Pattern.compile("^(\\w+)\\s*(\\(.*\\)|\\s.*)?$");
    private static final Pattern BLOCK_OPENER = Pattern.compile(
            "(?:\\bdo\\s*(?:\\|[^|]*\\|)?|\\{\\s*(?:\\|[^|]*\\|)?)$|^(?:if|unless|case|while|until|begin|def|class|module)\\b");

    /**
     * The translation.
     *
     * @param lines our configuration's lines
     * @param untranslated one line per statement not translated: {@code FILE:LINE: what and why}
     */
    record Result(List<String> lines, List<String> untranslated) {
    }

    private final String file;
    private final Map<String, List<String>> presets;
    private final List<String> out = new ArrayList<>();
    private final List<String> untranslated = new ArrayList<>();
    private final Map<String, Conditions> conditions = new LinkedHashMap<>();
    /** The open {@code define_milter} block: milter name and block variable; null at top level. */
    private String milter;
    private String milterVariable;

    /** Tracks a milter's applicable conditions: set by assignment, or added to its detected presets. */
    private static final class Conditions {
        final List<String> names = new ArrayList<>();
        boolean assigned;
        boolean changed;
        int firstLine;
    }

    /**
     * @param file the file's name, for messages
     * @param presets the preset conditions of the milters detected on this machine, by name: what
     *     {@code add_applicable_condition} adds to in the reference
     */
    RubyConfigTranslator(String file, Map<String, List<String>> presets) {
        this.file = file;
        this.presets = presets;
    }

    Result translate(List<String> lines) {
        List<Statement> statements = RubyStatements.split(lines);
        for (int i = 0; i < statements.size(); i++) {
            i = statement(statements, i);
        }
        if (milter != null) {
            notTranslated(lines.size(), "define_milter(\"" + milter + "\")", "the block has no 'end'");
            closeMilter();
        }
        return new Result(List.copyOf(out), List.copyOf(untranslated));
    }

    /** Translates the statement at {@code i}; returns the index of the last statement it used. */
    private int statement(List<Statement> statements, int i) {
        Statement s = statements.get(i);
        String text = s.text();
        if (text.startsWith("#")) {
            if (!text.startsWith("# -*-")) {
                out.add(text);
            }
            return i;
        }
        if (milter != null && (text.equals("end") || text.equals("}"))) {
            closeMilter();
            return i;
        }
        if (milter == null) {
            Matcher define = DEFINE_MILTER.matcher(text);
            Matcher brace = DEFINE_MILTER_OPEN_BRACE.matcher(text);
            if (define.matches() || brace.matches()) {
                Matcher m = define.matches() ? define : brace;
                return openMilter(statements, i, m, define.matches());
            }
        }
        if (BLOCK_OPENER.matcher(text).find()) {
            return skipBlock(statements, i);
        }
        try {
            if (milter != null) {
                milterStatement(s);
            } else {
                topStatement(s);
            }
        } catch (Untranslatable e) {
            notTranslated(s.line(), text, e.getMessage());
        }
        return i;
    }

    private int openMilter(List<Statement> statements, int i, Matcher m, boolean doOrInline) {
        Statement s = statements.get(i);
        String name;
        try {
            Value v = RubyValues.value(m.group(1));
            if (v.kind() != Value.Kind.STRING) {
                throw new Untranslatable("the milter's name is not a string");
            }
            name = v.text();
        } catch (Untranslatable e) {
            return skipBlock(statements, i);
        }
        out.add("");
        out.add("# define_milter(\"" + name + "\") (" + file + ":" + s.line() + ")");
        milter = name;
        if (doOrInline && m.group(3) != null) {
            milterVariable = m.group(3);
            for (Statement inner : RubyStatements.split(List.of(m.group(4)))) {
                try {
                    milterStatement(new Statement(s.line(), inner.text()));
                } catch (Untranslatable e) {
                    notTranslated(s.line(), inner.text(), e.getMessage());
                }
            }
            closeMilter();
        } else {
            milterVariable = m.group(2);
        }
        return i;
    }

    private void closeMilter() {
        Conditions c = conditions.get(milter);
        if (c != null && c.changed) {
            List<String> list = new ArrayList<>(c.names);
            if (!c.assigned && presets.containsKey(milter)) {
                list.addAll(0, presets.get(milter));
                out.add("# the preset conditions of the detected " + milter + " (" + String.join(", ",
                        presets.get(milter)) + ") and those added at line " + c.firstLine);
            }
            out.add(key("applicable_conditions") + " = " + String.join(", ", list.stream().distinct().toList()));
            c.changed = false;
        }
        milter = null;
        milterVariable = null;
    }

    private void milterStatement(Statement s) throws Untranslatable {
        String text = s.text();
        String prefix = milterVariable + ".";
        if (!text.startsWith(prefix)) {
            throw new Untranslatable("Ruby code inside define_milter");
        }
        Matcher item = ITEM.matcher(text);
        Conditions c = conditions.computeIfAbsent(milter, n -> new Conditions());
        if (item.matches() && item.group(2).equals("applicable_conditions")) {
            c.names.clear();
            RubyValues.value(item.group(3)).flattened().forEach(v -> c.names.add(v.text()));
            c.assigned = true;
            mark(c, s);
            return;
        }
        Matcher call = CALL.matcher(text);
        if (call.matches() && call.group(2).equals("add_applicable_condition")) {
            RubyValues.arguments(call.group(3) == null ? "" : call.group(3)).forEach(v -> c.names.add(v.text()));
            mark(c, s);
            return;
        }
        Matcher append = Pattern.compile("^\\w+\\.applicable_conditions\\s*(?:<<|\\+=)\\s*(.+)$").matcher(text);
        if (append.matches()) {
            RubyValues.value(append.group(1)).flattened().forEach(v -> c.names.add(v.text()));
            mark(c, s);
            return;
        }
        if (!item.matches()) {
            throw new Untranslatable("not a milter item assignment");
        }
        if (!RubyItems.MILTER_ITEMS.contains(item.group(2))) {
            throw new Untranslatable("'" + item.group(2) + "' is not a milter item of the reference");
        }
        Value value = RubyValues.value(item.group(3));
        if (item.group(2).equals("command") || item.group(2).equals("command_options")) {
            out.add(key(item.group(2)) + " = " + RubyItems.commandLine(value));
        } else {
            out.add(key(item.group(2)) + " = " + RubyItems.plain(value));
        }
    }

    private static void mark(Conditions c, Statement s) {
        if (!c.changed) {
            c.firstLine = s.line();
        }
        c.changed = true;
    }

    private String key(String item) {
        return "milter." + milter + "." + item;
    }

    private void topStatement(Statement s) throws Untranslatable {
        String text = s.text();
        Matcher item = ITEM.matcher(text);
        if (item.matches() && RubyItems.ITEMS.containsKey(item.group(1))) {
            if (!RubyItems.ITEMS.get(item.group(1)).contains(item.group(2))) {
                throw new Untranslatable("'" + item.group(1) + "." + item.group(2) + "' is not an item of the reference");
            }
            out.add(item.group(1) + "." + item.group(2) + " = " + RubyItems.plain(RubyValues.value(item.group(3))));
            return;
        }
        if (item.matches() && RubyItems.isParameter(item.group(1) + "." + item.group(2))) {
            out.addAll(RubyItems.parameter(item.group(1) + "." + item.group(2), List.of(RubyValues.value(item.group(3)))));
            return;
        }
        Matcher call = CALL.matcher(text);
        if (call.matches() && call.group(1).equals("manager")
                && call.group(2).equals("use_netstat_connection_checker")) {
            List<Value> args = RubyValues.arguments(call.group(3) == null ? "" : call.group(3));
            if (args.size() > 1) {
                throw new Untranslatable("use_netstat_connection_checker takes one interval");
            }
            // the reference's default interval is 5 s; our checker reads /proc/net/tcp instead of running netstat
            out.add("manager.connection_check_interval = " + (args.isEmpty() ? "5" : RubyItems.plain(args.getFirst())));
            return;
        }
        if (call.matches() && RubyItems.isParameter(call.group(1) + "." + call.group(2))) {
            String args = call.group(3) == null ? "" : call.group(3);
            out.addAll(RubyItems.parameter(call.group(1) + "." + call.group(2), RubyValues.arguments(args)));
            return;
        }
        Matcher top = TOP_CALL.matcher(text);
        if (top.matches()) {
            String args = top.group(2) == null ? "" : top.group(2);
            switch (top.group(1)) {
                case "remove_milter" -> {
                    for (Value v : RubyValues.arguments(args)) {
                        out.add("remove_milter = " + v.text());
                    }
                    return;
                }
                case "load_default" -> {
                    out.add("# " + text + " (line " + s.line() + "): detection is built in; nothing to write");
                    return;
                }
                case "load", "load_if_exist" -> {
                    List<Value> files = RubyValues.arguments(args);
                    if (files.size() == 1 && files.getFirst().text().startsWith("applicable-conditions/")) {
                        out.add("# " + text + " (line " + s.line() + "): the conditions are built in; nothing to write");
                        return;
                    }
                    throw new Untranslatable("it loads another Ruby file: import that file too and 'include' the result");
                }
                case "restrict_accounts_by_list" -> {
                    if (args.matches(".*\\b\\w+:\\s.*")) {
                        throw new Untranslatable("options (condition_name:, milters:) have no equivalent; only the"
                                + " account list translates");
                    }
                    for (Value v : RubyValues.arguments(args)) {
                        out.add("restrict_accounts.add_account = " + RubyItems.parameterValue(v));
                    }
                    return;
                }
                default -> {
                }
            }
        }
        if (text.startsWith("database.")) {
            throw new Untranslatable("this manager keeps no database");
        }
        if (call.matches() && RubyItems.ITEMS.containsKey(call.group(1))) {
            throw new Untranslatable("'" + call.group(1) + "." + call.group(2)
                    + "' is a method of the reference with no equivalent in milter-manager.conf");
        }
        throw new Untranslatable("not a statement this importer knows");
    }

    /** Keeps a Ruby block (custom code) as comments, reported once with its line range. */
    private int skipBlock(List<Statement> statements, int i) {
        int depth = 0;
        int j = i;
        for (; j < statements.size(); j++) {
            String text = statements.get(j).text();
            if (text.startsWith("#")) {
                continue;
            }
            if (BLOCK_OPENER.matcher(text).find()) {
                depth++;
            } else if (text.equals("end") || text.equals("}") || text.startsWith("end ") || text.startsWith("end.")) {
                depth--;
            }
            if (depth == 0) {
                break;
            }
        }
        int last = Math.min(j, statements.size() - 1);
        Statement first = statements.get(i);
        String what = "a Ruby block (lines " + first.line() + "-" + statements.get(last).line()
                + ") is custom code; write it as a Java condition (see docs/conditions.md) or leave it out";
        untranslated.add(file + ":" + first.line() + ": " + first.text() + ": " + what);
        out.add("# NOT TRANSLATED (line " + first.line() + "): " + what);
        for (int k = i; k <= last; k++) {
            out.add("#   " + statements.get(k).text());
        }
        return last;
    }

    private void notTranslated(int line, String text, String why) {
        untranslated.add(file + ":" + line + ": " + text + ": " + why);
        out.add("# NOT TRANSLATED (line " + line + "): " + text + "   -- " + why);
    }
}
