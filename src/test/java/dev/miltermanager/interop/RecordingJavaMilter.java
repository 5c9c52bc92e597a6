package dev.miltermanager.interop;

import dev.miltermanager.milter.MessageEditor;
import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterContext;
import dev.miltermanager.milter.MilterFactory;
import dev.miltermanager.milter.NegotiatedOptions;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A Java milter for the tests that put our {@link dev.miltermanager.milter.MilterServer} behind real Postfix. Each
 * instance (one per MTA connection) logs every callback, with the macros of its stage, to a shared {@link Script};
 * keeps what it saw of the current message (reset at MAIL, as the {@link Milter} contract asks); and answers as the
 * script says. The script is set up by the test thread before mail is sent and read by the connections' threads.
 */
final class RecordingJavaMilter implements Milter {

    /**
     * One callback: the connection it came on (1, 2, ... in connection order), a line such as
     * {@code "rcpt <a@example.net> NOTIFY=NEVER"}, and the macros of the callback's stage (empty for header, body,
     * unknown, abort and close, which have none).
     */
    record Event(int connection, String line, Map<String, String> stageMacros) {
        @Override
        public String toString() {
            return connection + ": " + line + (stageMacros.isEmpty() ? "" : " " + stageMacros);
        }
    }

    /**
     * The message as the milter saw it at end of message: the connection and the message's number on it (from 1),
     * the envelope, the headers ({@code "Name: value"}, in order) and the body bytes.
     */
    record Seen(int connection, int message, String sender, List<String> recipients, List<String> headers,
            byte[] body) {
    }

    /** What to do at end of message: make changes through the editor, return the verdict. */
    @FunctionalInterface
    interface EndOfMessage {
        Response.Decision apply(MessageEditor editor, Seen seen);
    }

    /** The shared log and answers of every instance of one server; thread-safe. */
    static final class Script implements MilterFactory {
        private final List<Event> events = new CopyOnWriteArrayList<>();
        private final AtomicInteger connections = new AtomicInteger();
        private final AtomicInteger closed = new AtomicInteger();
        private final Map<Stage, Function<String, Response.Decision>> verdicts = new ConcurrentHashMap<>();
        private final List<NegotiatedOptions> options = new CopyOnWriteArrayList<>();
        private volatile EndOfMessage endOfMessage = (editor, seen) -> Verdict.CONTINUE;

        /**
         * The verdict of a callback other than end of message, from its event line (everything after the first
         * word of {@link Event#line()}, e.g. {@code "<a@example.net>"} for a recipient).
         */
        Script on(Stage stage, Function<String, Response.Decision> verdict) {
            if (stage == Stage.EOM) {
                throw new IllegalArgumentException("use atEndOfMessage");
            }
            verdicts.put(stage, verdict);
            return this;
        }

        /** The end-of-message behaviour (default: no change, CONTINUE). */
        Script atEndOfMessage(EndOfMessage action) {
            this.endOfMessage = action;
            return this;
        }

        /** Every callback so far, in order (several connections interleave). */
        List<Event> events() {
            return List.copyOf(events);
        }

        /** The event lines so far. */
        List<String> lines() {
            return events.stream().map(Event::line).toList();
        }

        /** The first event whose line starts with {@code prefix}. */
        Optional<Event> first(String prefix) {
            return events.stream().filter(e -> e.line().startsWith(prefix)).findFirst();
        }

        /** What each connection negotiated, in connection order. */
        List<NegotiatedOptions> negotiated() {
            return List.copyOf(options);
        }

        /** How many milter instances were made (one per MTA connection). */
        int instances() {
            return connections.get();
        }

        /** How many instances got {@link Milter#close()}. */
        int closedInstances() {
            return closed.get();
        }

        /**
         * Waits until {@code count} instances have been closed (their MTA connections ended).
         *
         * @throws AssertionError on timeout, with the events
         */
        void awaitClosed(int count, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (closed.get() < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(closed.get() + " of " + count + " milter instances closed within "
                            + timeout + "; events: " + events);
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }

        @Override
        public Milter create(MilterContext context) {
            options.add(context.options());
            return new RecordingJavaMilter(this, context, connections.incrementAndGet());
        }
    }

    private final Script script;
    private final MilterContext context;
    private final int connection;
    private int messages;
    private String sender;
    private final List<String> recipients = new ArrayList<>();
    private final List<String> headers = new ArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    private RecordingJavaMilter(Script script, MilterContext context, int connection) {
        this.script = script;
        this.context = context;
        this.connection = connection;
    }

    @Override
    public Response.Decision connect(Command.Connect client) {
        return event(Stage.CONNECT, "connect " + client.hostname() + " " + client.family() + " " + client.address());
    }

    @Override
    public Response.Decision helo(String name) {
        return event(Stage.HELO, "helo " + name);
    }

    @Override
    public Response.Decision mailFrom(String from, List<String> esmtpArgs) {
        messages++;
        sender = from;
        recipients.clear();
        headers.clear();
        body.reset();
        return event(Stage.MAIL, "mail " + withArgs(from, esmtpArgs));
    }

    @Override
    public Response.Decision recipient(String recipient, List<String> esmtpArgs) {
        recipients.add(recipient);
        return event(Stage.RCPT, "rcpt " + withArgs(recipient, esmtpArgs));
    }

    @Override
    public Response.Decision data() {
        return event(Stage.DATA, "data");
    }

    @Override
    public Response.Decision header(String name, String value) {
        headers.add(name + ": " + value);
        return event(Stage.HEADER, "header " + name + ": " + value);
    }

    @Override
    public Response.Decision endOfHeaders() {
        return event(Stage.EOH, "eoh");
    }

    @Override
    public Response.Decision body(ByteBuffer chunk) {
        int size = chunk.remaining();
        byte[] bytes = new byte[size];
        chunk.duplicate().get(bytes);
        body.writeBytes(bytes);
        return event(Stage.BODY, "body " + size);
    }

    @Override
    public Response.Decision endOfMessage(MessageEditor editor) {
        record(Stage.EOM, "eom");
        return script.endOfMessage.apply(editor, new Seen(connection, messages, sender, List.copyOf(recipients),
                List.copyOf(headers), body.toByteArray()));
    }

    @Override
    public Response.Decision unknown(String line) {
        return event(Stage.UNKNOWN, "unknown " + line);
    }

    @Override
    public void abort() {
        record(null, "abort");
    }

    @Override
    public void close() {
        record(null, "close");
        script.closed.incrementAndGet();
    }

    private Response.Decision event(Stage stage, String line) {
        record(stage, line);
        Function<String, Response.Decision> verdict = script.verdicts.get(stage);
        int space = line.indexOf(' ');
        return verdict == null ? Verdict.CONTINUE : verdict.apply(space < 0 ? "" : line.substring(space + 1));
    }

    private void record(Stage stage, String line) {
        MacroStage macroStage = stage == null ? null : stage.macroStage();
        Map<String, String> stageMacros = macroStage == null ? Map.of() : context.macros(macroStage);
        script.events.add(new Event(connection, line, Collections.unmodifiableMap(new LinkedHashMap<>(stageMacros))));
    }

    private static String withArgs(String address, List<String> esmtpArgs) {
        return esmtpArgs.isEmpty() ? address : address + " " + String.join(" ", esmtpArgs);
    }
}
