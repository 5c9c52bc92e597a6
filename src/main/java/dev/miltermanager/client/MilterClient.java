package dev.miltermanager.client;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One session with one milter, seen from the MTA side: negotiate, send the events of an SMTP conversation, collect
 * the verdicts and the end-of-message edits, then quit.
 *
 * <p><b>Call order.</b> {@link #negotiate} first and once. Then the events in the order an MTA sends them, each
 * through {@link #send(Command, Map)} (CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, UNKNOWN), the body also
 * through {@link #body(ByteBuffer)}, and {@link #endOfMessage} to end a message; {@link #abort()} abandons a
 * message (Postfix also sends it after each one), after which the next MAIL may follow. {@link #quit()} ends the
 * session and closes the connection; {@link #quitNewConnection()} ends it but keeps the connection for a new
 * CONNECT. The client checks that negotiation came first, and otherwise passes events on in the order given.
 *
 * <p><b>What the client decides for the caller.</b> It follows what the milter negotiated ({@link Negotiated}):
 * <ul>
 *   <li>an event the milter asked not to receive ({@code NO_*}), or that its protocol version does not define
 *       (DATA below version 4, UNKNOWN below 3), is not sent, nor its macros, and yields a synthesized
 *       {@link Response.Continue};</li>
 *   <li>an event the milter will not answer ({@code NR_*}) is sent and yields {@link Response.Continue} without
 *       waiting;</li>
 *   <li>after the milter answered {@link Response.Skip} to a body chunk, further body chunks of the message are not
 *       sent and yield {@link Response.Continue} (as in Postfix) until the next MAIL, end of message, abort or
 *       quit-new-connection;</li>
 *   <li>progress packets while a reply is due restart the timer and are otherwise skipped (at end of message they
 *       are also passed to the listener).</li>
 * </ul>
 * Verdicts are returned as values, whatever they mean for the message: the caller decides. The milter breaking the
 * protocol is a {@link MilterProtocolViolationException}: a malformed, oversized or unknown packet, a modification
 * before end of message or one it did not negotiate, SKIP anywhere but in reply to a body chunk, connection failure
 * ({@code f}), or any packet arriving when no reply is due (after an {@code NR_*} event, {@code A} or {@code K});
 * the latter is detected when the client next sends a command, so a late packet that arrives just after that check
 * is taken as the next reply and the mismatch shows one command later.
 *
 * <p><b>Failures.</b> Every blocking step is bounded by a timeout of {@link ClientOptions}. Faults are unchecked
 * {@link MilterClientException}s, one subclass per cause, whose message names the milter, the phase and what
 * happened. After a fault the connection is closed and every later call but {@link #quit()} and {@link #close()}
 * throws a {@link MilterClientClosedException} whose cause is the original fault. Misuse by the caller (a call
 * before negotiation, a command that is not an event) is an {@link IllegalStateException} or
 * {@link IllegalArgumentException} and leaves the session as it was.
 *
 * <p><b>Thread-safety.</b> One caller at a time: the calls are serialized by a lock, but interleaving events from
 * several threads makes no sense for one SMTP session. {@link #close()} may be called from any thread at any time;
 * it unblocks a call waiting on the milter at once, which then throws {@link MilterClientClosedException}.
 *
 * {@snippet :
 * try (MilterClient milter = MilterClient.connect(ConnectionSpec.parse("inet:8891@[127.0.0.1]"),
 *         ClientOptions.DEFAULTS.withName("opendkim"))) {
 *     milter.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
 *     milter.send(new Command.Connect("mail.example.org", Command.Family.INET, 41000, "192.0.2.1"),
 *             Map.of("j", "mx.example.net"));
 *     milter.send(new Command.Helo("mail.example.org"));
 *     milter.send(new Command.MailFrom("<alice@example.org>"));
 *     milter.send(new Command.Recipient("<bob@example.net>"));
 *     milter.send(new Command.Header("Subject", "hello"));
 *     milter.send(new Command.EndOfHeaders());
 *     milter.body(ByteBuffer.wrap("Hi Bob\r\n".getBytes(StandardCharsets.US_ASCII)));
 *     EndOfMessageResult result = milter.endOfMessage();
 *     result.modifications().forEach(System.out::println);
 *     milter.quit();
 * }
 * }
 */
public interface MilterClient extends AutoCloseable {

    /**
     * Opens a connection to the milter at {@code spec} within {@link ClientOptions#connectTimeout()} (TCP
     * connections get {@code TCP_NODELAY}). The session is not negotiated yet: call {@link #negotiate} next.
     *
     * @throws MilterConnectException if the connection is refused, the socket file is missing or the host unknown
     * @throws MilterTimeoutException if connecting takes longer than the connect timeout
     */
    static MilterClient connect(ConnectionSpec spec, ClientOptions options) {
        return BlockingMilterClient.connect(spec, options);
    }

    /**
     * A client of a milter in the same process (such as a manager's in-process session): the commands are encoded
     * and decoded as on a socket, so everything the client checks and decides is the same. Reads are bounded by the
     * options' timeouts; the connect timeout does not apply.
     *
     * @param name how logs and exception messages name the milter
     */
    static MilterClient inProcess(String name, ClientOptions options, InProcessMilter milter) {
        java.util.Objects.requireNonNull(milter, "milter");
        return new BlockingMilterClient(new InProcessLink(milter), java.util.Objects.requireNonNull(name, "name"),
                java.util.Objects.requireNonNull(options, "options"));
    }

    /** The milter as logs and exception messages name it: the configured name and the spec, or the spec. */
    String name();

    /**
     * Sends the offer and reads the milter's answer. The reply is read under the read timeout.
     *
     * @param offer the MTA's version (2..6), actions and protocol flags
     * @return the validated result, which the client follows from now on
     * @throws IllegalArgumentException if the offered version is outside 2..6
     * @throws IllegalStateException if the session is already negotiated
     * @throws MilterProtocolViolationException with a {@link NegotiationException} cause if the answer is not an
     *     {@code O} with version 2..6, not above the offer, and actions within the offer (protocol flags outside
     *     the offer are tolerated, as Postfix does, and logged)
     * @throws MilterClientException for any other fault
     */
    Negotiated negotiate(Command.Negotiate offer);

    /** The negotiated result, or empty before {@link #negotiate}. */
    Optional<Negotiated> negotiated();

    /**
     * Sends one event with its macros ({@code D} first, in the same write) and returns the milter's verdict.
     * A {@link Command.Body} larger than 65535 bytes is cut into chunks as {@link #body(ByteBuffer)} does; body
     * chunks carry no macros, so {@code macros} is ignored for them.
     *
     * @param event CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY or UNKNOWN
     * @param macros macro names (such as {@code j} or {@code {daemon_name}}) to values, sent as given; empty for none
     * @return the verdict: continue, accept, reject, tempfail, discard, a reply code, shutdown, or skip (for a body
     *     chunk only); continue also when the event was not sent or not awaited
     * @throws IllegalArgumentException if the command is not one of these events
     * @throws IllegalStateException before negotiation
     * @throws MilterClientException for a fault
     */
    Response.Decision send(Command event, Map<String, String> macros);

    /** {@link #send(Command, Map)} without macros. */
    default Response.Decision send(Command event) {
        return send(event, Map.of());
    }

    /**
     * Writes one event as {@link #send(Command, Map)} does, but returns without reading the verdict, which
     * {@link PendingReply#await()} reads later. A caller can so write an event to several milters before it reads
     * any of their answers, on one thread. The read timeout runs from the moment the event is written, as with
     * {@code send}: a verdict that arrived in time is taken even when it is awaited later (a moment of grace is
     * given to read it).
     *
     * <p>While a reply is still to be read, every other call but {@link #quit()} and {@link #close()} throws an
     * {@link IllegalStateException} until it is awaited. A body larger than one chunk sends its first chunk now and the others from
     * {@code await}, each after the verdict on the one before.
     *
     * @param event as for {@link #send(Command, Map)}
     * @param macros as for {@link #send(Command, Map)}
     * @return the reply to await exactly once; already complete when nothing is to be read (an event not sent or
     *     not answered)
     * @throws IllegalArgumentException if the command is not one of the events {@code send} takes
     * @throws IllegalStateException before negotiation, or while another reply is pending
     * @throws MilterClientException for a fault while writing
     */
    PendingReply post(Command event, Map<String, String> macros);

    /** A verdict on an event written by {@link #post}, not read yet. */
    interface PendingReply {
        /**
         * Reads the verdict (and sends the body's further chunks, if any), as {@link #send(Command, Map)} would
         * have returned it.
         *
         * @throws IllegalStateException if it was awaited already
         * @throws MilterClientException for a fault, including the read timeout passing
         */
        Response.Decision await();
    }

    /**
     * Sends a piece of the body as chunks of at most 65535 bytes. When the milter answers body chunks, each is sent
     * after the verdict on the previous one, and the first verdict other than continue is returned at once (the
     * rest of the piece is not sent); when it does not ({@code NR_BODY}), the chunks leave in writes of up to
     * 1 MiB. An empty piece sends nothing. The buffer's position is left unchanged.
     *
     * @return the first verdict other than continue, or continue
     * @throws IllegalStateException before negotiation
     * @throws MilterClientException for a fault
     */
    Response.Decision body(ByteBuffer body);

    /**
     * Sends end of message with its macros and reads the milter's modifications and progress until its final
     * verdict. The end-of-message timeout runs from sending {@code E} to the verdict and starts again at each
     * progress packet; modifications do not extend it.
     *
     * @param macros the end-of-message macros; empty for none
     * @param listener called on the calling thread with each modification and progress packet as it arrives, in
     *     order, before this method returns (so edits such as added recipients can be forwarded at once); not
     *     called with the verdict. If it throws, the client is closed (the milter's remaining packets are unread)
     *     and the exception propagates.
     * @return every modification in arrival order and the verdict
     * @throws MilterProtocolViolationException for a modification whose action was not negotiated, SKIP or any
     *     other response that cannot answer end of message
     * @throws IllegalStateException before negotiation
     * @throws MilterClientException for a fault
     */
    EndOfMessageResult endOfMessage(Map<String, String> macros, Consumer<? super Response> listener);

    /** {@link #endOfMessage(Map, Consumer)} without macros or listener. */
    default EndOfMessageResult endOfMessage() {
        return endOfMessage(Map.of(), response -> { });
    }

    /**
     * Sends ABORT: the current message is abandoned. Waits for nothing.
     *
     * @throws IllegalStateException before negotiation
     * @throws MilterClientException for a fault
     */
    void abort();

    /**
     * Sends QUIT_NC ({@code K}): the session ends, the connection stays open and negotiated, ready for a new
     * CONNECT. Waits for nothing.
     *
     * @throws IllegalStateException before negotiation
     * @throws MilterClientException for a fault
     */
    void quitNewConnection();

    /**
     * Sends QUIT if the client is open, then closes it. Never throws a {@link MilterClientException}: a milter that
     * cannot be told is simply disconnected (logged at debug level). Does nothing on a closed client.
     */
    void quit();

    /**
     * How many progress packets arrived while the client awaited the verdict on an event other than end of message,
     * since the session began. Postfix accepts them there; Sendmail accepts progress only at end of message, so a
     * caller playing Sendmail can tell. Never blocks.
     */
    long progressBeforeEndOfMessage();

    /** Whether the client can still be used: not closed, quit or failed. */
    boolean isOpen();

    /**
     * Closes the connection without QUIT. Idempotent; may be called from any thread; unblocks a call in progress,
     * which throws {@link MilterClientClosedException}.
     */
    @Override
    void close();
}
