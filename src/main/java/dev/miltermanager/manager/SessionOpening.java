package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Status;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * The start of a session: every enabled child connected and negotiated at once, and the manager's answer to the
 * MTA merged from theirs. When no child is enabled or reachable, or a child whose fallback is final cannot be
 * reached, the session is answered with the manager's fallback status instead (the reference's behaviour), and
 * the log says why.
 *
 * @param children every enabled child, alive or not, in configuration order
 * @param agreed the answer to the MTA's negotiation
 * @param pendingFallback the status every event is answered with, or {@code null} when the children answer
 */
record SessionOpening(List<ChildSession> children, Response.Negotiate agreed, Status pendingFallback) {
    private static final System.Logger LOG = System.getLogger(SessionOpening.class.getName());

    static SessionOpening open(ManagerRuntime runtime, String tag, Command.Negotiate offer) {
        List<ChildConfig> enabled = runtime.config().enabledChildren();
        List<ChildSession> sessions = new ArrayList<>();
        for (int i = 0; i < enabled.size(); i++) {
            ChildConfig c = enabled.get(i);
            sessions.add(new ChildSession(c, i, tag, runtime.statistics().child(c.name()), runtime.connections()));
        }
        Command.Negotiate childOffer = NegotiationMerge.childOffer(offer);
        List<ChildSession> unconnected = sessions.stream().filter(c -> !c.openKept(childOffer)).toList();
        if (!unconnected.isEmpty()) {
            runtime.fanOut(unconnected, c -> c.open(childOffer));
        }
        for (ChildSession c : sessions) {
            runtime.statistics().child(c.name()).recordConnect(c.isAlive());
        }
        List<ChildSession> alive = sessions.stream().filter(ChildSession::isAlive).toList();
        Fold failed = new Fold(Status.ACCEPT);
        sessions.stream().filter(ChildSession::hasFailed).forEach(c -> failed.add(c.config.fallbackStatus(), null));
        Status fallback = runtime.config().fallbackStatus();
        Status pending = null;
        if (enabled.isEmpty()) {
            pending = fallback;
            LOG.log(Level.DEBUG, () -> "[manager][negotiate](" + tag + ") no child milter is enabled: answering "
                    + fallback.configName());
        } else if (alive.isEmpty()) {
            pending = fallback;
            LOG.log(Level.ERROR, () -> "[manager][negotiate](" + tag + ") no child milter could be reached: "
                    + "answering " + fallback.configName());
        } else if (failed.status().isFinal()) {
            pending = fallback;
            alive.forEach(ChildSession::quit);
            LOG.log(Level.ERROR, () -> "[manager][negotiate](" + tag + ") a child milter whose fallback status is "
                    + failed.status().configName() + " could not be reached: answering " + fallback.configName()
                    + " without the other children");
        }
        Response.Negotiate agreed = pending != null ? NegotiationMerge.withoutChildren(offer)
                : NegotiationMerge.merge(offer, alive.stream().map(ChildSession::negotiated).toList(),
                        runtime.config().deferContentReplies());
        return new SessionOpening(List.copyOf(sessions), agreed, pending);
    }
}
