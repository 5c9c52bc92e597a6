package dev.miltermanager.client;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The {@link MilterClient} over a blocking link: each call writes its packets and, when a reply is due, reads on the
 * caller's thread. A lock keeps calls from overlapping; {@link #close()} does not take it.
 */
final class BlockingMilterClient implements MilterClient {
    private static final System.Logger LOG = System.getLogger(MilterClient.class.getName());
    private static final Response.Decision CONTINUE = new Response.Continue();

    private final String milter;
    private final ClientOptions options;
    private final Exchange exchange;
    private final ReentrantLock lock = new ReentrantLock();
    /** Why the client is closed: a failure, or {@link #CLOSED_NORMALLY}. Null while open. */
    private final AtomicReference<Throwable> closedBecause = new AtomicReference<>();
    private static final Throwable CLOSED_NORMALLY = new Throwable("closed normally", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private volatile Negotiated negotiated;
    private boolean skippingBody;
    /** The reply {@link #post} left to read, which must be awaited before any other call. */
    private Pending pending;

    BlockingMilterClient(Link link, String milter, ClientOptions options) {
        this.milter = milter;
        this.options = options;
        this.exchange = new Exchange(link, milter, options);
    }

    /** Opens a connection within the connect timeout; see {@link MilterClient#connect}. */
    static MilterClient connect(ConnectionSpec spec, ClientOptions options) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(options, "options");
        String milter = options.name().map(name -> name + " (" + spec + ")").orElse(spec.toString());
        Connection connection;
        try {
            connection = Connection.connect(spec, options.connectTimeout());
        } catch (dev.miltermanager.transport.DeadlineExceededException e) {
            throw new MilterTimeoutException(milter, Phase.OPEN, MilterTimeoutException.Kind.CONNECT,
                    options.connectTimeout(), "could not connect");
        } catch (IOException e) {
            throw new MilterConnectException(milter, e);
        }
        LOG.log(Level.DEBUG, () -> "connected to milter " + milter);
        return new BlockingMilterClient(new ConnectionLink(connection), milter, options);
    }

    @Override
    public String name() {
        return milter;
    }

    @Override
    public long progressBeforeEndOfMessage() {
        return exchange.eventProgress();
    }

    @Override
    public Negotiated negotiate(Command.Negotiate offer) {
        NegotiationCheck.checkOffer(offer);
        return call(Phase.NEGOTIATE, () -> {
            if (negotiated != null) {
                throw new IllegalStateException("milter " + milter + " is already negotiated");
            }
            exchange.send(Phase.NEGOTIATE, Frames.of(offer));
            Response reply = exchange.receiveResponse(Phase.NEGOTIATE, MilterTimeoutException.Kind.READ,
                    options.readTimeout(), options.readTimeout(), "negotiation reply");
            try {
                negotiated = NegotiationCheck.check(offer, reply);
            } catch (NegotiationException e) {
                throw exchange.violation(Phase.NEGOTIATE, e);
            }
            LOG.log(Level.DEBUG, () -> "milter " + milter + " negotiated " + NegotiationCheck.describe(negotiated));
            return negotiated;
        });
    }

    @Override
    public Optional<Negotiated> negotiated() {
        return Optional.ofNullable(negotiated); // volatile: readable while a call is blocked
    }

    @Override
    public Response.Decision send(Command event, Map<String, String> macros) {
        Stage stage = eventStage(event, macros);
        return call(Phase.of(stage), null, () -> finish(begin(stage, event, macros)));
    }

    @Override
    public PendingReply post(Command event, Map<String, String> macros) {
        Stage stage = eventStage(event, macros);
        return call(Phase.of(stage), null, () -> {
            Pending p = begin(stage, event, macros);
            if (p.decision == null) {
                pending = p;
            }
            return p;
        });
    }

    private static Stage eventStage(Command event, Map<String, String> macros) {
        Objects.requireNonNull(macros, "macros");
        Stage stage = Stage.of(Objects.requireNonNull(event, "event"));
        if (stage == null || stage == Stage.EOM) {
            throw new IllegalArgumentException(event.getClass().getSimpleName() + " is not an event for send();"
                    + " use negotiate(), endOfMessage(), abort(), quit() or quitNewConnection()");
        }
        return stage;
    }

