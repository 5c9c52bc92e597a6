package dev.miltermanager.protocol;

/**
 * A peer broke the milter protocol: a malformed or oversized packet, an unknown code, a reply nobody asked for.
 * The message says what was received and what was expected. The session that sees it cannot continue in step
 * with its peer and is closed by the layer that catches it.
 */
public class MilterProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MilterProtocolException(String message) {
        super(message);
    }

    public MilterProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
