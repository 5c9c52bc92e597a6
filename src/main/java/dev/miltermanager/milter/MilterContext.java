package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.SmtpReply;
import java.util.Map;
import java.util.Optional;

/**
 * A milter's view of its MTA connection: the macros received so far, the negotiated options, the client the
 * MTA reported, and a place to set the SMTP reply of a refusal. One context per {@link Milter} instance, given to
 * its {@link MilterFactory}; keep it in a field.
 *
 * <p>Macros follow libmilter's rules: a stage's macros arrive with its event and stay until an earlier event
 * comes again (a new MAIL drops the previous message's recipient, data and end-of-message macros). Lookups by
 * name search the latest stage first; a one-letter name matches with or without braces.
 *
 * {@snippet :
 * String queueId = context.macro("i").orElse("unknown");
 * String authUser = context.macro("{auth_authen}").orElse(null);
 * }
 *
 * <p>Not thread-safe: call it from the milter's callbacks, which all run on the connection's thread.
 */
public interface MilterContext {

    /** The value of a macro from any stage received so far (as libmilter's {@code smfi_getsymval}). */
    Optional<String> macro(String name);

    /** The macros that arrived for one stage, in wire order; empty if none did. */
    Map<String, String> macros(MacroStage stage);

    /** Every macro received so far; where two stages carry the same name, the later stage's value. */
    Map<String, String> macros();

    /** The options agreed with the MTA. */
    NegotiatedOptions options();

    /**
     * The SMTP client as the MTA described it at connect; empty before the connect event, or when the milter
     * does not receive it.
     */
    Optional<Command.Connect> client();

    /**
     * Sets the reply for the verdict of the callback that is running, as libmilter's {@code smfi_setreply}: it
     * is sent instead of a plain {@link Verdict#REJECT} when the code is 5xx, or a plain {@link Verdict#TEMPFAIL}
     * when it is 4xx, and ignored otherwise. It is forgotten when the callback returns.
     */
    void setReply(SmtpReply reply);

    /**
     * As {@link #setReply(SmtpReply)}.
     *
     * @throws SmtpReply.InvalidReplyException when the MTAs would not accept the reply
     */
    default void setReply(int code, String enhancedCode, String... lines) {
        setReply(SmtpReply.of(code, enhancedCode, lines));
    }
}
