package dev.miltermanager.milter;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;

/**
 * The answers a {@link Milter} callback returns, named so that {@code return Verdict.CONTINUE;} reads as what it
 * does. Every value is a {@link Response.Decision}; any decision record may be returned directly, these are the
 * common ones.
 *
 * <p>What the MTA does with each (libmilter's semantics):
 * <ul>
 *   <li>{@link #CONTINUE}: go on; at end of message, accept the message (with any edits made).</li>
 *   <li>{@link #ACCEPT}: accept without further callbacks for this message; at connect or HELO, for the whole
 *       connection.</li>
 *   <li>{@link #REJECT}, {@link #TEMPFAIL}, {@link #reject(int, String, String...)}: refuse with 5xx or 4xx; at
 *       recipient (and unknown command) only that recipient, elsewhere the message (or, at connect and HELO, the
 *       connection).</li>
 *   <li>{@link #DISCARD}: accept and silently drop the message.</li>
 *   <li>{@link #SKIP}: from {@link Milter#body}: skip the rest of the body. Sent only when the MTA agreed to
 *       {@link dev.miltermanager.protocol.ProtocolFlag#SKIP}; otherwise, and from any other callback, it is
 *       answered as {@link #CONTINUE}.</li>
 *   <li>{@link #SHUTDOWN}: ask the MTA to answer 421 and end the SMTP session.</li>
 * </ul>
 *
 * <p>All values are immutable and safe to share.
 */
public final class Verdict {
    /** Go on (at end of message: accept). */
    public static final Response.Decision CONTINUE = new Response.Continue();
    /** Accept the message (at connect or HELO: the connection) without further callbacks. */
    public static final Response.Decision ACCEPT = new Response.Accept();
    /** Reject with the MTA's own 5xx reply. */
    public static final Response.Decision REJECT = new Response.Reject();
    /** Fail temporarily with the MTA's own 4xx reply. */
    public static final Response.Decision TEMPFAIL = new Response.TempFail();
    /** Accept and drop the message. */
    public static final Response.Decision DISCARD = new Response.Discard();
    /** Skip the rest of the body (only from {@link Milter#body}, only when negotiated). */
    public static final Response.Decision SKIP = new Response.Skip();
    /** Ask the MTA to answer 421 and close the SMTP session. */
    public static final Response.Decision SHUTDOWN = new Response.Shutdown();

    private Verdict() {
    }

    /**
     * Refuses with this exact SMTP reply: a 5xx code rejects, a 4xx code fails temporarily.
     *
     * @throws SmtpReply.InvalidReplyException when the MTAs would not accept the reply
     */
    public static Response.Decision reply(SmtpReply reply) {
        return new Response.ReplyCode(reply);
    }

    /**
     * Rejects with a 5xx reply of your own.
     *
     * {@snippet :
     * return Verdict.reject(550, "5.7.1", "Message refused by policy");
     * }
     *
     * @param code 500..599
     * @param enhancedCode such as {@code 5.7.1}, or {@code null}
     * @param lines the text, one element per line
     * @throws SmtpReply.InvalidReplyException when the code is not 5xx or the reply is malformed
     */
    public static Response.Decision reject(int code, String enhancedCode, String... lines) {
        if (code / 100 != 5) {
            throw new SmtpReply.InvalidReplyException("a reject needs a 5xx code, not " + code);
        }
        return reply(SmtpReply.of(code, enhancedCode, lines));
    }

    /**
     * Fails temporarily with a 4xx reply of your own.
     *
     * @param code 400..499
     * @param enhancedCode such as {@code 4.7.1}, or {@code null}
     * @param lines the text, one element per line
     * @throws SmtpReply.InvalidReplyException when the code is not 4xx or the reply is malformed
     */
    public static Response.Decision tempFail(int code, String enhancedCode, String... lines) {
        if (code / 100 != 4) {
            throw new SmtpReply.InvalidReplyException("a temporary failure needs a 4xx code, not " + code);
        }
        return reply(SmtpReply.of(code, enhancedCode, lines));
    }
}
