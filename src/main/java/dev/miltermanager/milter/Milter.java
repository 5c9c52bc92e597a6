package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A mail filter: one callback per event of an MTA connection, each returning a {@link Verdict}. Every method has
 * a default that continues, so a milter overrides only what it needs; but which events arrive at all, which are
 * answered and which changes may be made is declared in its {@link MilterSpec}, never inferred from the methods
 * overridden.
 *
 * <h2>Instances and threads</h2>
 * A {@link MilterFactory} makes one instance per MTA connection, so per-connection and per-message state lives
 * in plain fields. All callbacks of an instance run on that connection's thread, one at a time. Blocking in a
 * callback is fine (connections run on virtual threads); use {@link MessageEditor#progress()} during long work at
 * end of message.
 *
 * <h2>Call order</h2>
 * <pre>
 * connect → helo* → ( mailFrom → recipient+ → data → header* → endOfHeaders → body* → endOfMessage )* → close
 * </pre>
 * <ul>
 *   <li>Events the spec leaves out, or the MTA does not send (version 2 MTAs send neither {@code data} nor
 *       {@code unknown}), are skipped; {@link #unknown} may come at any point.</li>
 *   <li>A message ends with {@link #endOfMessage}, or with {@link #abort} when the MTA abandons it while it is open
 *       (RSET, a rejected recipient list, a lost client). The ABORT that Postfix sends after every completed
 *       message is not passed on.</li>
 *   <li>A message also ends, without {@code abort}, when a callback returns ACCEPT, REJECT, TEMPFAIL, DISCARD
 *       or SHUTDOWN (except REJECT, TEMPFAIL or DISCARD from {@link #recipient} and {@link #unknown}, which refuse
 *       only that command). Reset per-message state in {@link #mailFrom}, which starts every message.</li>
 *   <li>{@link #close} comes last, once, whatever happened (QUIT, the MTA closing, a protocol error, server
 *       shutdown); {@link #abort} precedes it if a message was open.</li>
 *   <li>Events arriving out of order are handled as libmilter does: an open message is aborted and the event is
 *       taken as if it followed HELO, or ignored when it cannot.</li>
 * </ul>
 *
 * <h2>Verdicts</h2>
 * For events declared in {@link MilterSpec#noReply()} the verdict is dropped (the MTA expects no answer). {@link
 * Verdict#SKIP} is sent only from {@link #body} when SKIP was agreed, and is otherwise CONTINUE. A callback that
 * throws is logged and answered with the server's failure verdict ({@link Verdict#TEMPFAIL} unless configured in
 * {@link MilterServer.Builder#callbackFailureVerdict}); at end of message its changes are dropped. Returning
 * {@code null} counts as throwing.
 *
 * {@snippet :
 * final class SubjectMilter implements Milter {
 *     private boolean spam;
 *
 *     @Override
 *     public Response.Decision mailFrom(String sender, List<String> esmtpArgs) {
 *         spam = false;
 *         return Verdict.CONTINUE;
 *     }
 *
 *     @Override
 *     public Response.Decision header(String name, String value) {
 *         spam |= name.equalsIgnoreCase("Subject") && value.contains("viagra");
 *         return Verdict.CONTINUE;
 *     }
 *
 *     @Override
 *     public Response.Decision endOfMessage(MessageEditor editor) {
 *         if (spam) {
 *             return Verdict.reject(550, "5.7.1", "No thanks");
 *         }
 *         editor.addHeader("X-Checked", "yes");
 *         return Verdict.CONTINUE;
 *     }
 * }
 * }
 */
public interface Milter {

    /**
     * The SMTP client connected. Macros of stage CONNECT are available. ACCEPT or REJECT here applies to the
     * whole connection.
     */
    default Response.Decision connect(Command.Connect client) {
        return Verdict.CONTINUE;
    }

    /** HELO or EHLO, with its argument; may come more than once. */
    default Response.Decision helo(String name) {
        return Verdict.CONTINUE;
    }

    /** MAIL FROM: a new message starts. The sender as sent (usually in angle brackets) and its ESMTP arguments. */
    default Response.Decision mailFrom(String sender, List<String> esmtpArgs) {
        return Verdict.CONTINUE;
    }

    /** RCPT TO, once per recipient; REJECT or TEMPFAIL refuses this recipient only. */
    default Response.Decision recipient(String recipient, List<String> esmtpArgs) {
        return Verdict.CONTINUE;
    }

    /** DATA (protocol version 4 and later). */
    default Response.Decision data() {
        return Verdict.CONTINUE;
    }

    /**
     * One header, in order. Folded values use bare LF; the value starts with the space after the colon only if
     * {@link dev.miltermanager.protocol.ProtocolFlag#HEADER_LEADING_SPACE} was agreed.
     */
    default Response.Decision header(String name, String value) {
        return Verdict.CONTINUE;
    }

    /** The headers are complete. */
    default Response.Decision endOfHeaders() {
        return Verdict.CONTINUE;
    }

    /**
     * A piece of the body, CRLF line ends, at most 65535 bytes unless a larger size was agreed. The buffer is
     * read-only and valid during the call only.
     */
    default Response.Decision body(ByteBuffer chunk) {
        return Verdict.CONTINUE;
    }

    /**
     * The message is complete: the only place to change it, through {@code editor}. CONTINUE accepts it with the
     * changes made.
     */
    default Response.Decision endOfMessage(MessageEditor editor) {
        return Verdict.CONTINUE;
    }

    /** An SMTP command the MTA did not recognise (protocol version 3 and later). */
    default Response.Decision unknown(String line) {
        return Verdict.CONTINUE;
    }

    /** The open message was abandoned; forget it. The connection goes on. */
    default void abort() {
    }

    /** The connection is over; release what the instance holds. Called exactly once, last. */
    default void close() {
    }
}
