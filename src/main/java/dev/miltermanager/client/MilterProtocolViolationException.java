package dev.miltermanager.client;

import dev.miltermanager.protocol.MilterProtocolException;

/**
 * The milter broke the protocol: a malformed, oversized or unknown packet, a response that is not legal where it
 * came (a modification before end of message, a reply nobody asked for, SKIP outside the body), a modification it
 * did not negotiate, or a negotiation reply outside the offer ({@link NegotiationException}). The
 * {@linkplain #getCause() cause} is the {@link MilterProtocolException} that says what was received.
 */
public final class MilterProtocolViolationException extends MilterClientException {
    private static final long serialVersionUID = 1L;

    MilterProtocolViolationException(String milter, Phase phase, MilterProtocolException cause) {
        super(milter, phase, "protocol violation: " + cause.getMessage(), cause);
    }

    @Override
    public MilterProtocolException getCause() {
        return (MilterProtocolException) super.getCause();
    }
}
