package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.protocol.Stage;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

/**
 * One MTA connection: reads commands until QUIT or the end of the stream, keeps libmilter's state machine, and
 * runs the events through an {@link EventRunner}. This class is the connection boundary: every failure ends up in
 * the one catch ladder of {@link #run()}, which picks the log level, and the milter instance is always closed.
 *
 * <p>Runs on one thread; {@link #close()} may be called from any thread to end it.
 */
final class MilterSession implements Runnable {
    private static final System.Logger LOG = System.getLogger(MilterSession.class.getName());

    private final Wire wire;
    private final SessionSettings settings;
    private final PacketReader reader;
    private final Consumer<MilterSession> onEnd;
    private volatile boolean closing;

    private SessionState state = SessionState.INIT;
    private Agreement agreement;
    private MacroStore macros = new MacroStore();
    private EventRunner events;
    /** From MAIL to end of message, or until a verdict or an abort ends the message. */
    private boolean messageOpen;

    MilterSession(Wire wire, SessionSettings settings, Consumer<MilterSession> onEnd) {
        this.wire = wire;
        this.settings = settings;
        this.onEnd = onEnd;
        this.reader = new PacketReader(wire.input(), PacketLimits.DEFAULT_MTA_DATA_BYTES);
    }

    /** The MTA's end, for logs. */
    String peer() {
        return wire.peer();
    }

    /** Ends the session from another thread: the socket closes and the session thread winds down. */
    void close() {
        closing = true;
        wire.close();
    }

    @Override
    public void run() {
        LOG.log(Level.DEBUG, () -> "MTA " + peer() + " connected");
        try {
            while (serveOne()) {
                // next command
            }
        } catch (Negotiator.NegotiationException e) {
            LOG.log(Level.ERROR, "refusing the MTA's options, closing the connection: " + e.getMessage());
        } catch (MilterProtocolException e) {
            LOG.log(Level.WARNING, () -> "protocol error from MTA " + peer() + ", closing its connection: "
                    + e.getMessage());
        } catch (EOFException e) {
            LOG.log(Level.INFO, () -> "MTA " + peer() + " closed the connection inside a packet: " + e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            LOG.log(closing ? Level.DEBUG : Level.INFO, () -> "connection to MTA " + peer() + " ended: " + e);
        } catch (FactoryException e) {
            LOG.log(Level.ERROR, "the milter factory failed for MTA " + peer() + ", closing its connection",
                    e.getCause());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "internal error in the session with MTA " + peer() + ", closing its connection", e);
        } catch (Error e) {
            LOG.log(Level.ERROR, "fatal error in the session with MTA " + peer(), e);
            throw e;
        } finally {
            endInstance();
            wire.close();
            onEnd.accept(this);
            LOG.log(Level.DEBUG, () -> "session with MTA " + peer() + " ended");
        }
    }

    /** Reads and handles one command; false when the session is over. */
    private boolean serveOne() throws IOException {
        Packet packet;
        try (Wire.Guard guard = wire.deadline(settings.ioTimeout(), "waiting for the MTA's next command")) {
            packet = reader.read();
        }
        if (packet == null) {
            LOG.log(Level.DEBUG, () -> "MTA " + peer() + " closed the connection");
            return false;
        }
        Command command = CommandCodec.decode(packet);
        LOG.log(Level.TRACE, () -> "MTA " + peer() + " sent " + command);
        return handle(command);
    }

    private boolean handle(Command command) throws IOException {
        if (agreement == null && !(command instanceof Command.Negotiate || command instanceof Command.Macros
                || command instanceof Command.Quit)) {
            throw new MilterProtocolException("expected option negotiation ('O') first, got " + command);
        }
        switch (command) {
            case Command.Negotiate offer -> negotiate(offer);
            case Command.Macros m -> storeMacros(m);
            case Command.Quit q -> {
                return false;
            }
            case Command.QuitNewConnection k -> {
                endInstance();
                macros = new MacroStore();
                state = SessionState.QUIT_NEW_CONNECTION;
            }
            case Command.Abort a -> {
                if (move(SessionState.ABORT, command)) {
                    abortMessage();
                }
            }
            default -> event(command);
        }
        return true;
    }

    private void negotiate(Command.Negotiate offer) throws IOException {
        if (state != SessionState.INIT) {
            state = SessionState.HELO;
            LOG.log(Level.WARNING, () -> "MTA " + peer() + " negotiated a second time; ignored as libmilter does");
            return;
        }
        agreement = Negotiator.negotiate(offer, settings.spec(), peer());
        reader.setMaxDataBytes(agreement.options().maxDataBytes());
        send(List.of(ResponseCodec.encode(agreement.reply())));
        state = SessionState.OPTIONS;
        LOG.log(Level.DEBUG, () -> "MTA " + peer() + " offered " + offer + "; agreed " + agreement.options());
    }

