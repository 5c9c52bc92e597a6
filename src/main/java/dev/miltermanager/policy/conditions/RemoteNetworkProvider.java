package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code Remote Network} condition, with the parameters {@code remote_network.add_local_address} and
 * {@code remote_network.add_remote_address} (an IPv4 or IPv6 address or CIDR block per line; a remote block wins
 * over everything local). Found through {@link java.util.ServiceLoader}; Java code calls
 * {@link Conditions#remoteNetwork(List, List)}.
 */
public final class RemoteNetworkProvider implements ConditionProvider {
    static final String NAME = "Remote Network";

    /** For {@link java.util.ServiceLoader}. */
    public RemoteNetworkProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public String parameterPrefix() {
        return "remote_network";
    }

    @Override
    public String description(String name) {
        return "applies to clients outside the local network (not loopback, private, link-local or a Unix socket)";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(Set.of("add_local_address", "add_remote_address"));
        return Map.of(NAME, new RemoteNetwork(
                parameters.get("add_local_address").stream().map(AddressRange::parse).toList(),
                parameters.get("add_remote_address").stream().map(AddressRange::parse).toList()));
    }
}
