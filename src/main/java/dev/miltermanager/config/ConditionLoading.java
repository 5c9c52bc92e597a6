package dev.miltermanager.config;

import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads the condition catalog from the configuration's parameters, collecting the errors of every condition
 * family rather than stopping at the first: a family whose parameters are refused is loaded again without them, so
 * the other families' errors are found too (within one family, the first bad line is reported).
 */
final class ConditionLoading {
    private ConditionLoading() {
    }

    /** The parameter prefixes of the condition providers on the class path ({@code s25r}, {@code dnsbl}, …). */
    static Set<String> prefixes(ClassLoader loader) {
        Set<String> prefixes = new TreeSet<>();
        try {
            for (ConditionProvider p : ServiceLoader.load(ConditionProvider.class, loader)) {
                if (!p.parameterPrefix().isEmpty()) {
                    prefixes.add(p.parameterPrefix());
                }
            }
        } catch (ServiceConfigurationError e) {
            // reported by ConditionCatalog.load below, with the provider's name
        }
        return prefixes;
    }

    /** The catalog, or {@code null} when the providers themselves cannot be loaded; errors are appended. */
    static ConditionCatalog load(ClassLoader loader, List<ConditionParameter> parameters, List<String> errors) {
        List<ConditionParameter> remaining = new ArrayList<>(parameters);
        while (true) {
            try {
                return ConditionCatalog.load(loader, remaining);
            } catch (InvalidConditionParameterException e) {
                errors.add(e.getMessage());
                String prefix = e.parameter().prefix();
                if (!remaining.removeIf(p -> p.prefix().equals(prefix))) {
                    return null;
                }
            } catch (IllegalStateException | IllegalArgumentException e) {
                errors.add("applicable conditions: " + e.getMessage());
                return null;
            }
        }
    }
}
