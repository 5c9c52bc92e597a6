package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A manager in front of a chain of {@link FakeMilter} children, driven in-process with the test playing the MTA.
 * {@link #send} returns the sink calls one command produced, so a test can tell "one write" from "sent at once".
 * Not thread-safe: one test, one chain.
 */
final class FakeChain implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(5);
    /** What Postfix 3 offers: protocol 6, every action, every protocol flag. */
    static final Command.Negotiate FULL_OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    static final List<Response> CONTINUE = List.of(new Response.Continue());

    private final List<FakeMilter> fakes;
    final MilterManager manager;
    private ManagerSession session;

    private FakeChain(List<FakeMilter> fakes, MilterManager manager) {
        this.fakes = fakes;
        this.manager = manager;
    }

    static Builder builder() {
        return new Builder();
    }

    /** A chain of fakes with every manager and child default. */
    static FakeChain of(FakeMilter.Builder... children) throws IOException {
        Builder b = builder();
        for (FakeMilter.Builder child : children) {
            b.child(child);
        }
        return b.start();
    }

    /** The current in-process session, opened on first use. */
    ManagerSession session() {
        if (session == null) {
            session = manager.openSession();
        }
        return session;
    }

    /** Ends the current session (QUIT) and forgets it; the next command opens a new one. */
    void quit() {
        if (session != null) {
            send(new Command.Quit());
            session = null;
        }
    }

    /** Hands one command to the manager; returns the sink calls it made, each the responses of one write. */
    List<List<Response>> send(Command command) {
        List<List<Response>> calls = new ArrayList<>();
        session().handle(command, responses -> calls.add(List.copyOf(responses)));
        return calls;
    }

    /** Hands one command to the manager; returns every response, in order. */
    List<Response> answer(Command command) {
        return send(command).stream().flatMap(List::stream).toList();
    }

    /** Sends the command and fails unless the MTA gets exactly one continue. */
    void expectContinue(Command command) {
        assertEquals(CONTINUE, answer(command), () -> "answer to " + command);
    }

    Response.Negotiate negotiate() {
        return negotiate(FULL_OFFER);
    }

    Response.Negotiate negotiate(Command.Negotiate offer) {
        return (Response.Negotiate) answer(offer).getFirst();
    }

    /** Negotiates and goes through CONNECT, HELO, MAIL, one RCPT and DATA, each continued. */
    void envelope() {
        envelope(Map.of());
    }

    /** {@link #envelope()}, with these macros sent before CONNECT (a {@code v} containing "Postfix" marks Postfix). */
    void envelope(Map<String, String> connectMacros) {
        negotiate();
        greet(connectMacros);
        nextMessage();
    }

    /** CONNECT (after these macros, if any) and HELO, each continued; negotiation already done. */
    void greet(Map<String, String> connectMacros) {
        if (!connectMacros.isEmpty()) {
            assertEquals(List.of(), answer(new Command.Macros('C', connectMacros)));
        }
        expectContinue(new Command.Connect("client.example.org", Command.Family.INET, 41000, "192.0.2.10"));
        expectContinue(new Command.Helo("client.example.org"));
    }

    /** MAIL, RCPT and DATA of a further message on the same connection, each continued. */
    void nextMessage() {
        expectContinue(new Command.MailFrom("<alice@example.org>", List.of("SIZE=100")));
        expectContinue(new Command.Recipient("<bob@example.net>"));
        expectContinue(new Command.Data());
    }

    /** Sends headers ({@code name, value, name, value, ...}) and end of headers, each continued. */
    void headers(String... namesAndValues) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            expectContinue(new Command.Header(namesAndValues[i], namesAndValues[i + 1]));
        }
        expectContinue(new Command.EndOfHeaders());
    }

    /** Sends the body in chunks of at most {@code chunkBytes}, each continued. */
    void body(byte[] body, int chunkBytes) {
        for (int offset = 0; offset < body.length; offset += chunkBytes) {
            int length = Math.min(chunkBytes, body.length - offset);
            expectContinue(new Command.Body(ByteBuffer.wrap(body, offset, length)));
        }
    }

    void body(String text) {
        body(text.getBytes(StandardCharsets.US_ASCII), 65535);
    }

    /** Sends end of message; returns the sink calls. */
    List<List<Response>> endOfMessage() {
        return send(new Command.EndOfMessage());
    }

    FakeMilter fake(int index) {
        return fakes.get(index);
    }

    /** The latest connection of the {@code index}-th child (from 0). */
    FakeSession child(int index) {
        return fakes.get(index).awaitConnections(1, WAIT).getLast();
    }

    /** What the {@code index}-th child received of its latest message. */
    FakeSession.Message childMessage(int index) {
        return child(index).messages().getLast();
    }

    /** The headers the {@code index}-th child received in its latest message, as {@code Name: value}. */
    List<String> headersSeenBy(int index) {
        return childMessage(index).headers().stream().map(h -> h.name() + ": " + h.value()).toList();
    }

    /** The body chunk sizes the {@code index}-th child received in its latest message. */
    List<Integer> bodyChunksSeenBy(int index) {
        FakeSession s = child(index);
        List<Integer> sizes = new ArrayList<>();
        for (Command c : s.commands()) {
            switch (c) {
                case Command.MailFrom m -> sizes.clear();
                case Command.Body b -> sizes.add(b.chunk().remaining());
                default -> {
                }
            }
        }
        return sizes;
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                session.close();
            }
            manager.close();
        } finally {
            fakes.forEach(FakeMilter::close);
        }
    }

    static byte[] bytes(int length, long seed) {
        byte[] b = new byte[length];
        new java.util.SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static Response.ReplaceBody replaceBody(String text) {
        return Response.ReplaceBody.of(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Builds a chain: children in order, each a fake with its child settings or a fixed child configuration (one
     * that points elsewhere), and the manager's settings. {@link FakeChain#fake(int)} counts the fakes only.
     */
    static final class Builder {
        private record Entry(FakeMilter.Builder fake, UnaryOperator<ChildConfig.Builder> tuning, ChildConfig fixed) {
        }

        private final List<Entry> children = new ArrayList<>();
        private UnaryOperator<MilterManagerConfig.Builder> config = UnaryOperator.identity();
        private java.util.concurrent.ThreadFactory threads;

        Builder child(FakeMilter.Builder fake) {
            return child(fake, UnaryOperator.identity());
        }

        Builder child(FakeMilter.Builder fake, UnaryOperator<ChildConfig.Builder> tuning) {
            children.add(new Entry(fake, tuning, null));
            return this;
        }

        Builder child(ChildConfig fixed) {
            children.add(new Entry(null, null, fixed));
            return this;
        }

        Builder config(UnaryOperator<MilterManagerConfig.Builder> tuning) {
            this.config = tuning;
            return this;
        }

        /** The manager's threads come from here (virtual threads by default). */
        Builder threads(java.util.concurrent.ThreadFactory factory) {
            this.threads = factory;
            return this;
        }

        FakeChain start() throws IOException {
            List<FakeMilter> fakes = new ArrayList<>();
            try {
                MilterManagerConfig.Builder b = MilterManagerConfig.builder()
                        .connectionSpec(dev.miltermanager.transport.ConnectionSpec.parse("inet:0@[127.0.0.1]"));
                for (int i = 0; i < children.size(); i++) {
                    Entry entry = children.get(i);
                    if (entry.fixed() != null) {
                        b.addChild(entry.fixed());
                        continue;
                    }
                    FakeMilter fake = entry.fake().start();
                    fakes.add(fake);
                    b.addChild(entry.tuning().apply(ChildConfig.builder("child" + (i + 1), fake.connectionSpec()))
                            .build());
                }
                MilterManagerConfig built = config.apply(b).build();
                return new FakeChain(List.copyOf(fakes), threads == null ? MilterManager.create(built)
                        : MilterManager.create(built, threads));
            } catch (IOException | RuntimeException e) {
                fakes.forEach(FakeMilter::close);
                throw e;
            }
        }
    }
}
