package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeSession.Message;
import dev.miltermanager.testing.FakeSession.Received;
import dev.miltermanager.testing.FakeSession.State;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The mutable record behind a {@link FakeSession}: written by the connection's thread, read by tests. Every field
 * is guarded by one {@link Guard}; every change wakes the waiters.
 */
final class SessionRecord {
    private final int index;
    private final String peer;
    private final long startNanos = System.nanoTime();
    private final Guard guard = new Guard();

    Optional<Command.Negotiate> offer = Optional.empty();
    Optional<Response.Negotiate> negotiated = Optional.empty();
    final List<Received> received = new ArrayList<>();
    final List<Response> sent = new ArrayList<>();
    final List<Exception> errors = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    final List<String> transcript = new ArrayList<>();
    State state = State.OPEN;
    private final List<Message> doneMessages = new ArrayList<>();
    private MessageDraft current;
    private final Map<Character, Map<String, String>> pendingMacros = new HashMap<>();

    SessionRecord(int index, String peer) {
        this.index = index;
        this.peer = peer;
        transcript.add("session " + index + " from " + peer);
    }

    int index() {
        return index;
    }

    String peer() {
        return peer;
    }

    /** Reads under the lock. */
    <T> T read(Function<SessionRecord, T> reader) {
        return guard.read(() -> reader.apply(this));
    }

    /** Waits until {@code done} holds (evaluated under the lock, after every change). */
    boolean await(BooleanSupplier done, Duration timeout) {
        return guard.await(done, timeout);
    }

    private void update(Runnable change) {
        guard.update(change);
    }

    private void log(String direction, String text) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        transcript.add(String.format("%7dms %-4s %s", millis, direction, text));
    }

    void macros(Command.Macros macros) {
        update(() -> {
            pendingMacros.computeIfAbsent(macros.commandCode(), c -> new LinkedHashMap<>()).putAll(macros.macros());
            log("MTA", "D" + macros.commandCode() + " " + macros.macros());
        });
    }

    /** Records a command with the macros that came before it; returns the record, and the message it belongs to. */
    Received command(Command command) {
        return guard.update(() -> {
            Map<String, String> macros = pendingMacros.remove(command.code());
            Received received = new Received(command, macros == null ? Map.of() : macros);
            this.received.add(received);
            if (command instanceof Command.Negotiate n && offer.isEmpty()) {
                offer = Optional.of(n);
            }
            trackMessage(command);
            log("MTA", Texts.describe(command));
            return received;
        });
    }

    /** The message in progress (or the last one), as it stands. */
    Message currentMessage() {
        return read(r -> r.current != null ? r.current.toMessage()
                : r.doneMessages.isEmpty() ? null : r.doneMessages.get(r.doneMessages.size() - 1));
    }

    List<Message> messages() {
        List<Message> all = new ArrayList<>(doneMessages);
        if (current != null) {
            all.add(current.toMessage());
        }
        return List.copyOf(all);
    }

    private void trackMessage(Command command) {
        switch (command) {
            case Command.MailFrom m -> {
                finishMessage(false, false);
                draft().mailFrom = m;
            }
            case Command.Recipient r -> draft().rcptTo.add(r);
            case Command.Header h -> draft().headers.add(h);
            case Command.Data d -> draft();
            case Command.EndOfHeaders e -> draft();
            case Command.Body b -> draft().body.writeBytes(b.toByteArray());
            case Command.EndOfMessage e -> {
                ByteBuffer last = e.chunk();
                byte[] bytes = new byte[last.remaining()];
                last.get(bytes);
                draft().body.writeBytes(bytes);
                finishMessage(true, false);
            }
            case Command.Abort a -> finishMessage(false, true);
            case Command.Quit q -> finishMessage(false, false);
            case Command.QuitNewConnection q -> finishMessage(false, false);
            case Command.Negotiate n -> { }
            case Command.Macros m -> { }
            case Command.Connect c -> { }
            case Command.Helo h -> { }
            case Command.Unknown u -> { }
        }
    }

    private MessageDraft draft() {
        if (current == null) {
            current = new MessageDraft(index, doneMessages.size());
        }
        return current;
    }

    private void finishMessage(boolean endOfMessage, boolean aborted) {
        if (current != null) {
            current.endOfMessage = endOfMessage;
            current.aborted = aborted;
            doneMessages.add(current.toMessage());
            current = null;
        }
    }

    void negotiated(Response.Negotiate reply) {
        update(() -> negotiated = Optional.of(reply));
    }

    void sent(List<? extends Response> responses) {
        update(() -> {
            sent.addAll(responses);
            String text = responses.size() == 1 ? Texts.describe(responses.get(0))
                    : "one write: " + String.join(", ", responses.stream().map(Texts::describe).toList());
            log("fake", text);
        });
    }

    /** Records something the fake wrote that is not a response (raw bytes). */
    void wrote(String text) {
        update(() -> log("fake", text));
    }

    void note(String text) {
        update(() -> log("", text));
    }

    void violation(String text) {
        update(() -> {
            violations.add(text);
            log("", "VIOLATION: " + text);
        });
    }

    void error(Exception error) {
        update(() -> {
            errors.add(error);
            log("", "ERROR: " + error);
        });
    }

    /** Ends the connection's record, unless it already ended. */
    void end(State how) {
        update(() -> {
            if (state == State.OPEN) {
                state = how;
                log("", "ended: " + how);
            }
        });
    }

    /** A message being received. */
    static final class MessageDraft {
        private final int sessionIndex;
        private final int index;
        Command.MailFrom mailFrom;
        final List<Command.Recipient> rcptTo = new ArrayList<>();
        final List<Command.Header> headers = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean endOfMessage;
        boolean aborted;

        MessageDraft(int sessionIndex, int index) {
            this.sessionIndex = sessionIndex;
            this.index = index;
        }

        Message toMessage() {
            return new Message(sessionIndex, index, Optional.ofNullable(mailFrom), rcptTo, headers,
                    ByteBuffer.wrap(body.toByteArray()), endOfMessage, aborted);
        }
    }
}
