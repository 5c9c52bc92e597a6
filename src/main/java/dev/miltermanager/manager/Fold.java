package dev.miltermanager.manager;

import dev.miltermanager.manager.ChildSession.Outcome;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Status;
import java.util.List;

/**
 * Folds the children's answers to one event into the one answer the MTA gets: the highest status of the lattice
 * wins; a child's reply code is forwarded only when its class matches the folded status (4xx with temporary
 * failure, 5xx with reject), and a shutdown request only with temporary failure.
 */
final class Fold {
    private Status status;
    private Response.Decision specific;

    /** An empty fold; {@code initial} is the answer when no child answers. */
    Fold(Status initial) {
        this.status = initial;
    }

    static Fold of(List<Outcome> outcomes, Status initial) {
        Fold fold = new Fold(initial);
        outcomes.forEach(fold::add);
        return fold;
    }

    void add(Outcome outcome) {
        add(outcome.effective(), outcome.decision());
    }

    void add(Status answer, Response.Decision decision) {
        if (answer.ordinal() > status.ordinal()) {
            status = answer;
            specific = null;
        }
        if (answer == status && specific == null && decision != null && carriesDetail(decision, status)) {
            specific = decision;
        }
    }

    Status status() {
        return status;
    }

    /** The response for the MTA. At end of message, accept is sent as continue (they mean the same there). */
    Response.Decision toDecision() {
        return specific != null ? specific : status.toDecision();
    }

    private static boolean carriesDetail(Response.Decision decision, Status status) {
        return switch (decision) {
            case Response.ReplyCode y -> y.reply().isTemporary() ? status == Status.TEMPORARY_FAILURE
                    : status == Status.REJECT;
            case Response.Shutdown s -> status == Status.TEMPORARY_FAILURE;
            default -> false;
        };
    }
}
