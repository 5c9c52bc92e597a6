package dev.miltermanager.protocol;

import java.util.Locale;

/**
 * A milter's answer reduced to what it means, ordered by the lattice the manager folds children's answers with:
 * {@code DISCARD > REJECT > TEMPORARY_FAILURE > CONTINUE > SKIP > ACCEPT}. A child that accepts never makes the
 * manager accept while another child still wants the message (continue wins over accept).
 *
 * <p>{@link #configName()} is the spelling of configuration files ({@code temporary-failure}), as in the C milter
 * manager.
 */
public enum Status {
    ACCEPT,
    SKIP,
    CONTINUE,
    TEMPORARY_FAILURE,
    REJECT,
    DISCARD;

    /** The more important of two statuses. */
    public Status fold(Status other) {
        return other.ordinal() > ordinal() ? other : this;
    }

    /** Whether the status ends the message (reject, temporary failure or discard). */
    public boolean isFinal() {
        return this == REJECT || this == TEMPORARY_FAILURE || this == DISCARD;
    }

    /** The spelling of configuration files and logs: {@code accept}, {@code temporary-failure}… */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The status a configuration names: {@code accept}, {@code temporary-failure} (also {@code tempfail}),
     * {@code reject}, {@code discard}, {@code continue}, {@code skip}; case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Status parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (n.equals("tempfail")) {
            return TEMPORARY_FAILURE;
        }
        for (Status s : values()) {
            if (s.configName().equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status '" + name
                + "' (expected accept, temporary-failure, reject, discard, continue or skip)");
    }

    /** What a decision means: a reply code counts as temporary failure for 4xx and reject for 5xx. */
    public static Status of(Response.Decision decision) {
        return switch (decision) {
            case Response.Continue c -> CONTINUE;
            case Response.Accept a -> ACCEPT;
            case Response.Reject r -> REJECT;
            case Response.TempFail t -> TEMPORARY_FAILURE;
            case Response.Discard d -> DISCARD;
            case Response.Skip s -> SKIP;
            case Response.ReplyCode y -> y.reply().isTemporary() ? TEMPORARY_FAILURE : REJECT;
            case Response.Shutdown s -> TEMPORARY_FAILURE;
            case Response.ConnectionFailure f -> TEMPORARY_FAILURE;
        };
    }

    /** The plain response that gives this status to an MTA. */
    public Response.Decision toDecision() {
        return switch (this) {
            case ACCEPT -> new Response.Accept();
            case SKIP -> new Response.Skip();
            case CONTINUE -> new Response.Continue();
            case TEMPORARY_FAILURE -> new Response.TempFail();
            case REJECT -> new Response.Reject();
            case DISCARD -> new Response.Discard();
        };
    }
}
