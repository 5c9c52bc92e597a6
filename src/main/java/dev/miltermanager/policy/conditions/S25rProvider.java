package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code S25R} condition, with the parameters {@code s25r.add_whitelist}, {@code s25r.add_blacklist} (each a
 * {@code /regex/} or a host name compared ignoring case, one per line, added to the defaults) and {@code s25r.check_only_ipv4}
 * ({@code true} by default). Found through {@link java.util.ServiceLoader}; Java code calls {@link Conditions#s25r()}.
 */
public final class S25rProvider implements ConditionProvider {
    static final String NAME = "S25R";

    /** For {@link java.util.ServiceLoader}. */
    public S25rProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public String parameterPrefix() {
        return "s25r";
    }

    @Override
    public String description(String name) {
        return "Selective SMTP Rejection: applies to clients whose host name looks dynamically assigned";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(Set.of("add_whitelist", "add_blacklist", "check_only_ipv4"));
        List<TextPattern> white = patterns(S25r.DEFAULT_WHITELIST, parameters.get("add_whitelist"));
        List<TextPattern> black = patterns(S25r.RULES, parameters.get("add_blacklist"));
        boolean onlyIpv4 = parameters.last("check_only_ipv4").map(ParameterValues::bool).orElse(true);
        return Map.of(NAME, new S25r(white, black, onlyIpv4));
    }

    private static List<TextPattern> patterns(List<String> defaults, List<ConditionParameter> added) {
        List<TextPattern> all = new ArrayList<>();
        defaults.forEach(d -> all.add(TextPattern.parse("s25r.default", d, true)));
        added.forEach(p -> all.add(TextPattern.parse(p, true)));
        return all;
    }
}
