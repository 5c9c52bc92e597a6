package dev.miltermanager.testing;

import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.TestMessage.HeaderField;
import dev.miltermanager.testing.TestMessage.Recipient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One message of an {@link MtaSession}, from MAIL to the end, acted on as the profile's MTA would. */
final class MessageRun {
    private final MtaSession session;
    private final TestMessage message;
    private final long start;
    private final List<StageReply> stages = new ArrayList<>();
    private final List<StageReply> rejected = new ArrayList<>();
    private final List<Recipient> accepted = new ArrayList<>();
    private final String queueId;
    private final Map<MacroStage, Map<String, String>> messageMacros;

    MessageRun(MtaSession session, TestMessage message, long start) {
        this.session = session;
        this.message = message;
        this.start = start;
        this.queueId = String.format("4%04X%02d", Math.abs(System.identityHashCode(session)) & 0xFFFF,
                ++session.messages);
        this.messageMacros = message.macros();
    }

    MilterResult run() {
        session.openConnection();
        stages.addAll(session.pending);
        session.pending.clear();
        if (session.connectionVerdict != null) {
            session.transcript.note("message " + session.messages + " not sent: " + session.connectionVerdict);
            return finish(session.connectionVerdict);
        }
        StageReply mail = session.event(Stage.MAIL, message.sender(),
                new Command.MailFrom(message.sender(), message.senderArgs()), macros(MacroStage.ENVFROM, "", false));
        if (ends(mail)) {
            return abortAndFinish(mail);
        }
        StageReply lastRefusal = null;
        for (Recipient recipient : message.recipients()) {
            StageReply rcpt = session.event(Stage.RCPT, recipient.address(),
                    new Command.Recipient(recipient.address(), recipient.args()),
                    macros(MacroStage.ENVRCPT, recipient.address(), !accepted.isEmpty()));
            Status status = rcpt.status();
            if (status == Status.REJECT || status == Status.TEMPORARY_FAILURE) {
                rejected.add(rcpt);
                lastRefusal = rcpt;
            } else if (ends(rcpt)) {
                return abortAndFinish(rcpt);
            } else {
                accepted.add(recipient);
            }
        }
        if (accepted.isEmpty()) {
            session.transcript.note("every recipient was refused");
            return abortAndFinish(lastRefusal);
        }
        for (String line : message.unknownCommands()) {
            stages.add(session.event(Stage.UNKNOWN, line, new Command.Unknown(line), Map.of()));
        }
        StageReply data = session.event(Stage.DATA, "", new Command.Data(), macros(MacroStage.DATA, "", true));
        if (ends(data)) {
            return abortAndFinish(data);
        }
        boolean leadingSpace = session.negotiated.has(ProtocolFlag.HEADER_LEADING_SPACE);
        for (HeaderField header : message.headers()) {
            String value = leadingSpace ? " " + header.value() : header.value();
            StageReply reply = session.event(Stage.HEADER, header.toString(), new Command.Header(header.name(), value),
                    Map.of());
            if (ends(reply)) {
                return abortAndFinish(reply);
            }
        }
        StageReply eoh = session.event(Stage.EOH, "", new Command.EndOfHeaders(),
                macros(MacroStage.EOH, "", true));
        if (ends(eoh)) {
            return abortAndFinish(eoh);
        }
        for (byte[] chunk : message.bodyChunks()) {
            if (chunk.length == 0) {
                continue;
            }
            StageReply body = bodyChunk(chunk);
            if (body.status() == Status.SKIP) {
                session.transcript.note("SKIP: the rest of the body is not sent");
                break;
            }
            if (ends(body)) {
                return abortAndFinish(body);
            }
        }
        return endOfMessage(leadingSpace);
    }

