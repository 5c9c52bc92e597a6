package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionParameters;
import dev.miltermanager.policy.ConditionProvider;
import dev.miltermanager.protocol.Stage;
import java.util.List;
import java.util.Map;

/**
 * The {@code Authenticated} and {@code Unauthenticated} conditions: at MAIL, apply the child only to clients that
 * did (or did not) authenticate, as the {@code {auth_type}} or {@code {auth_authen}} macro tells (Postfix sends them
 * with {@code milter_mail_macros}). Stopping at MAIL skips the message. No parameters. Found through {@link
 * java.util.ServiceLoader}; Java code calls {@link Conditions#authenticated()} and {@link
 * Conditions#unauthenticated()}.
 */
public final class AuthenticationProvider implements ConditionProvider {
    static final String AUTHENTICATED = "Authenticated";
    static final String UNAUTHENTICATED = "Unauthenticated";

    /** For {@link java.util.ServiceLoader}. */
    public AuthenticationProvider() {
    }

    @Override
    public List<String> names() {
        return List.of(AUTHENTICATED, UNAUTHENTICATED);
    }

    @Override
    public String description(String name) {
        return AUTHENTICATED.equals(name) ? "applies to messages from clients that authenticated (SMTP AUTH)"
                : "applies to messages from clients that did not authenticate (SMTP AUTH)";
    }

    @Override
    public Map<String, ApplicabilityPolicy> create(ConditionParameters parameters) {
        return Map.of(AUTHENTICATED, authenticated(true), UNAUTHENTICATED, authenticated(false));
    }

    private static ApplicabilityPolicy authenticated(boolean wanted) {
        return ctx -> ctx.stage() != Stage.MAIL || ctx.session().isAuthenticated() == wanted;
    }
}
