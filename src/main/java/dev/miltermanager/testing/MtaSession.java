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
    final MtaSimulator sim;
    final MilterClient client;
    final Negotiated negotiated;
    final MtaTranscript transcript;
    final ClientAddress clientAddress;
    final List<StageReply> pending = new ArrayList<>();
    private boolean connectSent;
    private boolean heloSent;
    /** Set when CONNECT or HELO ended the milter's part: a refusal, or accept. */
    StageReply connectionVerdict;
    int messages;

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

    /**
     * Sends CONNECT with the simulator's host name and address (done by the first message if not called).
     *
     * @throws IllegalStateException if CONNECT was already sent
     * @throws MtaSessionException if the milter fails; the session is then closed
     */
    public StageReply connect() {
        if (connectSent) {
            throw new IllegalStateException("CONNECT was already sent on this session");
        }
        return guarded(this::sendConnect);
    }

    private StageReply sendConnect() {
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

    /**
     * Sends HELO (or EHLO) with {@code name}; CONNECT first if not yet sent.
     *
     * @throws MtaSessionException if the milter fails; the session is then closed
     */
    public StageReply helo(String name) {
        return guarded(() -> sendHelo(name));
    }

    private StageReply sendHelo(String name) {
        if (!connectSent) {
            pending.add(sendConnect());
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

    /**
     * Sends an SMTP command the MTA does not know, outside a message (CONNECT and HELO first if not yet sent).
     *
     * @throws MtaSessionException if the milter fails; the session is then closed
     */
    public StageReply unknown(String commandLine) {
        return guarded(() -> {
            openConnection();
            return event(Stage.UNKNOWN, commandLine, new Command.Unknown(commandLine), Map.of());
        });
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

    void openConnection() {
        if (!connectSent) {
            pending.add(sendConnect());
        }
        if (!heloSent) {
            pending.add(sendHelo(sim.helo()));
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
        return guarded(() -> new MessageRun(this, message, start).run());
    }

    /** Runs a step; a client fault closes the session and becomes an {@link MtaSessionException}. */
    private <T> T guarded(java.util.function.Supplier<T> step) {
        try {
            return step.get();
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

    MtaProfile.SessionFacts facts(String sender, String recipient, String queueId, boolean known) {
        return sim.facts(clientAddress.address(), queueId, known, strip(sender), strip(recipient));
    }

    private static String strip(String address) {
        return address.startsWith("<") && address.endsWith(">") ? address.substring(1, address.length() - 1)
                : address;
    }

    /**
     * The macros for a stage: the profile's defaults, then the simulator's and the message's extras. When the
     * milter sent a macro list for the stage, only the listed names that have a value are sent, and the client's
     * details Postfix can provide on request ({@code {client_addr}} and the like) count as having one.
     */
    Map<String, String> macros(MacroStage stage, MtaProfile.SessionFacts facts,
            Map<MacroStage, Map<String, String>> messageMacros) {
        Map<String, String> sent = new LinkedHashMap<>(sim.profile().defaultMacros(stage, facts));
        sent.putAll(sim.extraMacros(stage));
        sent.putAll(messageMacros.getOrDefault(stage, Map.of()));
        List<String> requested = negotiated.macros().get(stage);
        if (requested == null) {
            return sent;
        }
        Map<String, String> available = new LinkedHashMap<>();
        if (stage == MacroStage.CONNECT) {
            available.put("{client_addr}", facts.clientAddress());
            available.put("{client_name}", facts.clientHost());
            available.put("{client_port}", String.valueOf(clientAddress.port()));
            available.put("{client_ptr}", facts.clientHost());
        }
        available.putAll(sent);
        Map<String, String> chosen = new LinkedHashMap<>();
        for (String name : requested) {
            String value = available.get(name);
            if (value == null && !name.startsWith("{") && name.length() > 1) {
                value = available.get("{" + name + "}");
            }
            if (value != null) {
                chosen.put(name, value);
            }
        }
        return chosen;
    }

    /** Sendmail takes progress only at end of message: anywhere else it is an error that ends the session. */
    void refuseProgressWhereTheMtaDoes(Stage stage, long progressBefore) {
        if (!sim.profile().acceptsProgressAnywhere() && client.progressBeforeEndOfMessage() != progressBefore) {
            transcript.note("the milter sent progress at " + stage);
            client.close();
            throw new MtaSessionException(sim.profile().configName() + " accepts progress only at end of message, "
                    + "but the milter sent progress while answering " + stage, transcript.toString(), null);
        }
    }

    StageReply event(Stage stage, String argument, Command command, Map<String, String> macros) {
        boolean sent = negotiated.isSent(stage);
        if (sent) {
            transcript.mta(command, macros);
        }
        long t0 = System.nanoTime();
        long progressBefore = client.progressBeforeEndOfMessage();
        Response.Decision decision = client.send(command, macros);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        refuseProgressWhereTheMtaDoes(stage, progressBefore);
        if (sent && negotiated.expectsReply(stage)) {
            transcript.milter(decision);
        }
        return new StageReply(stage, argument, decision, sent, elapsed);
    }
}
