package dev.miltermanager.client;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of negotiation with one milter: what the MTA side offered and what the milter answered. The client
 * follows the milter's answer as given: its version decides which events exist, its {@code NO_*} flags which events
 * are sent and its {@code NR_*} flags which are awaited, even for flags outside the offer (Postfix tolerates those,
 * and honouring them keeps both sides in step). Immutable.
 *
 * @param offer the {@code O} the client sent
 * @param reply the milter's validated {@code O}: version 2..6 and not above the offer, actions within the offer
 */
public record Negotiated(Command.Negotiate offer, Response.Negotiate reply) {
    public Negotiated {
        Objects.requireNonNull(offer, "offer");
        Objects.requireNonNull(reply, "reply");
    }

    /** The protocol version both sides speak: the milter's. */
    public int version() {
        return reply.version();
    }

    /** The modification actions the milter may use. */
    public int actions() {
        return reply.actions();
    }

    /** The protocol flags the milter asked for, as it sent them. */
    public int protocol() {
        return reply.protocol();
    }

    /** The macros the milter asked for per stage; empty when it asked for none. */
    public Map<MacroStage, List<String>> macros() {
        return reply.macros();
    }

    /** Whether the milter negotiated {@code action}. */
    public boolean allows(Action action) {
        return action.in(reply.actions());
    }

    /** Whether the milter asked for {@code flag}. */
    public boolean has(ProtocolFlag flag) {
        return flag.in(reply.protocol());
    }

    /** Whether {@code stage} is sent to the milter (its version defines it and it did not ask to skip it). */
    public boolean isSent(Stage stage) {
        return stage.isSent(reply.version(), reply.protocol());
    }

    /** Whether the milter answers {@code stage} when it receives it. */
    public boolean expectsReply(Stage stage) {
        return stage.expectsReply(reply.protocol());
    }

    /** The protocol flags the milter asked for although they were not offered (tolerated, see the class comment). */
    public int unofferedProtocol() {
        return reply.protocol() & ~offer.protocol();
    }
}
