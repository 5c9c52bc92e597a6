package dev.miltermanager.testing;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A scriptable child milter for tests: it speaks the milter protocol itself, byte by byte, so it can do what a
 * real milter does and also what no well-behaved milter would (lie about "no reply" stages, send garbage, hang
 * up mid-conversation). Script it, point the code under test at {@link #connectionSpec()}, then verify what it
 * received, in the spirit of OkHttp's MockWebServer:
 * {@snippet :
 * import static dev.miltermanager.testing.FakeReply.*;
 *
 * try (FakeMilter child = FakeMilter.builder()
 *         .actions(Action.ADD_HEADERS)
 *         .on(Stage.RCPT, "<spammer@", REJECT)                          // a rule on the recipient
 *         .reply(Stage.EOM, ACCEPT.after(Duration.ofMillis(200)))       // a slow end of message
 *         .edits(new Response.AddHeader("X-Checked", "yes"))            // sent before the EOM reply
 *         .start()) {
 *     runTheManagerAgainst(child.connectionSpec());
 *     FakeSession session = child.takeSession(Duration.ofSeconds(5));
 *     session.awaitEnd(Duration.ofSeconds(5));
 *     assertEquals(List.of("<bob@example.org>"), session.recipients());
 *     child.assertNoErrors();
 * }
 * }
 *
 * <p>Each accepted connection is served on its own thread (virtual by default) and recorded as a
 * {@link FakeSession}. Unless scripted otherwise, the fake answers negotiation with the offer's version (at most
 * 6), every action offered and no protocol flags, and continues at every stage. A stage it negotiated as
 * {@code NR_*} gets no reply, as with a real milter.
 *
 * <p>Thread-safe. {@link #close()} stops listening, closes every live connection (waking any scripted delay)
 * and waits a bounded time for the connection threads to end; the record stays readable afterwards.
 */
public final class FakeMilter implements AutoCloseable {
    private final FakeServer server;

    private FakeMilter(Script script) {
        this.server = new FakeServer(script);
    }

    /** A builder with the defaults: listen on loopback TCP port 0, continue at every stage. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Decides how to answer one command, or returns {@code null} to leave it to the next rule (and finally to
     * the stage's default reply). Called on the connection's thread, after the command was recorded.
     */
    @FunctionalInterface
    public interface Responder {
        FakeReply respond(FakeSession session, Command command);
    }

    /**
     * Binds and starts accepting connections.
     *
     * @return this fake, for chaining
     * @throws IllegalStateException if it was already started
     * @throws IOException if the address cannot be bound
     */
    public FakeMilter start() throws IOException {
        server.start();
        return this;
    }

    /**
     * Where the fake listens, with the real port.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public ConnectionSpec connectionSpec() {
        return server.localSpec();
    }

    /** Every connection accepted so far, in order. */
    public List<FakeSession> sessions() {
        return server.sessions().all();
    }

    /**
     * Waits until at least {@code count} connections have been accepted.
     *
     * @return every session so far, in order (at least {@code count})
     * @throws AssertionError on timeout, with the transcript of the sessions so far
     */
    public List<FakeSession> awaitConnections(int count, Duration timeout) {
        return server.sessions().awaitCount(count, timeout, this::transcript);
    }

    /**
     * The next session not yet taken, in the order connections were accepted, waiting for it if need be. The
     * session may still be live.
     *
     * @throws AssertionError if no further connection arrives within {@code timeout}
     */
    public FakeSession takeSession(Duration timeout) {
        return server.sessions().take(timeout, this::transcript);
    }

    /** The transcripts of every session so far, for assertion messages. */
    public String transcript() {
        List<FakeSession> all = sessions();
        if (all.isEmpty()) {
            return "(no connection to the fake milter at " + server.describe() + ")\n";
        }
        StringBuilder out = new StringBuilder();
        all.forEach(s -> out.append(s.transcript()));
        return out.toString();
    }

    /**
     * Fails if any session recorded an error (a malformed packet from the MTA, a failing script).
     *
     * @throws AssertionError naming the errors, with the transcript
     */
    public void assertNoErrors() {
        List<String> errors = new ArrayList<>();
        sessions().forEach(s -> s.errors().forEach(e -> errors.add("session " + s.index() + ": " + e)));
        if (!errors.isEmpty()) {
            throw new AssertionError("the fake milter recorded errors:\n  " + String.join("\n  ", errors) + "\n"
                    + transcript());
        }
    }

    /**
     * Fails if any session received an event the fake's negotiation excluded (see {@link FakeSession#violations()}).
     *
     * @throws AssertionError naming the violations, with the transcript
     */
    public void assertNoViolations() {
        List<String> violations = new ArrayList<>();
        sessions().forEach(s -> s.violations().forEach(v -> violations.add("session " + s.index() + ": " + v)));
        if (!violations.isEmpty()) {
            throw new AssertionError("the MTA sent what the fake milter did not negotiate:\n  "
                    + String.join("\n  ", violations) + "\n" + transcript());
        }
    }

    /**
     * Stops listening, closes live connections and waits at most {@value FakeServer#CLOSE_WAIT_MILLIS} ms for
     * their threads. Idempotent.
     */
    @Override
    public void close() {
        server.close();
    }

    @Override
    public String toString() {
        return "FakeMilter[" + server.describe() + ", " + sessions().size() + " session(s)]";
    }

    /**
     * Scripts a {@link FakeMilter}. Not thread-safe; {@link #build()} takes a snapshot, so one builder may build
     * several fakes.
     */
    public static final class Builder {
        private static final AtomicInteger UNIX_SOCKETS = new AtomicInteger();

        private Integer version;
        private Integer actions;
        private int protocol;
        private final Map<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);
        private FakeReply negotiation;
        private Duration negotiationDelay = Duration.ZERO;
        private final Map<Stage, List<Responder>> rules = new EnumMap<>(Stage.class);
        private final Map<Stage, FakeReply> defaults = new EnumMap<>(Stage.class);
        private Function<FakeSession.Message, ? extends List<? extends Response.Modification>> edits =
                message -> List.of();
        private Duration editPause;
        private boolean tcpNoDelay = true;
        private boolean lieAboutNoReply;
        private ConnectionSpec listenOn = ConnectionSpec.parse("inet:0@[127.0.0.1]");
        private ThreadFactory threadFactory = Thread.ofVirtual().name("fake-milter-", 0).factory();

        private Builder() {
        }

        /**
         * The protocol version to answer with, 2 to 6; by default the offer's, at most 6. Use
         * {@link #negotiation(Response.Negotiate)} for any other number.
         */
        public Builder version(int version) {
            if (version < 2 || version > Script.NEWEST_VERSION) {
                throw new IllegalArgumentException("version must be 2 to 6 (use a raw negotiation for others): "
                        + version);
            }
            this.version = version;
            return this;
        }

        /** The actions to request; by default every action the MTA offered. */
        public Builder actions(Action... requested) {
            return actions(Action.bits(requested.length == 0 ? EnumSet.noneOf(Action.class)
                    : EnumSet.of(requested[0], requested)));
        }

        /** The actions to request, as bits (unknown and unoffered bits are sent as given). */
        public Builder actions(int bits) {
            this.actions = bits;
            return this;
        }

        /** The protocol flags to request ({@code NO_*}, {@code NR_*}, {@code SKIP}, ...); none by default. */
        public Builder protocol(ProtocolFlag... flags) {
            return protocol(ProtocolFlag.bits(flags.length == 0 ? EnumSet.noneOf(ProtocolFlag.class)
                    : EnumSet.of(flags[0], flags)));
        }

        /** The protocol flags to request, as bits (sent as given, even if not offered). */
        public Builder protocol(int bits) {
            this.protocol = bits;
            return this;
        }

        /**
         * The macros to ask for at a stage, in the negotiation reply. {@link Action#SET_MACRO_LIST} is not added
         * to the actions for you: the default actions (all offered) include it when the MTA offers it.
         */
        public Builder macros(MacroStage stage, String... names) {
            macros.put(Objects.requireNonNull(stage, "stage"), List.of(names));
            return this;
        }

        /** Answers negotiation with exactly this packet, whatever the offer. */
        public Builder negotiation(Response.Negotiate reply) {
            return negotiation(FakeReply.of(reply));
        }

        /**
         * Answers negotiation this way instead: {@link FakeReply#CLOSE}, {@link FakeReply#garbage()},
         * {@link FakeReply#SILENCE}, or any reply.
         */
        public Builder negotiation(FakeReply reply) {
            this.negotiation = Objects.requireNonNull(reply, "reply");
            return this;
        }

        /** Waits this long before answering negotiation. */
        public Builder negotiationDelay(Duration delay) {
            this.negotiationDelay = notNegative(delay, "delay");
            return this;
        }

        /** The reply at a stage when no rule matches; {@link FakeReply#CONTINUE} by default. */
        public Builder reply(Stage stage, FakeReply reply) {
            defaults.put(Objects.requireNonNull(stage, "stage"), Objects.requireNonNull(reply, "reply"));
            return this;
        }

        /** The decision at a stage when no rule matches. */
        public Builder reply(Stage stage, Response.Decision decision) {
            return reply(stage, FakeReply.of(decision));
        }

        /**
         * A rule: when the command's argument contains {@code text}, reply so. The argument is the host name at
         * CONNECT, the HELO name, the sender and the recipient as sent (with angle brackets), {@code Name: value}
         * for a header, the chunk's text at BODY, the whole body received at EOM, the line of an unknown command,
         * and empty at DATA and EOH. Rules are tried in the order given; the first that matches wins.
         */
        public Builder on(Stage stage, String text, FakeReply reply) {
            Objects.requireNonNull(text, "text");
            return on(stage, argument -> argument.contains(text), reply);
        }

        /** A rule with a decision: see {@link #on(Stage, String, FakeReply)}. */
        public Builder on(Stage stage, String text, Response.Decision decision) {
            return on(stage, text, FakeReply.of(decision));
        }

        /** A rule on the command's argument (see {@link #on(Stage, String, FakeReply)}). */
        public Builder on(Stage stage, Predicate<String> argument, FakeReply reply) {
            Objects.requireNonNull(argument, "argument");
            Objects.requireNonNull(reply, "reply");
            return on(stage, (session, command) ->
                    argument.test(Texts.argument(command, session.record().currentMessage())) ? reply : null);
        }

        /** A rule that sees the whole session and command; it returns {@code null} to pass. */
        public Builder on(Stage stage, Responder responder) {
            rules.computeIfAbsent(Objects.requireNonNull(stage, "stage"), s -> new ArrayList<>())
                    .add(Objects.requireNonNull(responder, "responder"));
            return this;
        }

        /** Modifications to send at every end of message, in this order, before its reply. */
        public Builder edits(Response.Modification... modifications) {
            List<Response.Modification> list = List.of(modifications);
            return edits(message -> list);
        }

        /**
         * Modifications computed from the message received (and its {@link FakeSession.Message#sessionIndex()}),
         * sent before the reply at end of message. They are sent whatever the reply's decision, but not when the
         * reply closes the connection, sends raw bytes or stays silent.
         */
        public Builder edits(Function<FakeSession.Message, ? extends List<? extends Response.Modification>> edits) {
            this.edits = Objects.requireNonNull(edits, "edits");
            return this;
        }

        /**
         * Writes each response of a reply (each edit, then the decision) in its own write, pausing in between, as
         * libmilter does, instead of one write for all. Together with {@link #tcpNoDelay(boolean) tcpNoDelay(false)}
         * this models the Nagle stalls of libmilter-based milters.
         */
        public Builder writeEditsSeparately(Duration pause) {
            this.editPause = notNegative(pause, "pause");
            return this;
        }

        /** Whether TCP connections set {@code TCP_NODELAY} (true by default; libmilter does not set it). */
        public Builder tcpNoDelay(boolean noDelay) {
            this.tcpNoDelay = noDelay;
            return this;
        }

        /** Replies even at stages the fake negotiated as {@code NR_*}: a protocol violation to test peers with. */
        public Builder lieAboutNoReply() {
            this.lieAboutNoReply = true;
            return this;
        }

        /** Listens here instead of loopback TCP port 0. */
        public Builder listenOn(ConnectionSpec spec) {
            this.listenOn = Objects.requireNonNull(spec, "spec");
            return this;
        }

        /** Listens on a new Unix-domain socket in this existing directory (mode 0666). */
        public Builder unixSocketIn(Path directory) {
            return listenOn(ConnectionSpec.unix(directory.resolve("fake-milter-" + ProcessHandle.current().pid()
                    + "-" + UNIX_SOCKETS.incrementAndGet() + ".sock")));
        }

        /** Makes the accepting thread and one thread per connection; virtual threads by default. */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        private static Duration notNegative(Duration duration, String what) {
            Objects.requireNonNull(duration, what);
            if (duration.isNegative()) {
                throw new IllegalArgumentException("the " + what + " must not be negative: " + duration);
            }
            return duration;
        }

        /** A fake with this script, not yet started. */
        public FakeMilter build() {
            return new FakeMilter(new Script(version, actions, protocol, macros, negotiation, negotiationDelay,
                    rules, defaults, edits, editPause, tcpNoDelay, lieAboutNoReply, listenOn, threadFactory));
        }

        /**
         * Builds and starts a fake.
         *
         * @throws IOException if the address cannot be bound
         */
        public FakeMilter start() throws IOException {
            return build().start();
        }
    }
}
