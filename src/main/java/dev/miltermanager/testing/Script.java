package dev.miltermanager.testing;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

/**
 * Everything a {@link FakeMilter.Builder} was told, frozen: how to negotiate, how to answer each stage, which
 * edits to send at end of message and how to write them, where to listen.
 *
 * @param version the negotiated version, or {@code null} for the offer's, capped at 6
 * @param actions the requested actions, or {@code null} for all the MTA offered
 * @param protocol the requested protocol flags
 * @param macros the macro lists asked for per stage
 * @param negotiation a reply that replaces the computed negotiation, or {@code null}
 * @param negotiationDelay how long to wait before answering negotiation
 * @param rules per stage, the rules in the order they were given
 * @param defaults per stage, the reply when no rule matched
 * @param edits the modifications sent before the end-of-message reply
 * @param editPause {@code null} to write a reply's responses at once, else the pause between separate writes
 */
record Script(Integer version, Integer actions, int protocol, Map<MacroStage, List<String>> macros,
              FakeReply negotiation, Duration negotiationDelay, Map<Stage, List<FakeMilter.Responder>> rules,
              Map<Stage, FakeReply> defaults,
              Function<FakeSession.Message, ? extends List<? extends Response.Modification>> edits,
              Duration editPause, boolean tcpNoDelay, boolean lieAboutNoReply, ConnectionSpec listenOn,
              ThreadFactory threadFactory) {

    /** The newest protocol version, and the one a fake answers with unless told otherwise. */
    static final int NEWEST_VERSION = 6;

    Script {
        macros = Map.copyOf(macros);
        EnumMap<Stage, List<FakeMilter.Responder>> frozen = new EnumMap<>(Stage.class);
        rules.forEach((stage, list) -> frozen.put(stage, List.copyOf(list)));
        rules = frozen;
        defaults = new EnumMap<>(defaults);
    }

    /** The reply to an offer: the scripted replacement, or the negotiation computed from the offer. */
    FakeReply negotiationReply(Command.Negotiate offer) {
        if (negotiation != null) {
            return negotiation.delay().isZero() ? negotiation.after(negotiationDelay) : negotiation;
        }
        int replyVersion = version != null ? version : Math.min(NEWEST_VERSION, offer.version());
        int replyActions = actions != null ? actions : offer.actions();
        return FakeReply.of(new Response.Negotiate(replyVersion, replyActions, protocol, macros))
                .after(negotiationDelay);
    }

    /** The rules of a stage, in order. */
    List<FakeMilter.Responder> rules(Stage stage) {
        return rules.getOrDefault(stage, List.of());
    }

    /** The reply of a stage when no rule matched. */
    FakeReply defaultReply(Stage stage) {
        return defaults.getOrDefault(stage, FakeReply.CONTINUE);
    }
}
