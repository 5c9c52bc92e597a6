package dev.miltermanager.policy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The parameter lines given to one {@link ConditionProvider}, in file order. Keys may repeat: list-valued
 * parameters ({@code s25r.add_whitelist}) take one value per line, single-valued ones take the last line.
 */
public final class ConditionParameters {

    private static final ConditionParameters EMPTY = new ConditionParameters(List.of());

    private final List<ConditionParameter> all;

    private ConditionParameters(List<ConditionParameter> all) {
        this.all = List.copyOf(all);
    }

    /** The given lines, in their order. */
    public static ConditionParameters of(List<ConditionParameter> lines) {
        return lines.isEmpty() ? EMPTY : new ConditionParameters(lines);
    }

    /** No parameter: every condition takes its defaults. */
    public static ConditionParameters empty() {
        return EMPTY;
    }

    /** Every line, in order. */
    public List<ConditionParameter> all() {
        return all;
    }

    /** The lines whose key, without the prefix, is {@code name}, in order. */
    public List<ConditionParameter> get(String name) {
        return all.stream().filter(p -> p.name().equals(name)).toList();
    }

    /** The last line whose key, without the prefix, is {@code name}. */
    public Optional<ConditionParameter> last(String name) {
        List<ConditionParameter> lines = get(name);
        return lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(lines.size() - 1));
    }

    /**
     * Checks that every key is one of {@code names} (without the prefix).
     *
     * @throws InvalidConditionParameterException for the first line with another key
     */
    public void requireOnly(Set<String> names) {
        for (ConditionParameter p : all) {
            if (!names.contains(p.name())) {
                throw new InvalidConditionParameterException(p,
                        "one of " + names.stream().sorted().map(n -> p.prefix() + "." + n).toList());
            }
        }
    }

    @Override
    public String toString() {
        return all.toString();
    }
}
