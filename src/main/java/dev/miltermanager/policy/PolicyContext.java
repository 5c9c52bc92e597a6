package dev.miltermanager.policy;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;

/**
 * What an {@link ApplicabilityPolicy} is asked about: one child, one event, the session so far. Valid only during
 * the call that receives it.
 */
public interface PolicyContext {

    /** The name of the child milter the decision is for. */
    String childName();

    /** The event about to be sent. */
    Stage stage();

    /** The command of that event (a {@link Command.Connect}, {@link Command.Recipient}, {@link Command.Header}…). */
    Command event();

    /** The session so far. */
    SessionView session();

    /**
     * Sets a macro for this child only, sent with this event and the later ones: for the rest of the connection when
     * set at CONNECT, HELO or an unknown command, for the rest of the message when set from MAIL on. {@code name} as
     * on the wire ({@code {stress}} or {@code i}).
     */
    void setMacro(String name, String value);
}
