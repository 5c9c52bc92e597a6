package dev.miltermanager.client;

import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;

/**
 * Which responses are legal where, as the MTAs enforce it. Progress is legal while any reply is due and is handled
 * by the caller; everything else is checked here.
 */
final class ReplyRules {
    private ReplyRules() {
    }

    /**
     * The verdict {@code response} gives to an event of {@code stage} other than end of message.
     *
     * @throws MilterProtocolException if the response cannot answer that event
     */
    static Response.Decision eventDecision(Stage stage, Response response) {
        return switch (response) {
            case Response.Modification m -> throw new MilterProtocolException("modification " + describe(m)
                    + " in reply to " + stage + ": modifications are only valid at end of message");
            case Response.Skip s when stage != Stage.BODY -> throw new MilterProtocolException(
                    "SKIP ('s') in reply to " + stage + ": it only answers a body chunk");
            case Response.Progress p -> throw new IllegalStateException("progress is handled by the caller");
            default -> decision(stage, response);
        };
    }

    /**
     * The final verdict {@code response} gives at end of message.
     *
     * @throws MilterProtocolException if the response cannot end end of message
     */
    static Response.Decision endOfMessageDecision(Response response) {
        return switch (response) {
            case Response.Skip s -> throw new MilterProtocolException(
                    "SKIP ('s') at end of message: it only answers a body chunk");
            case Response.Modification m -> throw new IllegalStateException("modifications are handled by the caller");
            case Response.Progress p -> throw new IllegalStateException("progress is handled by the caller");
            default -> decision(Stage.EOM, response);
        };
    }

    private static Response.Decision decision(Stage stage, Response response) {
        return switch (response) {
            case Response.ConnectionFailure f -> throw new MilterProtocolException("connection failure ('f') in reply"
                    + " to " + stage + ": no milter library sends it and MTAs treat it as an error");
            case Response.Decision d -> d;
            case Response.Negotiate n -> throw new MilterProtocolException(
                    "negotiation reply ('O') in reply to " + stage);
            case Response.Modification m -> throw new IllegalStateException("unreachable");
            case Response.Progress p -> throw new IllegalStateException("unreachable");
        };
    }

    /** A response as messages name it: its code, and its type. */
    static String describe(Response response) {
        return Packet.describeCode(response.code()) + " " + response.getClass().getSimpleName();
    }
}
