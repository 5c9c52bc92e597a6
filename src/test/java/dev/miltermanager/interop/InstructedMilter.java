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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A Java milter for tests driven by an MTA-side tool that cannot talk to the test directly: it records every
 * callback of every connection, and takes the one verdict it is to give from the client host name the MTA reports
 * at connect. {@code "rcpt.reject.test"} means REJECT at the first recipient and CONTINUE everywhere else; any
 * other host name means CONTINUE throughout. The instruction fires once per connection.
 *
 * <p>Verdict words: {@code continue}, {@code accept}, {@code reject}, {@code tempfail}, {@code discard}, {@code
 * skip}, {@code shutdown}, {@code reply} (550 5.7.1 "Refused at STAGE") and {@code tempreply} (451 4.7.1 "Try STAGE
 * later"). Stage words are the names of {@link Stage} in lower case.
 *
 * <p>At end of message, unless instructed otherwise, the milter makes the changes and gives the verdict of its
 * {@link EndOfMessage}. Callbacks run on the connection's thread; the {@link Recorder} may be read from any
 * thread.
 */
final class InstructedMilter implements Milter {

    /** One callback: its name, its argument in words, and the macros visible then. */
    record Event(String name, String detail, Map<String, String> stageMacros, Map<String, String> allMacros) {
        @Override
        public String toString() {
            return detail.isEmpty() ? name : name + " " + detail;
        }
    }

    /** What a connection did: the options agreed before it, and its callbacks in order. */
    record Connection(NegotiatedOptions options, List<Event> events) {
        /** The callback names, in order. */
        List<String> names() {
            return events().stream().map(Event::name).toList();
        }

        /** The client host name given at connect, or "" if there was no connect. */
        String host() {
            return events().isEmpty() || !events().getFirst().name().equals("connect") ? ""
                    : events().getFirst().detail().split(" ")[0];
        }

        /** The first event of this name. */
        Event first(String name) {
            return events().stream().filter(e -> e.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + name + " callback in " + events()));
        }

        /** Every event of this name, in order. */
        List<Event> all(String name) {
            return events().stream().filter(e -> e.name().equals(name)).toList();
        }
    }

    /** The changes and verdict at the end of message number {@code message} (1 for the first of a connection). */
    @FunctionalInterface
    interface EndOfMessage {
        Response.Decision apply(int message, MessageEditor editor);
    }

    /** The factory: makes the instances and keeps what each connection did. Thread-safe. */
    static final class Recorder implements MilterFactory {
        private final Queue<Connection> connections = new ConcurrentLinkedQueue<>();
        private final EndOfMessage endOfMessage;

        Recorder(EndOfMessage endOfMessage) {
            this.endOfMessage = endOfMessage;
        }

        /** A recorder whose milters make no change and continue at end of message. */
        Recorder() {
            this((message, editor) -> Verdict.CONTINUE);
        }

        @Override
        public Milter create(MilterContext context) {
            Connection connection = new Connection(context.options(),
                    Collections.synchronizedList(new ArrayList<>()));
            connections.add(connection);
            return new InstructedMilter(context, connection.events(), endOfMessage);
        }

        /** Every connection that got a milter instance, in the order they did. */
        List<Connection> connections() {
            return connections.stream()
                    .map(c -> new Connection(c.options(), List.copyOf(c.events())))
                    .toList();
        }

        /** The one connection there was. */
        Connection onlyConnection() {
            List<Connection> all = connections();
            if (all.size() != 1) {
                throw new AssertionError("expected one connection, got " + all.size() + ": " + all);
            }
            return all.getFirst();
        }
    }

    private record Instruction(Stage stage, String verdict) {
        static Optional<Instruction> parse(String host) {
            String[] words = host.split("\\.");
            if (words.length != 3 || !words[2].equals("test")) {
                return Optional.empty();
            }
            return Optional.of(new Instruction(Stage.valueOf(words[0].toUpperCase(Locale.ROOT)), words[1]));
        }

        Response.Decision decision() {
            String stageWord = stage.name().toLowerCase(Locale.ROOT);
            return switch (verdict) {
                case "continue" -> Verdict.CONTINUE;
                case "accept" -> Verdict.ACCEPT;
                case "reject" -> Verdict.REJECT;
                case "tempfail" -> Verdict.TEMPFAIL;
                case "discard" -> Verdict.DISCARD;
                case "skip" -> Verdict.SKIP;
                case "shutdown" -> Verdict.SHUTDOWN;
                case "reply" -> Verdict.reject(550, "5.7.1", "Refused at " + stageWord);
                case "tempreply" -> Verdict.tempFail(451, "4.7.1", "Try " + stageWord + " later");
                default -> throw new IllegalArgumentException("no verdict called " + verdict);
            };
        }
    }

    private final MilterContext context;
    private final List<Event> events;
    private final EndOfMessage endOfMessage;
    private Instruction instruction;
    private int messages;

    private InstructedMilter(MilterContext context, List<Event> events, EndOfMessage endOfMessage) {
        this.context = context;
        this.events = events;
        this.endOfMessage = endOfMessage;
    }

    private void record(Stage stage, String name, String detail) {
        MacroStage macroStage = stage == null ? null : stage.macroStage();
        events.add(new Event(name, detail, macroStage == null ? Map.of() : context.macros(macroStage),
                context.macros()));
    }

    /** Records the callback and answers the instruction if it is for this stage (once), else CONTINUE. */
    private Response.Decision answer(Stage stage, String name, String detail) {
        record(stage, name, detail);
        if (instruction != null && instruction.stage() == stage) {
            Response.Decision decision = instruction.decision();
            instruction = null;
            return decision;
        }
        return Verdict.CONTINUE;
    }

    @Override
    public Response.Decision connect(Command.Connect client) {
        instruction = Instruction.parse(client.hostname()).orElse(null);
        return answer(Stage.CONNECT, "connect",
                client.hostname() + " " + client.family() + " " + client.port() + " " + client.address());
    }

    @Override
    public Response.Decision helo(String name) {
        return answer(Stage.HELO, "helo", name);
    }

    @Override
    public Response.Decision mailFrom(String sender, List<String> esmtpArgs) {
        messages++;
        return answer(Stage.MAIL, "mail", words(sender, esmtpArgs));
    }

    @Override
    public Response.Decision recipient(String recipient, List<String> esmtpArgs) {
        return answer(Stage.RCPT, "rcpt", words(recipient, esmtpArgs));
    }

    @Override
    public Response.Decision data() {
        return answer(Stage.DATA, "data", "");
    }

    @Override
    public Response.Decision header(String name, String value) {
        return answer(Stage.HEADER, "header", name + ": " + value);
    }

    @Override
    public Response.Decision endOfHeaders() {
        return answer(Stage.EOH, "eoh", "");
    }

    @Override
    public Response.Decision body(ByteBuffer chunk) {
        return answer(Stage.BODY, "body", StandardCharsets.ISO_8859_1.decode(chunk).toString());
    }

    @Override
    public Response.Decision endOfMessage(MessageEditor editor) {
        if (instruction != null && instruction.stage() == Stage.EOM) {
            return answer(Stage.EOM, "eom", "");
        }
        record(Stage.EOM, "eom", "");
        return endOfMessage.apply(messages, editor);
    }

    @Override
    public Response.Decision unknown(String line) {
        return answer(Stage.UNKNOWN, "unknown", line);
    }

    @Override
    public void abort() {
        record(null, "abort", "");
    }

    @Override
    public void close() {
        record(null, "close", "");
    }

    private static String words(String first, List<String> rest) {
        return rest.isEmpty() ? first : first + " " + String.join(" ", rest);
    }
}
