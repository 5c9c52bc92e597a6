package dev.miltermanager.client;

import dev.miltermanager.protocol.MilterProtocolException;

/**
 * The milter's negotiation reply cannot be accepted: not an {@code O} packet, a protocol version outside 2..6 or
 * above the offer, or actions the MTA did not offer. Carried as the cause of a
 * {@link MilterProtocolViolationException} in phase {@link Phase#NEGOTIATE}.
 */
public final class NegotiationException extends MilterProtocolException {
    private static final long serialVersionUID = 1L;

    NegotiationException(String message) {
        super(message);
    }
}
