package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The conditions {@code DNSBL Listed} and {@code Not DNSBL Listed} (see {@link Dnsbl}), configured by the
 * {@code dnsbl.*} parameters, in file order:
 * <ul>
 *   <li>{@code dnsbl.add_service = ZONE [CODE...]} adds a service (repeat the line for more);</li>
 *   <li>{@code dnsbl.clear_services = true} forgets the services so far, the default ones included;</li>
 *   <li>{@code dnsbl.name_servers = HOST[:PORT], ...} the recursive name servers (default: /etc/resolv.conf);</li>
 *   <li>{@code dnsbl.timeout = SECONDS} (default 5).</li>
 * </ul>
 * Found through {@link java.util.ServiceLoader}; both conditions share one cache.
 */
public final class DnsblProvider implements ConditionProvider {
    /** The name of the condition that applies a child only to listed clients. */
    public static final String LISTED = "DNSBL Listed";
    /** The name of the condition that applies a child only to clients no service lists. */
    public static final String NOT_LISTED = "Not DNSBL Listed";

    private static final Set<String> KEYS = Set.of("add_service", "clear_services", "name_servers", "timeout");

    /** For {@link java.util.ServiceLoader}. */
    public DnsblProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(LISTED, NOT_LISTED);
    }

    @Override
    public String parameterPrefix() {
        return "dnsbl";
    }

    @Override
    public String description(String name) {
        return name.equalsIgnoreCase(NOT_LISTED)
                ? "Applies the milter only to SMTP clients that no DNS block list lists"
                : "Applies the milter only to SMTP clients listed in a DNS block list";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        parameters.requireOnly(KEYS);
        Dnsbl.Builder builder = Dnsbl.builder();
        for (ConditionParameter p : parameters.all()) {
            try {
                switch (p.name()) {
                    case "add_service" -> builder.addService(p.value());
                    case "clear_services" -> {
                        if (ParameterValues.bool(p)) {
                            builder.clearServices();
                        }
                    }
                    case "name_servers" -> builder.nameServers(nameServers(p));
                    case "timeout" -> builder.timeout(seconds(p));
                    default -> throw new AssertionError(p.name());  // requireOnly let it through
                }
            } catch (InvalidConditionParameterException e) {
                if (e.parameter() == p) {
                    throw e;
                }
                // a code of the line refused on its own: name the whole line
                throw new InvalidConditionParameterException(p, expected(p.name()) + " (" + e.parameter().value()
                        + ": not " + e.expected() + ")");
            } catch (IllegalArgumentException e) {
                throw new InvalidConditionParameterException(p, expected(p.name()) + " (" + e.getMessage() + ")");
            }
        }
        Dnsbl dnsbl = builder.build();
        return Map.of(LISTED, dnsbl.listed(), NOT_LISTED, dnsbl.notListed());
    }

    private static String expected(String name) {
        return switch (name) {
            case "add_service" -> "a zone and optional result codes, ZONE [ADDRESS|ADDRESS/PREFIX ...]";
            case "name_servers" -> "name servers, HOST[:PORT] separated by commas";
            case "timeout" -> "a positive number of seconds";
            default -> "true or false";
        };
    }

    private static List<InetSocketAddress> nameServers(ConditionParameter p) {
        List<String> items = Arrays.stream(p.value().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("none given");
        }
        return items.stream().map(NameServers::parse).toList();
    }

    private static Duration seconds(ConditionParameter p) {
        try {
            BigDecimal seconds = new BigDecimal(p.value().trim());
            return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a number: " + p.value());
        }
    }
}
