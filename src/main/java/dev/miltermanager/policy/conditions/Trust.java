package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Trust: at MAIL, sets the macro {@code {trusted_domain}=yes} for the child (for this message) when the envelope
 * sender's domain, lower-cased, is one of the trusted ones. Never stops the child.
 */
final class Trust implements ApplicabilityPolicy {
    /** The reference's default trusted domains: big providers whose mail passes SPF/DKIM checks. */
    static final List<String> DEFAULT_DOMAINS = List.of("gmail.com", "hotmail.com", "msn.com", "yahoo.co.jp",
            "softbank.ne.jp", "ezweb.ne.jp", "docomo.ne.jp", "clear-code.com");

    private final List<TextPattern> domains;

    Trust(List<TextPattern> domains) {
        this.domains = List.copyOf(domains);
    }

    @Override
    public boolean applies(PolicyContext context) {
        if (context.stage() == Stage.MAIL && context.event() instanceof Command.MailFrom mail
                && domainOf(mail.sender()).filter(this::trusted).isPresent()) {
            context.setMacro("{trusted_domain}", "yes");
        }
        return true;
    }

    boolean trusted(String domain) {
        return domains.stream().anyMatch(d -> d.matches(domain));
    }

    /** The domain of {@code <user@Example.COM>} ({@code example.com}); empty for the null sender or no domain. */
    static Optional<String> domainOf(String sender) {
        String address = sender.strip();
        if (address.startsWith("<") && address.endsWith(">")) {
            address = address.substring(1, address.length() - 1);
        }
        int at = address.lastIndexOf('@');
        if (at < 0 || at == address.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(address.substring(at + 1).toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return "Trust" + domains;
    }
}
