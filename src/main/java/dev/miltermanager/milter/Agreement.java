package dev.miltermanager.milter;

import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.util.Map;

/**
 * What one negotiation settled, in the form the session needs: the reply to send, the options the milter sees,
 * which events reach callbacks and how each event is answered.
 *
 * @param options what the milter sees through {@link MilterContext#options()}
 * @param reply the {@code O} packet to send back
 * @param spec the milter's declarations
 * @param replyModes how each event is answered
 */
record Agreement(NegotiatedOptions options, Response.Negotiate reply, MilterSpec spec,
        Map<Stage, ReplyMode> replyModes) {

    /** How an event is answered. */
    enum ReplyMode {
        /** The MTA expects no reply (an NR_* flag was agreed). */
        NONE,
        /** CONTINUE is sent whatever the callback said: faked no-reply, or an event the milter did not want. */
        CONTINUE,
        /** The callback's verdict is sent. */
        VERDICT
    }

    /** Whether the event's callback runs. */
    boolean delivers(Stage stage) {
        return spec.events().contains(stage);
    }

    ReplyMode replyMode(Stage stage) {
        return replyModes.get(stage);
    }

    /** Whether {@link Response.Skip} may be sent for body chunks. */
    boolean skipAgreed() {
        return options.has(ProtocolFlag.SKIP);
    }

    /** Events the milter does not want; the state machine may pass over their states. */
    boolean passesOver(Stage stage) {
        return !spec.events().contains(stage);
    }
}
