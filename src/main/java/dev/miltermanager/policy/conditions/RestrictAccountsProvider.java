package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code Restrict Accounts} condition, with the parameter {@code restrict_accounts.add_account} (an address,
 * compared ignoring case, or a {@code /regex/}, one per line). Found through {@link java.util.ServiceLoader}; Java
 * code calls {@link Conditions#restrictAccounts(String...)}.
 */
public final class RestrictAccountsProvider implements ConditionProvider {
    static final String NAME = "Restrict Accounts";

    /** For {@link java.util.ServiceLoader}. */
    public RestrictAccountsProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public String parameterPrefix() {
        return "restrict_accounts";
    }

    @Override
    public String description(String name) {
        return "applies only to messages whose every recipient is a listed account; hides the others";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(Set.of("add_account"));
        return Map.of(NAME, new RestrictAccounts(
                parameters.get("add_account").stream().map(p -> TextPattern.parse(p, true)).toList()));
    }
}
