package dev.miltermanager.testing;

import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterClientException;
import dev.miltermanager.client.Negotiated;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One simulated MTA connection to a milter: negotiated when opened, then CONNECT and HELO (sent with the first
 * message unless sent explicitly), then any number of messages, each followed by ABORT where the profile's MTA
 * sends it (reference issue #201), then QUIT.
 *
 * <p>The session acts on the milter's verdicts as the MTA would: a refusal at CONNECT or HELO refuses every message
 * of the connection (nothing more is sent), ACCEPT there ends the milter's part for the connection; at MAIL, DATA
 * and later stages a refusal or ACCEPT ends the message (ABORT follows); a refusal at RCPT refuses only that
 * recipient (the message goes on while one is left); SKIP ends the body. Macros are the profile's per stage plus
 * the simulator's and the message's; when the milter sent macro lists, only the listed names are sent.
 *
 * <p>Not thread-safe: one caller, as one SMTP session. Close it to disconnect (without QUIT) or {@link #quit()}.
 */
public final class MtaSession implements AutoCloseable {
    private final MtaSimulator sim;
    private final MilterClient client;
    private final Negotiated negotiated;
    private final MtaTranscript transcript;
    private final ClientAddress clientAddress;
    private final List<StageReply> pending = new ArrayList<>();
    private boolean connectSent;
    private boolean heloSent;
    /** Set when CONNECT or HELO ended the milter's part: a refusal, or accept. */
    private StageReply connectionVerdict;
    private int messages;

    private MtaSession(MtaSimulator sim, MilterClient client, Negotiated negotiated, MtaTranscript transcript) {
        this.sim = sim;
        this.client = client;
        this.negotiated = negotiated;
        this.transcript = transcript;
        this.clientAddress = ClientAddress.parse(sim.connectAddress());
    }

    static MtaSession open(MtaSimulator sim, MilterClient client) {
        MtaTranscript transcript = new MtaTranscript();
        Command.Negotiate offer = new Command.Negotiate(sim.version(), sim.actions(), sim.protocol());
        transcript.mta(offer, Map.of());
        Negotiated negotiated;
        try {
            negotiated = client.negotiate(offer);
        } catch (MilterClientException e) {
            client.close();
            throw new MtaSessionException("negotiation failed: " + e.getMessage(), transcript.toString(), e);
        }
        transcript.milter(negotiated.reply());
        if (!sim.profile().toleratesUnofferedFlags() && negotiated.unofferedProtocol() != 0) {
            client.close();
            throw new MtaSessionException(sim.profile().configName() + " refuses the milter: it answered protocol "
                    + "flags it was not offered: " + ProtocolFlag.describe(negotiated.unofferedProtocol()),
                    transcript.toString(), null);
        }
        return new MtaSession(sim, client, negotiated, transcript);
    }

    /** What was negotiated. */
    public Negotiated negotiated() {
        return negotiated;
    }

    /** The session so far, both directions, with times. */
    public String transcript() {
        return transcript.toString();
    }

    /** Sends CONNECT with the simulator's host name and address (done by the first message if not called). */
    public StageReply connect() {
        if (connectSent) {
            throw new IllegalStateException("CONNECT was already sent on this session");
        }
        connectSent = true;
        Command.Connect connect = clientAddress.connect(sim.connectHost());
        StageReply reply = event(Stage.CONNECT, connect.hostname() + " [" + connect.address() + "]", connect,
                macros(MacroStage.CONNECT, facts("", ""), Map.of()));
        connectionVerdictFrom(reply);
        return reply;
    }

    /** Sends HELO with the simulator's name (done by the first message if not called). */
    public StageReply helo() {
        return helo(sim.helo());
    }

    /** Sends HELO (or EHLO) with {@code name}; CONNECT first if not yet sent. */
    public StageReply helo(String name) {
        if (!connectSent) {
            pending.add(connect());
        }
        heloSent = true;
        if (connectionVerdict != null) {
            return connectionVerdict;
        }
        StageReply reply = event(Stage.HELO, name, new Command.Helo(name),
                macros(MacroStage.HELO, facts("", ""), Map.of()));
        connectionVerdictFrom(reply);
        return reply;
    }

    /** Sends an SMTP command the MTA does not know, outside a message. */
    public StageReply unknown(String commandLine) {
        openConnection();
        return event(Stage.UNKNOWN, commandLine, new Command.Unknown(commandLine), Map.of());
    }

    private void connectionVerdictFrom(StageReply reply) {
        Status status = reply.status();
        boolean ignoredDiscard = status == Status.DISCARD && sim.profile() == MtaProfile.POSTFIX;
        if ((status.isFinal() && !ignoredDiscard) || status == Status.ACCEPT) {
            connectionVerdict = reply;
            transcript.note("the milter's " + reply.stage() + " verdict applies to the whole connection");
        } else if (ignoredDiscard) {
            transcript.note("Postfix ignores DISCARD at " + reply.stage());
        }
    }

    private void openConnection() {
        if (!connectSent) {
            pending.add(connect());
        }
        if (!heloSent) {
            pending.add(helo());
        }
    }

    /**
     * Sends one message: MAIL, RCPT…, unknown commands, DATA, headers, EOH, body, end of message, then ABORT where
     * the profile sends it. CONNECT and HELO go first when not sent yet (their answers are in the result's stages).
     *
     * @throws MtaSessionException if the milter fails (timeout, closed connection, protocol violation); the session
     *     is then closed
     */
    public MilterResult send(TestMessage message) {
        long start = System.nanoTime();
        try {
            return new MessageRun(message, start).run();
        } catch (MilterClientException e) {
            client.close();
            throw new MtaSessionException("the milter failed: " + e.getMessage(), transcript.toString(), e);
        }
    }

    /** Sends QUIT and closes the connection. Never throws. */
    public void quit() {
        transcript.mta(new Command.Quit(), Map.of());
        client.quit();
    }

    /** Closes the connection without QUIT. Idempotent. */
    @Override
    public void close() {
        client.close();
    }

    private MtaProfile.SessionFacts facts(String sender, String recipient) {
        return facts(sender, recipient, "", false);
    }

    private MtaProfile.SessionFacts facts(String sender, String recipient, String queueId, boolean known) {
        return sim.facts(clientAddress.address(), queueId, known, strip(sender), strip(recipient));
    }

    private static String strip(String address) {
        return address.startsWith("<") && address.endsWith(">") ? address.substring(1, address.length() - 1)
                : address;
    }

    /** The macros for a stage: the profile's, the simulator's, the message's; filtered by the milter's list. */
    private Map<String, String> macros(MacroStage stage, MtaProfile.SessionFacts facts,
            Map<MacroStage, Map<String, String>> messageMacros) {
        Map<String, String> all = new LinkedHashMap<>(sim.profile().defaultMacros(stage, facts));
        if (stage == MacroStage.CONNECT) {
            all.putIfAbsent("{client_addr}", facts.clientAddress());
            all.putIfAbsent("{client_name}", facts.clientHost());
            all.putIfAbsent("{client_port}", String.valueOf(clientAddress.port()));
            all.putIfAbsent("{client_ptr}", facts.clientHost());
        }
        all.putAll(sim.extraMacros(stage));
        all.putAll(messageMacros.getOrDefault(stage, Map.of()));
        List<String> requested = negotiated.macros().get(stage);
        if (requested == null) {
            if (stage == MacroStage.CONNECT) {
                List.of("{client_addr}", "{client_name}", "{client_port}", "{client_ptr}").forEach(name -> {
                    if (!sim.extraMacros(stage).containsKey(name)
                            && !messageMacros.getOrDefault(stage, Map.of()).containsKey(name)
                            && !sim.profile().defaultMacros(stage, facts).containsKey(name)) {
                        all.remove(name);
                    }
                });
            }
            return all;
        }
        Map<String, String> chosen = new LinkedHashMap<>();
        for (String name : requested) {
            String value = all.get(name);
            if (value == null && !name.startsWith("{") && name.length() > 1) {
                value = all.get("{" + name + "}");
            }
            if (value != null) {
                chosen.put(name, value);
            }
        }
        return chosen;
    }

    private StageReply event(Stage stage, String argument, Command command, Map<String, String> macros) {
        boolean sent = negotiated.isSent(stage);
        if (sent) {
            transcript.mta(command, macros);
        }
        long t0 = System.nanoTime();
        Response.Decision decision = client.send(command, macros);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        if (sent && negotiated.expectsReply(stage)) {
            transcript.milter(decision);
        }
        return new StageReply(stage, argument, decision, sent, elapsed);
    }

    /** One message from MAIL to the end. */
    private final class MessageRun {
        private final TestMessage message;
        private final long start;
        private final List<StageReply> stages = new ArrayList<>();
        private final List<StageReply> rejected = new ArrayList<>();
        private final List<Recipient> accepted = new ArrayList<>();
        private final String queueId;
        private Map<MacroStage, Map<String, String>> messageMacros;

        MessageRun(TestMessage message, long start) {
            this.message = message;
            this.start = start;
            this.queueId = String.format("4%04X%02d", Math.abs(System.identityHashCode(MtaSession.this)) & 0xFFFF,
                    ++messages);
            this.messageMacros = message.macros();
        }

        MilterResult run() {
            openConnection();
            stages.addAll(pending);
            pending.clear();
            if (connectionVerdict != null) {
                transcript.note("message " + messages + " not sent: " + connectionVerdict);
                return finish(connectionVerdict);
            }
            StageReply mail = event(Stage.MAIL, message.sender(), new Command.MailFrom(message.sender(),
                    message.senderArgs()), macros(MacroStage.ENVFROM, facts(message.sender(), "", queueId,
                    false), messageMacros));
            if (ends(mail)) {
                return abortAndFinish(mail);
            }
            StageReply lastRefusal = null;
            for (Recipient recipient : message.recipients()) {
                StageReply rcpt = event(Stage.RCPT, recipient.address(), new Command.Recipient(recipient.address(),
                        recipient.args()), macros(MacroStage.ENVRCPT, facts(message.sender(), recipient.address(),
                        queueId, !accepted.isEmpty()), messageMacros));
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
                transcript.note("every recipient was refused");
                return abortAndFinish(lastRefusal);
            }
            for (String line : message.unknownCommands()) {
                stages.add(event(Stage.UNKNOWN, line, new Command.Unknown(line), Map.of()));
            }
            StageReply data = event(Stage.DATA, "", new Command.Data(), macros(MacroStage.DATA, known(), messageMacros));
            if (ends(data)) {
                return abortAndFinish(data);
            }
            boolean leadingSpace = negotiated.has(ProtocolFlag.HEADER_LEADING_SPACE);
            for (HeaderField header : message.headers()) {
                String value = leadingSpace ? " " + header.value() : header.value();
                StageReply reply = event(Stage.HEADER, header.toString(), new Command.Header(header.name(), value),
                        Map.of());
                if (ends(reply)) {
                    return abortAndFinish(reply);
                }
            }
            StageReply eoh = event(Stage.EOH, "", new Command.EndOfHeaders(),
                    macros(MacroStage.EOH, known(), messageMacros));
            if (ends(eoh)) {
                return abortAndFinish(eoh);
            }
            for (byte[] chunk : message.bodyChunks()) {
                if (chunk.length == 0) {
                    continue;
                }
                StageReply body = bodyChunk(chunk);
                if (body.status() == Status.SKIP) {
                    transcript.note("SKIP: the rest of the body is not sent");
                    break;
                }
                if (ends(body)) {
                    return abortAndFinish(body);
                }
            }
            return endOfMessage(leadingSpace);
        }

        private StageReply bodyChunk(byte[] chunk) {
            boolean sent = negotiated.isSent(Stage.BODY);
            if (sent) {
                transcript.mta(new Command.Body(ByteBuffer.wrap(chunk)), Map.of());
            }
            long t0 = System.nanoTime();
            Response.Decision decision = client.body(ByteBuffer.wrap(chunk));
            if (sent && negotiated.expectsReply(Stage.BODY)) {
                transcript.milter(decision);
            }
            StageReply reply = new StageReply(Stage.BODY, chunk.length + " bytes", decision, sent,
                    Duration.ofNanos(System.nanoTime() - t0));
            stages.add(reply);
            return reply;
        }

        private MilterResult endOfMessage(boolean leadingSpace) {
            Map<String, String> macros = macros(MacroStage.EOM, known(), messageMacros);
            Command.EndOfMessage eom = new Command.EndOfMessage();
            transcript.mta(eom, macros);
            long t0 = System.nanoTime();
            EndOfMessageResult result = client.endOfMessage(macros, transcript::milter);
            transcript.milter(result.decision());
            StageReply reply = new StageReply(Stage.EOM, "", result.decision(), true,
                    Duration.ofNanos(System.nanoTime() - t0));
            stages.add(reply);
            MessageEditor editor = new MessageEditor(sim.profile(), leadingSpace, message, accepted, mtaHeader());
            String quarantine = null;
            for (Response.Modification edit : result.modifications()) {
                editor.apply(edit);
                if (edit instanceof Response.Quarantine q) {
                    quarantine = q.reason();
                }
            }
            if (sim.profile().abortsAfterEveryMessage()) {
                abort();
            }
            return build(reply, result.modifications(), result.progressCount(), quarantine, editor.result());
        }

        private MtaProfile.SessionFacts known() {
            return facts(message.sender(), "", queueId, true);
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
            transcript.mta(new Command.Abort(), Map.of());
            client.abort();
        }

        private MilterResult finish(StageReply decided) {
            MessageEditor editor = new MessageEditor(sim.profile(), false, message,
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
                    transcript.toString());
        }

        /** Postfix's own Received: header, which milters never see. */
        private HeaderField mtaHeader() {
            if (!sim.profile().hidesReceivedHeader()) {
                return null;
            }
            String forClause = message.recipients().size() == 1
                    ? "\n\tfor " + message.recipients().getFirst().address() : "";
            return new HeaderField("Received", "from " + sim.helo() + " (" + sim.connectHost() + " ["
                    + clientAddress.address() + "])\n\tby " + sim.mtaHostName() + " (Postfix) with ESMTP id "
                    + queueId + forClause);
        }
    }
}
