package dev.miltermanager.client;

import java.util.Objects;

/**
 * A {@link MilterClient} could not go on with its milter. One subclass per cause, so a caller (the manager) can map
 * each to its fallback and log level with an exhaustive {@code switch}:
 * <ul>
 *   <li>{@link MilterConnectException}: the connection could not be opened;</li>
 *   <li>{@link MilterTimeoutException}: a connect, write, read or end-of-message timeout passed;</li>
 *   <li>{@link MilterClosedByPeerException}: the milter closed the connection while a reply was due;</li>
 *   <li>{@link MilterIoException}: any other I/O error (connection reset, broken pipe);</li>
 *   <li>{@link MilterProtocolViolationException}: the milter broke the protocol;</li>
 *   <li>{@link MilterClientClosedException}: the client was already closed, by {@code close()}, {@code quit()} or
 *       an earlier failure (then the {@linkplain #getCause() cause}).</li>
 * </ul>
 * The message always names the milter, the phase and what happened, for example
 * {@code milter spamd (inet:783@[127.0.0.1]), RCPT: no reply within 7 s (read timeout)}.
 *
 * <p>Except for {@link MilterClientClosedException} thrown by a call on an already closed client, the client that
 * throws one of these has closed its connection. Instances are immutable.
 */
public abstract sealed class MilterClientException extends RuntimeException
        permits MilterConnectException, MilterTimeoutException, MilterClosedByPeerException, MilterIoException,
        MilterProtocolViolationException, MilterClientClosedException {
    private static final long serialVersionUID = 1L;

    private final String milter;
    private final Phase phase;

    MilterClientException(String milter, Phase phase, String what, Throwable cause) {
        super("milter " + milter + ", " + phase.label() + ": " + what, cause);
        this.milter = Objects.requireNonNull(milter, "milter");
        this.phase = Objects.requireNonNull(phase, "phase");
    }

    /** The milter, as logs name it: its configured name and connection spec, or just the spec. */
    public String milter() {
        return milter;
    }

    /** The step of the session in which the failure happened. */
    public Phase phase() {
        return phase;
    }
}
