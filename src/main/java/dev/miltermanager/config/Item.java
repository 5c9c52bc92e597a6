package dev.miltermanager.config;

/**
 * One configuration item: its key (the whole key for the manager's items, the part after {@code milter.NAME.} for a
 * child's), the type of its value, its default ({@code null} = unset), and, for items of the reference that this
 * implementation accepts but does not act on, why.
 */
record Item(String key, ValueType type, Object defaultValue, String meaning, String ignoredBecause) {

    /** An item without default may be left empty. */
    Item {
        if (defaultValue == null && !type.optional()) {
            type = ValueType.optional(type);
        }
    }

    static Item used(String key, ValueType type, Object defaultValue, String meaning) {
        return new Item(key, type, defaultValue, meaning, null);
    }

    static Item ignored(String key, ValueType type, Object defaultValue, String because) {
        return new Item(key, type, defaultValue, "(reference item)", because);
    }

    boolean isIgnored() {
        return ignoredBecause != null;
    }

    /** The default as a configuration file writes it ({@code ""} for unset). */
    String defaultText() {
        return defaultValue == null ? "" : type.format(defaultValue);
    }
}
