package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import java.util.List;

/**
 * The built-in conditions for Java code, each with the reference's defaults. For other parameters, create them
 * through {@link dev.miltermanager.policy.ConditionCatalog} with the configuration's keys.
 *
 * {@snippet :
 * ChildConfig greylist = ChildConfig.builder("greylist", ConnectionSpec.parse("unix:/run/greylist.sock"))
 *         .addCondition("S25R", Conditions.s25r())
 *         .build();
 * }
 */
public final class Conditions {
    private Conditions() {
    }

    /** {@code S25R}: applies at CONNECT only to IPv4 clients whose host name looks dynamic. */
    public static ApplicabilityPolicy s25r() {
        return create(new S25rProvider(), S25rProvider.NAME);
    }

    private static ApplicabilityPolicy create(ConditionProvider provider, String name, ConditionParameter... lines) {
        return provider.create(ConditionParameters.of(List.of(lines))).get(name);
    }
}
