package dev.miltermanager.client;

import java.time.Duration;
import java.util.Objects;

/**
 * A timeout of {@link ClientOptions} passed: the {@linkplain #kind() kind} says which one and
 * {@link #timeout()} its length. The connection was closed when the timeout passed.
 */
public final class MilterTimeoutException extends MilterClientException {
    private static final long serialVersionUID = 1L;

    /** Which timeout passed. */
    public enum Kind {
        /** Opening the connection ({@link ClientOptions#connectTimeout()}). */
        CONNECT("connect timeout"),
        /** Writing a command ({@link ClientOptions#writeTimeout()}). */
        WRITE("write timeout"),
        /** Waiting for the reply to an event or to negotiation ({@link ClientOptions#readTimeout()}). */
        READ("read timeout"),
        /** Waiting for the end-of-message verdict ({@link ClientOptions#endOfMessageTimeout()}). */
        END_OF_MESSAGE("end-of-message timeout");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** A short label such as {@code read timeout}. */
        public String label() {
            return label;
        }
    }

    private final Kind kind;
    private final Duration timeout;

    MilterTimeoutException(String milter, Phase phase, Kind kind, Duration timeout, String what) {
        super(milter, phase, what + " within " + Texts.format(timeout) + " (" + kind.label() + ")", null);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Which timeout passed. */
    public Kind kind() {
        return kind;
    }

    /** The length of the timeout that passed. */
    public Duration timeout() {
        return timeout;
    }
}
