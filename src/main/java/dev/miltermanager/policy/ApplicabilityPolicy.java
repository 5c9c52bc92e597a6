package dev.miltermanager.policy;

import java.util.Objects;

/**
 * Decides, per child milter and per event, whether the child is applied. The manager asks every policy of a child
 * before it sends the child an event (also events the child negotiated away); the child is applied only if every
 * policy allows it.
 *
 * <p>What stopping a child means depends on the event: at connect or HELO the child is dropped for the whole
 * connection; at MAIL for this message; at RCPT this recipient is hidden from it; from DATA to end of message it
 * is sent ABORT and leaves the message. A policy may set macros for its child through
 * {@link PolicyContext#setMacro}. A policy that throws is treated as "apply" and logged; it never ends the session.
 *
 * <p>Policies are called on the session's thread, one event at a time, but a policy instance is shared by every
 * session: keep per-session state in the context's macros or out of the policy.
 *
 * {@snippet :
 * ApplicabilityPolicy remoteOnly = ctx -> ctx.session().clientAddress().map(a -> !a.isLoopbackAddress()).orElse(true);
 * ApplicabilityPolicy unauthenticated = ctx -> !ctx.session().isAuthenticated();
 * ApplicabilityPolicy greylistWhen = remoteOnly.and(unauthenticated);
 * }
 */
@FunctionalInterface
public interface ApplicabilityPolicy {

    /**
     * Whether the child is applied at this event.
     *
     * @return {@code true} to apply the child, {@code false} to stop it (see the class comment for what stopping
     *     means at each event)
     */
    boolean applies(PolicyContext context);

    /** A policy that applies only if both this and {@code other} apply ({@code other} is not asked if this stops). */
    default ApplicabilityPolicy and(ApplicabilityPolicy other) {
        Objects.requireNonNull(other, "other");
        return ctx -> applies(ctx) && other.applies(ctx);
    }

    /** A policy that applies if this or {@code other} applies. */
    default ApplicabilityPolicy or(ApplicabilityPolicy other) {
        Objects.requireNonNull(other, "other");
        return ctx -> applies(ctx) || other.applies(ctx);
    }

    /** A policy that applies exactly when this one stops. */
    default ApplicabilityPolicy negate() {
        return ctx -> !applies(ctx);
    }

    /** The policy that always applies (the default for a child without conditions). */
    static ApplicabilityPolicy always() {
        return ctx -> true;
    }
}
