package dev.miltermanager.policy;

import java.util.Objects;

/**
 * One parameter line of a condition, as the configuration gave it.
 *
 * @param key the whole key as written ({@code s25r.add_whitelist})
 * @param value the value, trimmed
 * @param origin where it came from ({@code /etc/milter-manager/milter-manager.conf:12}, {@code default}, or the
 *     name of the code that set it), for error messages
 */
public record ConditionParameter(String key, String value, String origin) {

    public ConditionParameter {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(origin, "origin");
    }

    /** A parameter set from code, whose origin is {@code "code"}. */
    public static ConditionParameter of(String key, String value) {
        return new ConditionParameter(key, value, "code");
    }

    /** The key without its prefix and dot ({@code add_whitelist}). */
    public String name() {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(dot + 1);
    }

    /** The key's prefix before the first dot ({@code s25r}), or {@code ""} when there is no dot. */
    public String prefix() {
        int dot = key.indexOf('.');
        return dot < 0 ? "" : key.substring(0, dot);
    }
}
