package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the events of one milter instance: calls its callback, contains a callback's failure, turns the verdict
 * into what the agreement allows on the wire, and sends it (end-of-message changes and the verdict in one write).
 */
final class EventRunner {
    private static final System.Logger LOG = System.getLogger(EventRunner.class.getName());
    private static final ByteBuffer PROGRESS = ResponseCodec.encode(new Response.Progress()).asReadOnlyBuffer();

    private final Agreement agreement;
    private final Response.Decision failureVerdict;
    private final SessionContext context;
    private final Milter milter;
    private final MilterSession.Sender sender;
    private final String peer;

    EventRunner(Agreement agreement, Response.Decision failureVerdict, SessionContext context, Milter milter,
            MilterSession.Sender sender, String peer) {
        this.agreement = agreement;
        this.failureVerdict = failureVerdict;
        this.context = context;
        this.milter = milter;
        this.sender = sender;
        this.peer = peer;
    }

    /**
     * Runs one event and answers it.
     *
     * @return the decision sent to the MTA, or CONTINUE when none was sent or the verdict was replaced by one
     */
    Response.Decision run(Command command, Stage stage) throws IOException {
        if (command instanceof Command.Connect connect) {
            context.client(connect);
        }
        if (command instanceof Command.EndOfMessage eom) {
            return endOfMessage(eom);
        }
        Response.Decision verdict = agreement.delivers(stage) ? call(stage, () -> dispatch(command))
                : Verdict.CONTINUE;
        return answer(stage, verdict, List.of());
    }

    private Response.Decision dispatch(Command command) {
        return switch (command) {
            case Command.Connect c -> milter.connect(c);
            case Command.Helo h -> milter.helo(h.name());
            case Command.MailFrom m -> milter.mailFrom(m.sender(), m.esmtpArgs());
            case Command.Recipient r -> milter.recipient(r.recipient(), r.esmtpArgs());
            case Command.Data d -> milter.data();
            case Command.Header h -> milter.header(h.name(), h.value());
            case Command.EndOfHeaders e -> milter.endOfHeaders();
            case Command.Body b -> milter.body(b.chunk());
            case Command.Unknown u -> milter.unknown(u.line());
            default -> throw new IllegalArgumentException("not an event with a callback: " + command);
        };
    }

    /**
     * End of message. A body piece carried by the command (libmilter accepts one; MTAs send none) goes to the body
     * callback first, and a verdict from it other than CONTINUE or SKIP answers the message.
     */
    private Response.Decision endOfMessage(Command.EndOfMessage eom) throws IOException {
        ByteBuffer piece = eom.chunk();
        if (piece.hasRemaining() && agreement.delivers(Stage.BODY)) {
            Response.Decision verdict = call(Stage.BODY, () -> milter.body(piece));
            if (!(verdict instanceof Response.Continue) && !(verdict instanceof Response.Skip)) {
                return answer(Stage.EOM, verdict, List.of());
            }
        }
        EomEditor editor = new EomEditor(context, () -> sender.send(List.of(PROGRESS.duplicate())));
        Response.Decision verdict = call(Stage.EOM, () -> milter.endOfMessage(editor));
        List<ByteBuffer> changes;
        if (verdict == null) {
            editor.discard();
            changes = List.of();
        } else {
            changes = editor.finish();
        }
        return answer(Stage.EOM, verdict, changes);
    }

    /** Calls a callback; {@code null} when it failed (logged here). */
    private Response.Decision call(Stage stage, Supplier<Response.Decision> callback) {
        try {
            Response.Decision verdict = callback.get();
            if (verdict == null) {
                throw new NullPointerException("the " + stage + " callback returned null instead of a verdict");
            }
            return verdict;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "milter callback for " + stage + " failed (MTA " + peer + "); answering "
                    + describe(failureVerdict) + " and going on", e);
            return null;
        }
    }

    /** Sends what the agreement allows for a verdict ({@code null}: the callback failed) and returns it. */
    private Response.Decision answer(Stage stage, Response.Decision verdict, List<ByteBuffer> changes)
            throws IOException {
        Response.Decision given = verdict == null ? failureVerdict : verdict;
        SmtpReply reply = context.takeReply();
        return switch (agreement.replyMode(stage)) {
            case NONE -> {
                dropped(stage, given, "the MTA expects no reply");
                yield Verdict.CONTINUE;
            }
            case CONTINUE -> {
                if (agreement.delivers(stage)) {
                    dropped(stage, given, "the milter declared no reply");
                }
                sender.send(List.of(ResponseCodec.encode(Verdict.CONTINUE)));
                yield Verdict.CONTINUE;
            }
            case VERDICT -> {
                Response.Decision sent = onWire(stage, given, reply);
                List<ByteBuffer> frames = new ArrayList<>(changes);
                frames.add(ResponseCodec.encode(sent));
                sender.send(frames);
                yield sent;
            }
        };
    }

    /** The decision to send: SKIP only where it is allowed, a plain refusal replaced by a matching reply. */
    private Response.Decision onWire(Stage stage, Response.Decision verdict, SmtpReply reply) {
        return switch (verdict) {
            case Response.Skip s when stage != Stage.BODY || !agreement.skipAgreed() -> {
                LOG.log(Level.DEBUG, () -> "SKIP from the " + stage + " callback sent as CONTINUE (MTA " + peer
                        + "): skip is for body chunks and needs the MTA's SKIP flag");
                yield Verdict.CONTINUE;
            }
            case Response.Reject r when reply != null && !reply.isTemporary() -> new Response.ReplyCode(reply);
            case Response.TempFail t when reply != null && reply.isTemporary() -> new Response.ReplyCode(reply);
            default -> verdict;
        };
    }

    private void dropped(Stage stage, Response.Decision verdict, String why) {
        if (!(verdict instanceof Response.Continue)) {
            LOG.log(Level.DEBUG, () -> describe(verdict) + " from the " + stage + " callback dropped (MTA " + peer
                    + "): " + why);
        }
    }

    /** The open message was abandoned. */
    void abort() {
        try {
            milter.abort();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "milter abort callback failed (MTA " + peer + ")", e);
        }
    }

    /** The connection is over for this instance. */
    void close() {
        try {
            milter.close();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "milter close callback failed (MTA " + peer + ")", e);
        }
    }

    private static String describe(Response.Decision decision) {
        return decision.getClass().getSimpleName().toUpperCase(Locale.ROOT);
    }
}
