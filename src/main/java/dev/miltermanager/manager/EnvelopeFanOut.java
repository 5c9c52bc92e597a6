package dev.miltermanager.manager;

import dev.miltermanager.manager.ChildSession.Outcome;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;

/**
 * One envelope event (CONNECT, HELO, MAIL, RCPT, DATA, unknown) sent to every eligible child at once, their answers
 * folded, and what each answer means for its child applied: accept at CONNECT/HELO ends the child's connection, an
 * answer other than continue at MAIL/DATA ends its message, reject at RCPT refuses only that recipient; a final
 * folded answer at MAIL/DATA (or discard at RCPT) ends the message for every child.
 */
final class EnvelopeFanOut {
    private static final System.Logger LOG = System.getLogger(EnvelopeFanOut.class.getName());

    private EnvelopeFanOut() {
    }

    /** Runs the event on the session's children; returns the answer for the MTA. */
    static Response.Decision run(FanOutSession session, Stage stage, Command event) {
        List<ChildSession> eligible = switch (stage) {
            case RCPT, DATA -> session.children().stream().filter(ChildSession::inMessage).toList();
            default -> session.children().stream().filter(ChildSession::isAlive).toList();
        };
        List<ChildSession> targets = session.applicable(stage, event, eligible);
        // a child stopped here may still take part (a hidden recipient): then the MTA must not be told to accept
        boolean stoppedStillIn = eligible.stream().anyMatch(c -> !targets.contains(c) && takesPart(stage, c));
        if (targets.isEmpty() && !stoppedStillIn) {
            return noTargetAnswer(session).toDecision();
        }
        Map<String, String> macros = session.macrosFor(stage);
        List<Outcome> outcomes = ChildSession.exchange(targets, c -> c.post(stage, event, macros));
        Fold fold = new Fold(stoppedStillIn ? Status.CONTINUE : Status.ACCEPT);
        for (Outcome o : outcomes) {
            Status answer = o.effective();
            if ((stage == Stage.CONNECT || stage == Stage.HELO) && answer == Status.DISCARD) {
                answer = Status.ACCEPT;
            }
            fold.add(answer, o.decision());
            afterEnvelopeAnswer(stage, o.child(), answer);
        }
        Status folded = fold.status();
        boolean endsMessage = folded.isFinal() && switch (stage) {
            case MAIL, DATA -> true;
            case RCPT -> folded == Status.DISCARD;
            default -> false;
        };
        if (endsMessage) {
            session.children().stream().filter(ChildSession::inMessage).forEach(ChildSession::abort);
        }
        return fold.toDecision();
    }

    private static void afterEnvelopeAnswer(Stage stage, ChildSession child, Status answer) {
        switch (stage) {
            case CONNECT, HELO -> {
                if (answer != Status.CONTINUE && child.isAlive()) {
                    child.quit();
                }
            }
            case MAIL, DATA -> {
                if (answer != Status.CONTINUE) {
                    child.leaveMessage();
                }
            }
            case RCPT -> {
                if (answer == Status.ACCEPT) {
                    child.leaveMessage();
                }
            }
            default -> {
            }
        }
    }

    /** Whether {@code child} still takes part after this envelope event: in the message, or in the connection. */
    private static boolean takesPart(Stage stage, ChildSession child) {
        return switch (stage) {
            case MAIL, RCPT, DATA -> child.inMessage();
            default -> child.isAlive();
        };
    }

    /**
     * The answer when no child is left to ask: the manager's fallback status when children failed and none is
     * alive (internal trouble, as the reference's "All milters are no longer alive"), accept when they all simply
     * accepted or were stopped by their conditions.
     */
    private static Status noTargetAnswer(FanOutSession session) {
        if (session.children().stream().noneMatch(ChildSession::isAlive)
                && session.children().stream().anyMatch(ChildSession::hasFailed)) {
            LOG.log(Level.WARNING, () -> "[manager][error](" + session.tag + ") All milters are no longer alive: answering "
                    + session.runtime.config().fallbackStatus().configName());
            return session.runtime.config().fallbackStatus();
        }
        return Status.ACCEPT;
    }
}
