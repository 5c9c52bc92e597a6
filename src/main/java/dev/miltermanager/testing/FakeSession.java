package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.WireText;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The record of one connection to a {@link FakeMilter}: the negotiation offer, every command in order with its
 * macros, the messages they form, what the fake sent back, errors, and how the connection ended.
 *
 * <p>Thread-safe. Accessors return immutable snapshots and may be called while the connection is live; the
 * {@code await} methods block until the record satisfies a condition or the timeout passes, and then fail with an
 * {@link AssertionError} that carries the {@link #transcript()}.
 * {@snippet :
 * FakeSession session = milter.takeSession(Duration.ofSeconds(5));
 * session.awaitEnd(Duration.ofSeconds(5));
 * assertEquals(List.of("<bob@example.org>"), session.recipients());
 * assertEquals("hello\r\n", session.message(0).bodyText());
 * }
 */
public final class FakeSession {

    /** How the connection stands or how it ended. */
    public enum State {
        /** Still connected. */
        OPEN,
        /** The MTA sent QUIT and the fake closed the connection. */
        QUIT,
        /** The MTA closed the connection (or reset it) without QUIT. */
        MTA_CLOSED,
        /** The fake closed the connection because its script said so. */
        FAKE_CLOSED,
        /** The MTA sent a malformed packet; it is in {@link #errors()} and the fake closed the connection. */
        PROTOCOL_ERROR,
        /** {@link FakeMilter#close()} closed the connection. */
        SHUTDOWN
    }

    /**
     * One command as received.
     *
     * @param command the command (never a {@link Command.Macros}: those are folded into {@code macros})
     * @param macros the macros of the {@code D} packets for this command's code that arrived before it, merged in
     *     arrival order (a later value for the same name wins); empty when none came
     */
    public record Received(Command command, Map<String, String> macros) {
        public Received {
            Objects.requireNonNull(command, "command");
            macros = Collections.unmodifiableMap(new LinkedHashMap<>(macros));
        }

        /** The stage of the command, or {@code null} for negotiation, ABORT and the QUITs. */
        public Stage stage() {
            return Stage.of(command);
        }
    }

    /**
     * One message as received: from MAIL (or the first message command, if MAIL was not sent) to end of message
     * or ABORT.
     *
     * @param sessionIndex the {@linkplain FakeSession#index() index} of the session it arrived on
     * @param index its position among the session's messages, from 0
     * @param mailFrom the MAIL command, if one came
     * @param rcptTo the RCPT commands, in order
     * @param headers the headers, in order, as received
     * @param body the body chunks concatenated (read-only)
     * @param endOfMessage whether end of message arrived
     * @param aborted whether ABORT arrived before end of message
     */
    public record Message(int sessionIndex, int index, Optional<Command.MailFrom> mailFrom,
                          List<Command.Recipient> rcptTo, List<Command.Header> headers, ByteBuffer body,
                          boolean endOfMessage, boolean aborted) {
        public Message {
            rcptTo = List.copyOf(rcptTo);
            headers = List.copyOf(headers);
            body = body.slice().asReadOnlyBuffer();
        }

        /** The sender as sent in MAIL, or {@code null} if no MAIL arrived. */
        public String sender() {
            return mailFrom.map(Command.MailFrom::sender).orElse(null);
        }

        /** The recipients as sent in RCPT. */
        public List<String> recipients() {
            return rcptTo.stream().map(Command.Recipient::recipient).toList();
        }

        /** The value of the first header with this name (case-insensitive), if any. */
        public Optional<String> header(String name) {
            return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Command.Header::value)
                    .findFirst();
        }

        @Override
        public ByteBuffer body() {
            return body.duplicate();
        }

        /** The body's bytes, copied. */
        public byte[] bodyBytes() {
            byte[] bytes = new byte[body.remaining()];
            body.duplicate().get(bytes);
            return bytes;
        }

        /** The body as text (UTF-8, invalid bytes kept as {@link WireText} escapes). */
        public String bodyText() {
            byte[] bytes = bodyBytes();
            return WireText.decode(bytes, 0, bytes.length);
        }

        @Override
        public String toString() {
            return "Message[" + sessionIndex + "." + index + ", from=" + sender() + ", to=" + recipients()
                    + ", " + headers.size() + " headers, " + body.remaining() + " body bytes"
                    + (endOfMessage ? ", end of message" : "") + (aborted ? ", aborted" : "") + "]";
        }
    }

    private final SessionRecord record;

    FakeSession(SessionRecord record) {
        this.record = record;
    }

    SessionRecord record() {
        return record;
    }

    /** The position of this connection among the fake's connections, from 0, in the order they were accepted. */
    public int index() {
        return record.index();
    }

    /** The MTA's end, as the transport describes it (such as {@code inet:41234@[127.0.0.1]}). */
    public String peer() {
        return record.peer();
    }

    /** The MTA's negotiation offer (the first, if it sent several), once it has arrived. */
    public Optional<Command.Negotiate> offer() {
        return record.read(r -> r.offer);
    }

    /** The negotiation reply the fake sent, if it sent one as a well-formed {@code O} packet. */
    public Optional<Response.Negotiate> negotiated() {
        return record.read(r -> r.negotiated);
    }

    /** Every command received, in order, with its macros. */
    public List<Received> received() {
        return record.read(r -> List.copyOf(r.received));
    }

    /** The commands of one stage received, in order, with their macros. */
    public List<Received> received(Stage stage) {
        return received().stream().filter(r -> r.stage() == stage).toList();
    }

    /** Every command received, in order, without macros. */
    public List<Command> commands() {
        return received().stream().map(Received::command).toList();
    }

    /** The commands of one type received, in order: {@code commands(Command.Recipient.class)}. */
    public <T extends Command> List<T> commands(Class<T> type) {
        return received().stream().map(Received::command).filter(type::isInstance).map(type::cast).toList();
    }

    /** The messages so far, the one in progress included. */
    public List<Message> messages() {
        return record.read(SessionRecord::messages);
    }

    /**
     * One message.
     *
     * @throws AssertionError if fewer messages arrived; the message carries the transcript
     */
    public Message message(int index) {
        List<Message> messages = messages();
        if (index < 0 || index >= messages.size()) {
            throw new AssertionError("session " + index() + " received " + messages.size()
                    + " message(s), so there is no message " + index + "\n" + transcript());
        }
        return messages.get(index);
    }

    /** Every header received on this connection, in order, whatever the message. */
    public List<Command.Header> headers() {
        return commands(Command.Header.class);
    }

    /** Every recipient received on this connection, as sent in RCPT, in order. */
    public List<String> recipients() {
        return commands(Command.Recipient.class).stream().map(Command.Recipient::recipient).toList();
    }

    /** How many ABORT commands arrived. */
    public int abortCount() {
        return commands(Command.Abort.class).size();
    }

    /** Whether QUIT arrived. */
    public boolean quitReceived() {
        return !commands(Command.Quit.class).isEmpty();
    }

    /** Every response the fake sent, in order (raw bytes are in the transcript only). */
    public List<Response> sent() {
        return record.read(r -> List.copyOf(r.sent));
    }

    /** Malformed packets from the MTA (each closed the connection) and unexpected I/O failures. */
    public List<Exception> errors() {
        return record.read(r -> List.copyOf(r.errors));
    }

    /**
     * Commands the MTA should not have sent given what the fake negotiated: an event the fake asked not to
     * receive, one its protocol version does not define, a command before negotiation. Recorded; the
     * conversation goes on.
     */
    public List<String> violations() {
        return record.read(r -> List.copyOf(r.violations));
    }

    /** Where the connection stands. */
    public State state() {
        return record.read(r -> r.state);
    }

    /** Both directions with times since the connection was accepted, for assertion messages. */
    public String transcript() {
        return record.read(r -> String.join("\n", r.transcript)) + "\n";
    }

    /**
     * Waits until the record satisfies {@code condition}.
     *
     * @param what what is awaited, for the failure message
     * @throws AssertionError if it is not satisfied within {@code timeout}
     */
    public FakeSession await(Predicate<? super FakeSession> condition, Duration timeout, String what) {
        if (!record.await(() -> condition.test(this), timeout)) {
            throw new AssertionError("session " + index() + ": timed out after " + timeout + " waiting for "
                    + what + "\n" + transcript());
        }
        return this;
    }

    /**
     * Waits for the first command of a type.
     *
     * @throws AssertionError if none arrives within {@code timeout}
     */
    public <T extends Command> T awaitCommand(Class<T> type, Duration timeout) {
        await(s -> !s.commands(type).isEmpty(), timeout, "a " + type.getSimpleName() + " command");
        return commands(type).get(0);
    }

    /**
     * Waits until the connection has ended.
     *
     * @return how it ended
     * @throws AssertionError if it is still open after {@code timeout}
     */
    public State awaitEnd(Duration timeout) {
        await(s -> s.state() != State.OPEN, timeout, "the connection to end");
        return state();
    }

    @Override
    public String toString() {
        return "FakeSession[" + index() + ", " + peer() + ", " + state() + "]";
    }
}
