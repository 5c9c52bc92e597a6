package dev.miltermanager.config;

import dev.miltermanager.policy.ConditionParameter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration as the lines left it, before it becomes a {@code MilterManagerConfig}: the manager's items that
 * were set, the children in order of first appearance with their items, the condition parameters, and every error
 * and warning with its origin. Lines are applied in order; a later line overrides an earlier one item by item.
 */
final class ConfigModel {
    static final String REMOVE_MILTER = "remove_milter";

    /** A child as the lines define it. */
    static final class Child {
        final String name;
        final Map<String, ItemValue> items = new LinkedHashMap<>();
        final String firstOrigin;

        Child(String name, String firstOrigin) {
            this.name = name;
            this.firstOrigin = firstOrigin;
        }

        Optional<ItemValue> get(String item) {
            return Optional.ofNullable(items.get(item));
        }
    }

    final Map<String, ItemValue> manager = new LinkedHashMap<>();
    final Map<String, Child> children = new LinkedHashMap<>();
    final List<ConditionParameter> conditionParameters = new ArrayList<>();
    final List<String> removals = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    private final Set<String> conditionPrefixes;
    private final Set<String> warnedIgnored = new HashSet<>();
    private final Set<String> skippedDetected = new HashSet<>();

    /** @param conditionPrefixes the parameter prefixes of the known conditions ({@code s25r}, …) */
    ConfigModel(Set<String> conditionPrefixes) {
        this.conditionPrefixes = Set.copyOf(conditionPrefixes);
    }

    void apply(ConfigLine line) {
        if (line.isUnreadable()) {
            errors.add(line.value());
            return;
        }
        String key = line.key();
        if (key.equals(REMOVE_MILTER)) {
            remove(line);
            return;
        }
        int dot = key.indexOf('.');
        String prefix = dot < 0 ? key : key.substring(0, dot);
        if (prefix.equals("milter")) {
            milterItem(line);
        } else if (Items.SECTIONS.contains(prefix)) {
            Optional<Item> item = Items.manager(key);
            if (item.isEmpty()) {
                unknown(line, Items.MANAGER.stream().map(Item::key).filter(k -> k.startsWith(prefix + ".")).toList());
                return;
            }
            set(line, item.get(), key, manager);
        } else if (dot > 0 && conditionPrefixes.contains(prefix)) {
            conditionParameters.add(new ConditionParameter(key, line.value(), line.origin()));
        } else {
            List<String> known = new ArrayList<>(List.of(ConfigFileReader.INCLUDE, REMOVE_MILTER));
            Items.SECTIONS.forEach(s -> known.add(s + ".*"));
            new TreeSet<>(conditionPrefixes).forEach(p -> known.add(p + ".*"));
            unknown(line, known);
        }
    }

    private void milterItem(ConfigLine line) {
        String rest = line.key().substring(Items.MILTER_PREFIX.length());
        int last = rest.lastIndexOf('.');
        if (last <= 0 || last == rest.length() - 1) {
            error(line, "a child item milter.NAME.ITEM, ITEM one of " + milterItemNames());
            return;
        }
        String name = rest.substring(0, last);
        String itemName = rest.substring(last + 1);
        if (itemName.equals("name")) {
            error(line, "one of " + milterItemNames() + " (milter.NAME.name is read-only: the name is NAME)");
            return;
        }
        Optional<Item> item = Items.milter(itemName);
        if (item.isEmpty()) {
            unknown(line, Items.MILTER.stream().map(i -> Items.MILTER_PREFIX + name + "." + i.key()).toList());
            return;
        }
        if (line.detected() && skippedDetected.contains(name)) {
            return;
        }
        Child child = children.computeIfAbsent(name, n -> new Child(n, line.origin()));
        if (!set(line, item.get(), Items.MILTER_PREFIX + "*." + itemName, child.items) && line.detected()
                && itemName.equals("connection_spec")) {
            children.remove(name);
            skippedDetected.add(name);
        }
    }

    private static List<String> milterItemNames() {
        return Items.MILTER.stream().map(Item::key).toList();
    }

    /** Sets the item; false when the value is invalid (the error is recorded). */
    private boolean set(ConfigLine line, Item item, String warnKey, Map<String, ItemValue> into) {
        Object value = null;
        if (!line.value().isEmpty()) {
            try {
                value = item.type().parse(line.value());
            } catch (IllegalArgumentException e) {
                error(line, e.getMessage());
                return false;
            }
        } else if (!item.type().optional()) {
            error(line, item.type().expected());
            return false;
        }
        if (item.isIgnored() && warnedIgnored.add(warnKey)) {
            warnings.add(line.problem("accepted and ignored: " + item.ignoredBecause()));
        }
        String text = value == null ? "" : item.type().format(value);
        into.put(item.key(), new ItemValue(value, text, line.origin()));
        return true;
    }

    private void remove(ConfigLine line) {
        if (children.remove(line.value()) == null) {
            warnings.add(line.problem("no child milter of that name is defined here; nothing removed"));
        } else {
            removals.add(line.value() + " (" + line.origin() + ")");
        }
    }

    private void unknown(ConfigLine line, List<String> known) {
        List<String> all = new ArrayList<>(known);
        Items.MANAGER.forEach(i -> all.add(i.key()));
        Items.MILTER.forEach(i -> all.add("milter.NAME." + i.key()));
        String hint = Suggestions.closest(line.key(), all).map(s -> "; did you mean " + s + "?").orElse("");
        error(line, "one of " + String.join(", ", known) + hint);
    }

    void error(ConfigLine line, String expected) {
        String text = line.problem("expected " + expected);
        if (line.detected()) {
            warnings.add(text + " (detected value skipped)");
        } else {
            errors.add(text);
        }
    }
}