    @Override
    public Response.Decision body(ByteBuffer body) {
        ByteBuffer view = body.duplicate();
        return call(Phase.BODY, null, () -> finish(beginBody(view)));
    }

    @Override
    public EndOfMessageResult endOfMessage(Map<String, String> macros, Consumer<? super Response> listener) {
        Objects.requireNonNull(macros, "macros");
        Objects.requireNonNull(listener, "listener");
        return call(Phase.EOM, () -> new EndOfMessageExchange(this, exchange, requireNegotiated(), options)
                .run(macros, listener));
    }

    @Override
    public void abort() {
        callVoid(Phase.ABORT, () -> sendUnanswered(Phase.ABORT, new Command.Abort()));
    }

    @Override
    public void quitNewConnection() {
        callVoid(Phase.QUIT_NEW_CONNECTION,
                () -> sendUnanswered(Phase.QUIT_NEW_CONNECTION, new Command.QuitNewConnection()));
    }

    @Override
    public void quit() {
        lock.lock();
        try {
            if (closedBecause.get() != null) {
                return;
            }
            try {
                exchange.send(Phase.QUIT, Frames.of(new Command.Quit()));
            } catch (MilterClientException e) {
                LOG.log(Level.DEBUG, () -> "QUIT did not reach the milter: " + e.getMessage());
            }
            close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return closedBecause.get() == null;
    }

    @Override
    public void close() {
        if (closedBecause.compareAndSet(null, CLOSED_NORMALLY)) {
            exchange.closeLocally();
        }
    }

    @Override
    public String toString() {
        return "MilterClient[" + milter + (isOpen() ? "]" : ", closed]");
    }

    // --- events ---------------------------------------------------------------------------------------------

    /** Writes an event (the first chunk of a body); returns what remains to be read, or the verdict already known. */
    private Pending begin(Stage stage, Command event, Map<String, String> macros) {
        if (event instanceof Command.Body body) {
            return beginBody(body.chunk());
        }
        Negotiated n = requireNegotiated();
        if (stage == Stage.CONNECT || stage == Stage.MAIL) {
            skippingBody = false;
        }
        if (!n.isSent(stage)) {
            return new Pending(stage, CONTINUE, List.of());
        }
        Phase phase = Phase.of(stage);
        exchange.checkNothingPending(phase);
        exchange.send(phase, Frames.withMacros(event, macros));
        if (!n.expectsReply(stage)) {
            exchange.noReplyOwed("the last command was " + stage + ", which the milter negotiated not to answer ("
                    + stage.noReplyFlag() + ")");
            return new Pending(stage, CONTINUE, List.of());
        }
        return new Pending(stage, null, List.of());
    }

    private Pending beginBody(ByteBuffer body) {
        Negotiated n = requireNegotiated();
        if (skippingBody || !n.isSent(Stage.BODY) || !body.hasRemaining()) {
            return new Pending(Stage.BODY, CONTINUE, List.of());
        }
        exchange.checkNothingPending(Phase.BODY);
        List<ByteBuffer> chunks = Frames.bodyChunks(body);
        if (!n.expectsReply(Stage.BODY)) {
            for (int from = 0; from < chunks.size(); from += Frames.CHUNKS_PER_WRITE) {
                List<ByteBuffer> batch = chunks.subList(from, Math.min(chunks.size(), from + Frames.CHUNKS_PER_WRITE));
                exchange.send(Phase.BODY, batch.toArray(ByteBuffer[]::new));
            }
            exchange.noReplyOwed("the last command was BODY, which the milter negotiated not to answer ("
                    + ProtocolFlag.NR_BODY + ")");
            return new Pending(Stage.BODY, CONTINUE, List.of());
        }
        exchange.send(Phase.BODY, chunks.getFirst());
        return new Pending(Stage.BODY, null, chunks.subList(1, chunks.size()));
    }

    /** Reads the verdict of a begun event; for a body, sends each further chunk after the verdict on the last. */
    private Response.Decision finish(Pending p) {
        if (p.awaited) {
            throw new IllegalStateException("the reply to " + p.stage + " from milter " + milter
                    + " was awaited already");
        }
        p.awaited = true;
        if (pending == p) {
            pending = null;
        }
        if (p.decision != null) {
            return p.decision;
        }
        if (p.stage != Stage.BODY) {
            return exchange.awaitDecision(p.stage, p.deadline);
        }
        for (int next = 0; ; next++) {
            Response.Decision decision = exchange.awaitDecision(Stage.BODY, p.deadline);
            if (decision instanceof Response.Skip) {
                skippingBody = true;
                return decision;
            }
            if (!(decision instanceof Response.Continue) || next == p.moreChunks.size()) {
                return decision;
            }
            exchange.send(Phase.BODY, p.moreChunks.get(next));
            p.deadline = exchange.readDeadline();
        }
    }

    /**
     * An event written and its verdict not read yet ({@code decision} null), or its verdict known without reading.
     * The read timeout runs from {@code deadline}, set when the event was written.
     */
    private final class Pending implements PendingReply {
        final Stage stage;
        final Response.Decision decision;
        final List<ByteBuffer> moreChunks;
        long deadline;
        boolean awaited;

        Pending(Stage stage, Response.Decision decision, List<ByteBuffer> moreChunks) {
            this.stage = stage;
            this.decision = decision;
            this.moreChunks = moreChunks;
            this.deadline = decision == null ? exchange.readDeadline() : 0;
        }

        @Override
        public Response.Decision await() {
            if (decision != null) {
                return finish(this);
            }
            return call(Phase.of(stage), this, () -> finish(this));
        }
    }

    private void sendUnanswered(Phase phase, Command command) {
        requireNegotiated();
        exchange.checkNothingPending(phase);
        exchange.send(phase, Frames.of(command));
        skippingBody = false;
        exchange.noReplyOwed("the last command was " + phase.label() + ", which takes no reply");
    }

    // --- used by EndOfMessageExchange -----------------------------------------------------------------------

    /** Closes the client because of a failure outside the exchange, such as a listener that threw. */
    void closeAfter(Throwable cause) {
        closedBecause.compareAndSet(null, cause);
        exchange.close();
    }

    void endOfMessageDone() {
        skippingBody = false;
    }

    // --- state ----------------------------------------------------------------------------------------------

    private Negotiated requireNegotiated() {
        if (negotiated == null) {
            throw new IllegalStateException("milter " + milter + " is not negotiated yet: call negotiate() first");
        }
        return negotiated;
    }

    private void callVoid(Phase phase, Runnable body) {
        call(phase, () -> {
            body.run();
            return null;
        });
    }

    private <T> T call(Phase phase, Supplier<T> body) {
        return call(phase, null, body);
    }

    /**
     * Runs one call: one caller at a time, fail fast when closed or when a posted reply other than {@code awaiting}
     * is still to be read, and close on any failure.
     */
    private <T> T call(Phase phase, Pending awaiting, Supplier<T> body) {
        lock.lock();
        try {
            ensureOpen(phase);
            if (pending != null && pending != awaiting) {
                throw new IllegalStateException("the reply to " + pending.stage + " from milter " + milter
                        + " is still pending: await it first");
            }
            return body.get();
        } catch (MilterClientException e) {
            closedBecause.compareAndSet(null, e);
            exchange.close();
            LOG.log(Level.DEBUG, () -> e.getMessage());
            throw e;
        } catch (RuntimeException | Error e) {
            if (!(e instanceof IllegalStateException || e instanceof IllegalArgumentException)) {
                closeAfter(e); // a bug: the session may be out of step
            }
            throw e;
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen(Phase phase) {
        Throwable because = closedBecause.get();
        if (because == null) {
            return;
        }
        if (because == CLOSED_NORMALLY) {
            throw new MilterClientClosedException(milter, phase, "client is closed", null);
        }
        throw new MilterClientClosedException(milter, phase, "client is closed after an earlier failure: "
                + because.getMessage(), because);
    }
}
