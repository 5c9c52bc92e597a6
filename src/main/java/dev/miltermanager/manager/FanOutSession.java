package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One MTA session fanned out to the children (design.md §3): negotiation merged, envelope events to every eligible
 * child at once, message events in step with the first children and replayed to the others at end of message
 * ({@link EndOfMessageRun}), answers folded by the status lattice. One caller at a time; {@link #close()} from any
 * thread.
 */
final class FanOutSession implements ManagerSession {
    private static final System.Logger LOG = System.getLogger(FanOutSession.class.getName());
    /**
     * The commands whose macros belong to one message and are forgotten when it ends; MAIL's own are forgotten at
     * ABORT only, since they arrive just before the MAIL that starts the next message.
     */
    private static final List<Character> MESSAGE_MACRO_CODES = List.of('R', 'T', 'L', 'N', 'B', 'E');

    final ManagerRuntime runtime;
    final String tag;
    final SessionState state;
    private final long startNanos = System.nanoTime();
    /** Volatile: the connection check reads it from its own thread. */
    private volatile List<ChildSession> children = List.of();
    private Command.Negotiate mtaOffer;
    private Response.Negotiate agreed;
    private Status pendingFallback;
    private boolean reopenOnConnect;
    private final Map<Character, Map<String, String>> stageMacros = new HashMap<>();
    private MessageState message;
    private String lastState = "negotiate";
    private Status lastStatus;
    private volatile boolean closed;
    /** The connection check's view of this session. */
    private final ClientCheck check;

    FanOutSession(ManagerRuntime runtime, String tag) {
        this.runtime = runtime;
        this.tag = tag;
        this.state = new SessionState(this::childStatus, runtime::activeSessions);
        this.check = new ClientCheck(runtime.config().connectionCheckInterval().isPositive());
    }

    @Override
    public void handle(Command command, ResponseSink sink) {
        if (closed) {
            throw new IllegalStateException("session " + tag + " is closed");
        }
        if (agreed == null && !(command instanceof Command.Negotiate)) {
            throw new MilterProtocolException("the MTA sent " + command.getClass().getSimpleName()
                    + " before negotiating");
        }
        settleDisconnect();
        check.busy(true);
        try {
            dispatch(command, check.guarding() ? responses -> send(responses, sink) : sink);
        } finally {
            check.busy(false);
        }
        settleDisconnect();
    }

    private void dispatch(Command command, ResponseSink sink) {
        switch (command) {
            case Command.Negotiate n -> sink.send(List.of(negotiate(n)));
            case Command.Macros m -> {
                stageMacros.put(m.commandCode(), m.macros());
                state.macros(m.macros());
            }
            case Command.Connect c -> {
                if (reopenOnConnect) {
                    reopenOnConnect = false;
                    open(mtaOffer);
                }
                state.connect(c);
                check.connected(c, macrosFor(Stage.CONNECT));
                reply(Stage.CONNECT, envelope(Stage.CONNECT, c), sink);
            }
            case Command.Helo h -> {
                state.helo(h.name());
                reply(Stage.HELO, envelope(Stage.HELO, h), sink);
            }
            case Command.MailFrom m -> {
                startMessage();
                state.envelopeFrom(m.sender());
                reply(Stage.MAIL, envelope(Stage.MAIL, m), sink);
            }
            case Command.Recipient r -> {
                state.recipient(r.recipient());
                reply(Stage.RCPT, envelope(Stage.RCPT, r), sink);
            }
            case Command.Data d -> reply(Stage.DATA, envelope(Stage.DATA, d), sink);
            case Command.Unknown u -> reply(Stage.UNKNOWN, envelope(Stage.UNKNOWN, u), sink);
            case Command.Header h -> {
                state.header(h);
                reply(Stage.HEADER, messageEvent(Stage.HEADER, h), sink);
            }
            case Command.EndOfHeaders e -> reply(Stage.EOH, messageEvent(Stage.EOH, e), sink);
            case Command.Body b -> reply(Stage.BODY, messageEvent(Stage.BODY, b), sink);
            case Command.EndOfMessage e -> sink.send(endOfMessage(e, sink));
            case Command.Abort a -> abort();
            case Command.Quit q -> close();
            case Command.QuitNewConnection k -> {
                endMessage();
                children.forEach(ChildSession::quit);
                reopenOnConnect = true;
            }
        }
    }

    // ---- negotiation ----

    private Response.Negotiate negotiate(Command.Negotiate offer) {
        mtaOffer = offer;
        open(offer);
        return agreed;
    }

    private void open(Command.Negotiate offer) {
        check.reset();
        SessionOpening opening = SessionOpening.open(runtime, tag, offer);
        children = opening.children();
        agreed = opening.agreed();
        pendingFallback = opening.pendingFallback();
    }

    // ---- envelope events: to every eligible child at once ----

    private Response.Decision envelope(Stage stage, Command event) {
        lastState = ChildSession.stateName(stage);
        if (pendingFallback != null) {
            return answer(pendingFallback.toDecision());
        }
        return answer(EnvelopeFanOut.run(this, stage, event));
    }

    // ---- message events: in step with the first children ----

    private Response.Decision messageEvent(Stage stage, Command event) {
        lastState = ChildSession.stateName(stage);
        if (pendingFallback != null) {
            return answer(pendingFallback.toDecision());
        }
        MessageState m = currentMessage();
        if (m.finalDecision() != null) {
            return m.finalDecision();
        }
        m.record(event, macrosFor(stage));
        return answer(InStepFanOut.run(this, m, stage, event));
    }

    /** Runs end of message; the edits and the verdict are returned together, to leave in one write. */
    private List<Response> endOfMessage(Command.EndOfMessage event, ResponseSink sink) {
        lastState = ChildSession.stateName(Stage.EOM);
        if (pendingFallback != null) {
            return List.of(answer(pendingFallback.toDecision()));
        }
        if (event.chunk().hasRemaining()) {
            // libmilter takes body bytes in end of message as the last body chunk: pass them on as one, else lost
            messageEvent(Stage.BODY, new Command.Body(event.chunk()));
            lastState = ChildSession.stateName(Stage.EOM);
        }
        MessageState m = currentMessage();
        if (m.finalDecision() != null) {
            return List.of(m.finalDecision());
        }
        m.record(event, macrosFor(Stage.EOM));
        List<Response> responses = new EndOfMessageRun(this, m, sink).run();
        Response.Decision decision = (Response.Decision) responses.getLast();
        answer(decision);
        m.finish(decision);
        return responses;
    }

    /** Ends the message with a final decision: the children still in it are sent ABORT. */
    Response.Decision endMessageWith(Response.Decision decision) {
        children.stream().filter(ChildSession::inMessage).forEach(ChildSession::abort);
        currentMessage().finish(decision);
        return decision;
    }

    private MessageState currentMessage() {
        if (message == null) {
            message = new MessageState(runtime.config(), state.isPostfix());
        }
        if (message.inStep() == null) {
            message.split(children.stream().filter(ChildSession::inMessage).toList());
        }
        return message;
    }

    private void startMessage() {
        endMessage();
        MESSAGE_MACRO_CODES.forEach(stageMacros::remove);
        children.forEach(ChildSession::joinMessage);
    }

    private void endMessage() {
        if (message != null) {
            message.close();
            message = null;
        }
    }

    private void abort() {
        children.stream().filter(ChildSession::inMessage).forEach(ChildSession::abort);
        endMessage();
        state.newMessage();
        stageMacros.remove('M');
        MESSAGE_MACRO_CODES.forEach(stageMacros::remove);
    }

    // ---- helpers shared with the end-of-message run ----

    List<ChildSession> children() {
        return children;
    }

    Map<String, String> macrosFor(Stage stage) {
        return stageMacros.getOrDefault(stage.commandCode(), Map.of());
    }

    /** Whether the MTA sends header values with their leading space (HDR_LEADSPC agreed with us). */
    boolean mtaLeadingSpace() {
        return ProtocolFlag.HEADER_LEADING_SPACE.in(agreed.protocol());
    }

    /** A header value as {@code child} expects it: without the leading space if it did not ask for it. */
    String valueFor(ChildSession child, String value) {
        if (mtaLeadingSpace() && !child.negotiated().has(ProtocolFlag.HEADER_LEADING_SPACE) && value.startsWith(" ")) {
            return value.substring(1);
        }
        return value;
    }

    /** A header value a child set, as the MTA expects it. */
    String valueFromChild(ChildSession child, String value) {
        if (mtaLeadingSpace() && !child.negotiated().has(ProtocolFlag.HEADER_LEADING_SPACE) && !value.isEmpty()) {
            return " " + value;
        }
        return value;
    }

    /** The children among {@code targets} their policies apply at this event; the others are stopped. */
    List<ChildSession> applicable(Stage stage, Command event, List<ChildSession> targets) {
        List<ChildSession> applied = new ArrayList<>(targets.size());
        for (ChildSession child : targets) {
            if (runtime.applies(child, stage, event, state)) {
                applied.add(child);
                continue;
            }
            LOG.log(Level.DEBUG, () -> "[manager][stop][" + ChildSession.stateName(stage) + "](" + tag + "): "
                    + child.name());
            switch (stage) {
                case CONNECT, HELO -> child.quit();
                case MAIL -> child.leaveMessage();
                case RCPT, UNKNOWN -> {
                }
                default -> child.abort();
            }
        }
        return applied;
    }

    private Response.Decision answer(Response.Decision decision) {
        lastStatus = Status.of(decision);
        return decision;
    }

    private void reply(Stage stage, Response.Decision decision, ResponseSink sink) {
        if (stage.expectsReply(agreed.protocol())) {
            sink.send(List.of(decision));
        }
    }

    private Optional<Status> childStatus(String name) {
        return children.stream().filter(c -> c.name().equals(name)).findFirst()
                .map(ChildSession::lastStatus);
    }

    // ---- the connection check ----

    /**
     * Asks {@code checker}, from the manager's checking thread, whether the SMTP client is still there, if the
     * session is waiting for its children; when it has gone, the children's connections are closed, which ends
     * the wait at once, and the session's thread answers the MTA {@code fallback_status_at_disconnect}.
     */
    void checkClient(ConnectionChecker checker) {
        if (closed) {
            return;
        }
        ClientCheck.SmtpClient client;
        try {
            client = check.findGone(checker);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "[session][check](" + tag + ") the connection check failed: " + e);
            return;
        }
        if (client != null) {
            LOG.log(Level.INFO, () -> "[session][disconnected](" + tag + ") the SMTP client "
                    + client.connect().address() + " has gone: answering "
                    + runtime.config().fallbackStatusAtDisconnect().configName());
            children.forEach(ChildSession::disconnect);
        }
    }

    /** Whether the connection check has found the SMTP client gone during this message. */
    boolean clientGone() {
        return check.gone();
    }

    /** Passes responses on; once the SMTP client has gone, a verdict is replaced by the status for that case. */
    private void send(List<Response> responses, ResponseSink sink) {
        if (!check.gone()) {
            sink.send(responses);
        } else if (!responses.isEmpty() && responses.getLast() instanceof Response.Decision) {
            sink.send(List.of(answer(runtime.config().fallbackStatusAtDisconnect().toDecision())));
        }
    }

    /** After the SMTP client has gone: every child dropped, every later event answered with the status for it. */
    private void settleDisconnect() {
        if (check.settle()) {
            children.forEach(ChildSession::close);
            endMessage();
            pendingFallback = runtime.config().fallbackStatusAtDisconnect();
            lastStatus = pendingFallback;
        }
    }

    /**
     * Ends the session from another thread (the manager closing): the children's connections are closed without
     * QUIT, which unblocks a fan-out in progress; the session's own thread then fails out of its call.
     */
    void abandon() {
        if (closed) {
            return;
        }
        closed = true;
        children.forEach(ChildSession::close);
        runtime.sessionClosed(this);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        endMessage();
        for (ChildSession child : children) {
            child.quit();
            child.logEnd();
        }
        LOG.log(Level.INFO, () -> EndLine.format("session", lastState, lastStatus, startNanos, tag));
        runtime.sessionClosed(this);
    }
}
