package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in conditions for Java code, under the reference's defaults unless given otherwise. Each factory
 * returns a new policy, thread-safe and shareable by children and sessions. The same conditions, with every
 * parameter, come from {@link dev.miltermanager.policy.ConditionCatalog} by name. Invalid values throw
 * {@link dev.miltermanager.policy.InvalidConditionParameterException} with origin {@code code}.
 *
 * {@snippet :
 * ChildConfig greylist = ChildConfig.builder("greylist", ConnectionSpec.parse("unix:/run/greylist.sock"))
 *         .addCondition("S25R", Conditions.s25r())
 *         .addCondition("Remote Network", Conditions.remoteNetwork(List.of("198.51.100.0/24"), List.of()))
 *         .build();
 * }
 */
public final class Conditions {
    private Conditions() {
    }

    /** {@code S25R}: at CONNECT, applies only to IPv4 clients whose host name looks dynamically assigned. */
    public static ApplicabilityPolicy s25r() {
        return create(new S25rProvider(), S25rProvider.NAME, List.of());
    }

    /**
     * {@code Remote Network}: at CONNECT, applies only to clients outside the local network.
     *
     * @param localAddresses more local blocks ({@code 192.0.2.0/24}, {@code 2001:db8::/32})
     * @param remoteAddresses blocks that are remote even if local by nature (these win)
     */
    public static ApplicabilityPolicy remoteNetwork(List<String> localAddresses, List<String> remoteAddresses) {
        List<ConditionParameter> lines = new ArrayList<>();
        localAddresses.forEach(a -> lines.add(ConditionParameter.of("remote_network.add_local_address", a)));
        remoteAddresses.forEach(a -> lines.add(ConditionParameter.of("remote_network.add_remote_address", a)));
        return create(new RemoteNetworkProvider(), RemoteNetworkProvider.NAME, lines);
    }

    /** {@code Authenticated}: at MAIL, applies only to clients that authenticated. */
    public static ApplicabilityPolicy authenticated() {
        return create(new AuthenticationProvider(), AuthenticationProvider.AUTHENTICATED, List.of());
    }

    /** {@code Unauthenticated}: at MAIL, applies only to clients that did not authenticate. */
    public static ApplicabilityPolicy unauthenticated() {
        return create(new AuthenticationProvider(), AuthenticationProvider.UNAUTHENTICATED, List.of());
    }

    /**
     * {@code Trust}: at MAIL, sets {@code {trusted_domain}=yes} for the child when the sender's domain is one of the
     * reference's defaults or of {@code moreDomains} (a domain or {@code /regex/} each). Never stops the child.
     */
    public static ApplicabilityPolicy trust(String... moreDomains) {
        return create(new TrustProvider(), TrustProvider.NAME,
                lines("trust.add_envelope_from_domain", moreDomains));
    }

    /** {@code No Stress}: at CONNECT, stops the child when at least {@code threshold} sessions run (0: never). */
    public static ApplicabilityPolicy noStress(int threshold) {
        return create(new StressProvider(), StressProvider.NO_STRESS, threshold(threshold));
    }

    /** {@code Stress Notify}: at CONNECT, sets {@code {stress}=yes} when at least {@code threshold} sessions run. */
    public static ApplicabilityPolicy stressNotify(int threshold) {
        return create(new StressProvider(), StressProvider.STRESS_NOTIFY, threshold(threshold));
    }

    /**
     * {@code Restrict Accounts}: the child sees only these recipients (addresses or {@code /regex/}), and only
     * messages whose every recipient is one of them.
     */
    public static ApplicabilityPolicy restrictAccounts(String... accounts) {
        return create(new RestrictAccountsProvider(), RestrictAccountsProvider.NAME,
                lines("restrict_accounts.add_account", accounts));
    }

    /** {@code Sendmail Compatible}: for Postfix, the macros Sendmail milters expect. Never stops the child. */
    public static ApplicabilityPolicy sendmailCompatible() {
        return create(new SendmailCompatibleProvider(), SendmailCompatibleProvider.NAME, List.of());
    }

    private static List<ConditionParameter> threshold(int threshold) {
        return List.of(ConditionParameter.of("stress.threshold_n_connections", Integer.toString(threshold)));
    }

    private static List<ConditionParameter> lines(String key, String... values) {
        return java.util.Arrays.stream(values).map(v -> ConditionParameter.of(key, v)).toList();
    }

    private static ApplicabilityPolicy create(ConditionProvider provider, String name, List<ConditionParameter> lines) {
        return provider.create(ConditionParameters.of(lines)).get(name);
    }
}
