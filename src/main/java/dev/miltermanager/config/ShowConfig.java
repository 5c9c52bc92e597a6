package dev.miltermanager.config;

import dev.miltermanager.policy.ConditionParameter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the effective configuration as a configuration file: every item, defaults included, one per line as
 * {@code key = value  # origin}. Reading the text back gives the same configuration.
 */
final class ShowConfig {
    private ShowConfig() {
    }

    static String write(ConfigModel model, List<Path> files, List<String> conditionNames) {
        StringBuilder out = new StringBuilder();
        out.append("# milter-manager: the effective configuration, each item with its origin\n");
        out.append("# files read: ").append(files.isEmpty() ? "none (defaults)" : join(files)).append('\n');
        String section = "";
        for (Item item : Items.MANAGER) {
            String s = item.key().substring(0, item.key().indexOf('.'));
            if (!s.equals(section)) {
                out.append('\n');
                section = s;
            }
            line(out, item.key(), item, model.manager);
        }
        out.append("\n# applicable conditions: ").append(String.join(", ", conditionNames))
                .append(" (parameters: docs/conditions.md)\n");
        for (ConditionParameter p : model.conditionParameters) {
            entry(out, p.key(), p.value(), p.origin());
        }
        for (ConfigModel.Child child : model.children.values()) {
            out.append("\n# milter ").append(child.name).append('\n');
            for (Item item : Items.MILTER) {
                line(out, Items.MILTER_PREFIX + child.name + "." + item.key(), item, child.items);
            }
        }
        for (String removed : model.removals) {
            out.append("\n# removed: milter ").append(removed).append('\n');
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String key, Item item, Map<String, ItemValue> set) {
        ItemValue s = set.get(item.key());
        entry(out, key, s == null ? item.defaultText() : s.text(), s == null ? "default" : s.origin());
    }

    private static void entry(StringBuilder out, String key, String value, String origin) {
        out.append(key).append(" = ").append(quoted(value)).append("  # ").append(origin).append('\n');
    }

    /** A value as written in a file: quoted when it would otherwise read back differently. */
    static String quoted(String value) {
        boolean needs = !value.equals(value.strip()) || value.startsWith("\"") || value.startsWith("#")
                || value.matches("(?s).*\\s#.*");
        return needs ? "\"" + value + "\"" : value;
    }

    private static String join(List<Path> files) {
        return String.join(", ", files.stream().map(Path::toString).toList());
    }
}
