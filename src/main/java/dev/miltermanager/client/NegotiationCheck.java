package dev.miltermanager.client;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;

/**
 * Validates a milter's negotiation reply against the offer, as Postfix does: the version must be 2..6 and not
 * above the offer, the actions within the offer; protocol flags outside the offer are tolerated.
 */
final class NegotiationCheck {
    /** The oldest protocol version the client speaks. */
    static final int MIN_VERSION = 2;
    /** The newest protocol version there is. */
    static final int MAX_VERSION = 6;

    private NegotiationCheck() {
    }

    /**
     * Checks the offer the caller wants to send.
     *
     * @throws IllegalArgumentException for a version outside 2..6
     */
    static void checkOffer(Command.Negotiate offer) {
        if (offer.version() < MIN_VERSION || offer.version() > MAX_VERSION) {
            throw new IllegalArgumentException("the offered protocol version must be from " + MIN_VERSION + " to "
                    + MAX_VERSION + ", not " + offer.version());
        }
    }

    /**
     * The negotiated result.
     *
     * @throws NegotiationException if the reply is not an acceptable answer to the offer
     */
    static Negotiated check(Command.Negotiate offer, Response response) {
        if (!(response instanceof Response.Negotiate reply)) {
            throw new NegotiationException("expected the negotiation reply 'O' but received "
                    + ReplyRules.describe(response));
        }
        if (reply.version() < MIN_VERSION || reply.version() > MAX_VERSION) {
            throw new NegotiationException("milter speaks protocol version " + reply.version()
                    + ", outside the supported " + MIN_VERSION + ".." + MAX_VERSION);
        }
        if (reply.version() > offer.version()) {
            throw new NegotiationException("milter asks for protocol version " + reply.version()
                    + ", above the offered version " + offer.version());
        }
        int unoffered = reply.actions() & ~offer.actions();
        if (unoffered != 0) {
            throw new NegotiationException("milter requests actions " + Action.describe(reply.actions())
                    + " but only " + Action.describe(offer.actions()) + " were offered (not offered: "
                    + Action.describe(unoffered) + ")");
        }
        return new Negotiated(offer, reply);
    }

    /** A one-line summary of the result for logs. */
    static String describe(Negotiated n) {
        String extra = n.unofferedProtocol() == 0 ? ""
                : "; tolerated protocol flags not offered: " + ProtocolFlag.describe(n.unofferedProtocol());
        return "version " + n.version() + ", actions " + Action.describe(n.actions()) + ", protocol "
                + ProtocolFlag.describe(n.protocol()) + ", macros " + n.macros() + extra;
    }
}
