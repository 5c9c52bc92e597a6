package dev.miltermanager.testsupport;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A test condition provider: "Under Limit" and "Over Limit" of active sessions, parameter {@code limit.max}. */
public final class LimitConditions implements ConditionProvider {
    @Override
    public List<String> names() {
        return List.of("Under Limit", "Over Limit");
    }

    @Override
    public String parameterPrefix() {
        return "limit";
    }

    @Override
    public String description(String name) {
        return name + " of active sessions";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(Set.of("max"));
        int max = parameters.last("max").map(p -> {
            try {
                return Integer.parseInt(p.value());
            } catch (NumberFormatException e) {
                throw new InvalidConditionParameterException(p, "a whole number");
            }
        }).orElse(10);
        ApplicabilityPolicy under = ctx -> ctx.session().activeSessions() < max;
        return Map.of("Under Limit", under, "Over Limit", under.negate());
    }
}
