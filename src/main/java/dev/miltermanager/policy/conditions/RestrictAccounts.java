package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import java.util.List;

/**
 * Restrict Accounts: the child is for the listed accounts only. At RCPT a recipient that is not listed is hidden
 * from the child; at DATA the child is stopped (sent ABORT) if the message had any such recipient, so a message
 * with a recipient outside the list is never judged by the child, even for its listed recipients (the reference's
 * semantics: the child's verdict on the message would reach every recipient). Each message is judged afresh.
 */
final class RestrictAccounts implements ApplicabilityPolicy {
    private final List<TextPattern> accounts;

    RestrictAccounts(List<TextPattern> accounts) {
        this.accounts = List.copyOf(accounts);
    }

    @Override
    public boolean applies(PolicyContext context) {
        return switch (context.stage()) {
            case RCPT -> !(context.event() instanceof Command.Recipient r) || listed(r.recipient());
            case DATA -> context.session().recipients().stream().allMatch(this::listed);
            default -> true;
        };
    }

    /** Whether {@code recipient} ({@code <bob@example.com>}, brackets optional) is one of the accounts. */
    boolean listed(String recipient) {
        String address = recipient.strip();
        if (address.startsWith("<") && address.endsWith(">")) {
            address = address.substring(1, address.length() - 1);
        }
        String bare = address;
        return accounts.stream().anyMatch(a -> a.matches(bare));
    }

    @Override
    public String toString() {
        return "Restrict Accounts" + accounts;
    }
}
