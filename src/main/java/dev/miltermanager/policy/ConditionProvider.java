package dev.miltermanager.policy;

import java.util.List;
import java.util.Map;

/**
 * A family of named conditions that a configuration refers to by name ({@code S25R}, {@code Remote Network}, or a
 * site's own). The built-in conditions are providers too. Providers are found through {@link java.util.ServiceLoader}
 * (list the class in {@code META-INF/services/dev.miltermanager.policy.ConditionProvider}); see {@link
 * ConditionCatalog}.
 *
 * <p>A provider takes its parameters from the configuration lines whose key starts with its {@linkplain
 * #parameterPrefix() prefix} and a dot ({@code s25r.add_whitelist = ...}). Conditions of one provider are created
 * together, so related ones can share state (a DNS cache, a load threshold).
 */
public interface ConditionProvider {

    /** The names of the conditions offered, spelt as a configuration names them ({@code "DNSBL Listed"}). */
    List<String> names();

    /**
     * The prefix of this provider's parameter keys, without the dot ({@code "s25r"}), or {@code ""} when it takes
     * no parameter.
     */
    default String parameterPrefix() {
        return "";
    }

    /** A one-line description of the named condition, for {@code --show-config} and the documentation. */
    String description(String name);

    /**
     * Creates the conditions from the configuration's parameters. Called once per configuration load; each returned
     * policy is shared by every child that names it and by every session, so it must be thread-safe.
     *
     * @param parameters the lines with this provider's prefix, in file order
     * @return a policy for each of {@link #names()}
     * @throws InvalidConditionParameterException when a key is unknown or a value is invalid
     */
    Map<String, ApplicabilityPolicy> create(ConditionParameters parameters);
}
