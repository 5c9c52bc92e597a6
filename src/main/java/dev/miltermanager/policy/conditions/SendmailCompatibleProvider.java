package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * The {@code Sendmail Compatible} condition (no parameters). Found through {@link java.util.ServiceLoader}; Java code
 * calls {@link Conditions#sendmailCompatible()}.
 */
public final class SendmailCompatibleProvider implements ConditionProvider {
    static final String NAME = "Sendmail Compatible";

    /** For {@link java.util.ServiceLoader}. */
    public SendmailCompatibleProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(NAME);
    }

    @Override
    public String description(String name) {
        return "gives milters written for Sendmail the macros Postfix lacks ({if_addr}, {if_name}, i); never stops";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        return Map.of(NAME, new SendmailCompatible(SendmailCompatibleProvider::reverseLookup));
    }

    /** The host name of an IP address, or the address itself when it has none (or is not an IP address). */
    static String reverseLookup(String address) {
        if (!address.contains(":") && !address.matches("\\d{1,3}(?:\\.\\d{1,3}){3}")) {
            return address;
        }
        try {
            return InetAddress.getByName(address).getCanonicalHostName();
        } catch (UnknownHostException | SecurityException e) {
            return address;
        }
    }
}
