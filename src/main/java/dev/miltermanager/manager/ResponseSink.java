package dev.miltermanager.manager;

import dev.miltermanager.protocol.Response;
import java.util.List;

/**
 * Where a {@link ManagerSession} sends its answers to the MTA. Each call carries responses that belong together
 * and should leave in one write (an end-of-message's edits and its verdict); progress and recipient changes at
 * end of message come in calls of their own, as soon as a child sends them.
 */
@FunctionalInterface
public interface ResponseSink {

    /** Sends {@code responses} to the MTA, in order. */
    void send(List<Response> responses);
}