    private StageReply bodyChunk(byte[] chunk) {
        boolean sent = session.negotiated.isSent(Stage.BODY);
        if (sent) {
            session.transcript.mta(new Command.Body(ByteBuffer.wrap(chunk)), Map.of());
        }
        long t0 = System.nanoTime();
        long progressBefore = session.client.progressBeforeEndOfMessage();
        Response.Decision decision = session.client.body(ByteBuffer.wrap(chunk));
        session.refuseProgressWhereTheMtaDoes(Stage.BODY, progressBefore);
        if (sent && session.negotiated.expectsReply(Stage.BODY)) {
            session.transcript.milter(decision);
        }
        StageReply reply = new StageReply(Stage.BODY, chunk.length + " bytes", decision, sent,
                Duration.ofNanos(System.nanoTime() - t0));
        stages.add(reply);
        return reply;
    }

    private MilterResult endOfMessage(boolean leadingSpace) {
        Map<String, String> macros = macros(MacroStage.EOM, "", true);
        Command.EndOfMessage eom = new Command.EndOfMessage();
        session.transcript.mta(eom, macros);
        long t0 = System.nanoTime();
        EndOfMessageResult result = session.client.endOfMessage(macros, session.transcript::milter);
        session.transcript.milter(result.decision());
        StageReply reply = new StageReply(Stage.EOM, "", result.decision(), true,
                Duration.ofNanos(System.nanoTime() - t0));
        stages.add(reply);
        MessageEditor editor = new MessageEditor(session.sim.profile(), leadingSpace, message, accepted, mtaHeader());
        String quarantine = null;
        for (Response.Modification edit : result.modifications()) {
            editor.apply(edit);
            if (edit instanceof Response.Quarantine q) {
                quarantine = q.reason();
            }
        }
        if (session.sim.profile().abortsAfterEveryMessage()) {
            abort();
        }
        return build(reply, result.modifications(), result.progressCount(), quarantine, editor.result());
    }

    /** The macros of a stage for this message; {@code queueIdKnown} as Postfix knows it (after a RCPT). */
    private Map<String, String> macros(MacroStage stage, String recipient, boolean queueIdKnown) {
        return session.macros(stage, session.facts(message.sender(), recipient, queueId, queueIdKnown),
                messageMacros);
    }

    private boolean ends(StageReply reply) {
        stages.add(reply);
        Status status = reply.status();
        return status.isFinal() || status == Status.ACCEPT;
    }

    private MilterResult abortAndFinish(StageReply decided) {
        abort();
        return finish(decided);
    }

    private void abort() {
        session.transcript.mta(new Command.Abort(), Map.of());
        session.client.abort();
    }

    private MilterResult finish(StageReply decided) {
        MessageEditor editor = new MessageEditor(session.sim.profile(), false, message,
                accepted.isEmpty() ? message.recipients() : accepted, mtaHeader());
        return build(decided, List.of(), 0, null, editor.result());
    }

    private MilterResult build(StageReply decided, List<Response.Modification> edits, int progress,
            String quarantine, AppliedMessage applied) {
        Status status = decided.status();
        if (decided.stage() == Stage.EOM && status == Status.SKIP) {
            status = Status.CONTINUE;
        }
        Optional<SmtpReply> reply = decided.decision() instanceof Response.ReplyCode y ? Optional.of(y.reply())
                : Optional.empty();
        return new MilterResult(status, reply, decided.stage(), stages, rejected, Optional.ofNullable(quarantine),
                edits, progress, message, applied, Duration.ofNanos(System.nanoTime() - start),
                session.transcript.toString());
    }

    /** Postfix's own Received: header, which milters never see. */
    private HeaderField mtaHeader() {
        if (!session.sim.profile().hidesReceivedHeader()) {
            return null;
        }
        String forClause = message.recipients().size() == 1
                ? "\n\tfor " + message.recipients().getFirst().address() : "";
        return new HeaderField("Received", "from " + session.sim.helo() + " (" + session.sim.connectHost() + " ["
                + session.clientAddress.address() + "])\n\tby " + session.sim.mtaHostName()
                + " (Postfix) with ESMTP id "
                + queueId + forClause);
    }
}
