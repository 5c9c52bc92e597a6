package dev.miltermanager.manager;

import dev.miltermanager.manager.ChildSession.Outcome;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.util.List;
import java.util.Map;

/**
 * One message event (a header, end of headers, a body chunk) sent at once to the children fed in step with the MTA
 * (those that cannot modify the message; the others get it replayed at end of message). A child's accept takes it
 * out of the message; a final answer is held, and ends the message only once no earlier child, in child order, is
 * still in it.
 */
final class InStepFanOut {

    private InStepFanOut() {
    }

    /** Runs the event on the message's in-step children; returns the answer for the MTA. */
    static Response.Decision run(FanOutSession session, MessageState m, Stage stage, Command event) {
        List<ChildSession> targets = session.applicable(stage, event, m.inStep().stream()
                .filter(c -> c.inMessage() && !m.isHeld(c)).toList());
        if (!targets.isEmpty()) {
            Map<String, String> macros = session.macrosFor(stage);
            List<Outcome> outcomes = ChildSession.exchange(targets, c -> switch (event) {
                case Command.Header h -> c.post(stage, new Command.Header(h.name(), session.valueFor(c, h.value())),
                        macros);
                default -> c.post(stage, event, macros);
            });
            for (Outcome o : outcomes) {
                if (o.effective() == Status.ACCEPT) {
                    o.child().leaveMessage();
                } else if (o.effective().isFinal()) {
                    m.hold(o);
                }
            }
            Outcome decisive = firstHeldInOrder(session, m);
            if (decisive != null) {
                Fold fold = new Fold(Status.CONTINUE);
                fold.add(decisive);
                return session.endMessageWith(fold.toDecision());
            }
        }
        // continue while a child still takes part in the message, accept when none does
        return (session.children().stream().anyMatch(ChildSession::inMessage) ? Status.CONTINUE : Status.ACCEPT)
                .toDecision();
    }

    /**
     * The held final answer that ends the message now: that of the first child, in child order, still standing
     * in the message, if it is held. A held answer behind a child still in the message waits: the sequential chain
     * would have run that earlier child through the whole message first, and its own final answer would win, so
     * the parallel in-step group must not let a later child's earlier answer overtake it (design.md §3: the
     * optimization changes no observable result).
     */
    private static Outcome firstHeldInOrder(FanOutSession session, MessageState m) {
        for (ChildSession child : session.children()) {
            if (m.isHeld(child)) {
                return m.held(child);
            }
            if (child.inMessage()) {
                return null;
            }
        }
        return null;
    }
}