    private void storeMacros(Command.Macros m) {
        MacroStage stage = MacroStage.ofCommandCode(m.commandCode());
        if (stage == null) {
            LOG.log(Level.DEBUG, () -> "MTA " + peer() + " sent macros for command "
                    + Packet.describeCode(m.commandCode()) + ", which has none; ignored");
            return;
        }
        macros.put(stage, m.macros());
    }

    private void event(Command command) throws IOException {
        Stage stage = Stage.of(command);
        SessionState target = stateOf(stage);
        if (!move(target, command)) {
            return;
        }
        if (events == null) {
            SessionContext context = new SessionContext(macros, agreement.options());
            events = new EventRunner(agreement, settings.failureVerdict(), context, createMilter(context),
                    this::send, peer());
        }
        clearLaterMacros(stage);
        messageOpen |= stage == Stage.MAIL;
        Response.Decision sent = events.run(command, stage);
        if (endsTransaction(sent, stage)) {
            state = SessionState.HELO;
            messageOpen = false;
        }
        messageOpen &= stage != Stage.EOM;
    }

    private Milter createMilter(SessionContext context) {
        try {
            Milter milter = settings.factory().create(context);
            if (milter == null) {
                throw new NullPointerException("the factory returned null");
            }
            return milter;
        } catch (RuntimeException e) {
            throw new FactoryException(e);
        }
    }

    /**
     * Moves to {@code target} as libmilter does: directly if allowed; otherwise the open message (if any) is
     * aborted and the move is tried again from HELO; if that fails too the command is ignored. Unlike libmilter,
     * "open message" means a MAIL not yet ended, so a message interrupted by an unknown command is aborted too.
     */
    private boolean move(SessionState target, Command command) {
        if (state.allows(target, agreement::passesOver)) {
            state = target;
            return true;
        }
        abortMessage();
        SessionState from = state;
        state = SessionState.HELO;
        if (state.allows(target, agreement::passesOver)) {
            state = target;
            return true;
        }
        Stage stage = Stage.of(command);
        boolean awaitsReply = stage != null && agreement.replyMode(stage) != Agreement.ReplyMode.NONE;
        LOG.log(awaitsReply ? Level.WARNING : Level.DEBUG, () -> "MTA " + peer() + " sent " + command + " in state "
                + from + "; ignored as libmilter does" + (awaitsReply ? " (the MTA will wait for a reply)" : ""));
        return false;
    }

    private void clearLaterMacros(Stage stage) {
        switch (stage) {
            case CONNECT, HELO, MAIL, RCPT -> macros.clearAfter(stage.macroStage());
            default -> {
                // later stages keep what earlier events brought
            }
        }
    }

    private static boolean endsTransaction(Response.Decision sent, Stage stage) {
        return switch (sent) {
            case Response.Accept a -> true;
            case Response.Reject r -> stage != Stage.RCPT && stage != Stage.UNKNOWN;
            case Response.TempFail t -> stage != Stage.RCPT && stage != Stage.UNKNOWN;
            case Response.ReplyCode y -> stage != Stage.RCPT && stage != Stage.UNKNOWN;
            case Response.Discard d -> stage != Stage.RCPT && stage != Stage.UNKNOWN;
            case Response.Shutdown s -> true;
            case Response.ConnectionFailure f -> true;
            case Response.Continue c -> false;
            case Response.Skip s -> false;
        };
    }

    private static SessionState stateOf(Stage stage) {
        return switch (stage) {
            case CONNECT -> SessionState.CONNECT;
            case HELO -> SessionState.HELO;
            case MAIL -> SessionState.MAIL;
            case RCPT -> SessionState.RCPT;
            case DATA -> SessionState.DATA;
            case HEADER -> SessionState.HEADERS;
            case EOH -> SessionState.EOH;
            case BODY -> SessionState.BODY;
            case EOM -> SessionState.EOM;
            case UNKNOWN -> SessionState.UNKNOWN;
        };
    }

    /** Tells the milter the open message is abandoned, if one is open. */
    private void abortMessage() {
        if (messageOpen) {
            messageOpen = false;
            events.abort();
        }
    }

    /** Aborts an open message and closes the milter instance, if there is one. */
    private void endInstance() {
        if (events == null) {
            return;
        }
        abortMessage();
        events.close();
        events = null;
    }

    private void send(List<ByteBuffer> frames) throws IOException {
        try (Wire.Guard guard = wire.deadline(settings.ioTimeout(), "writing to the MTA")) {
            wire.write(frames.toArray(ByteBuffer[]::new));
        }
    }

    /** The milter factory failed; the session cannot go on. */
    private static final class FactoryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FactoryException(RuntimeException cause) {
            super(cause);
        }
    }

    /** Frames to the MTA, written together. */
    @FunctionalInterface
    interface Sender {
        void send(List<ByteBuffer> frames) throws IOException;
    }
}
