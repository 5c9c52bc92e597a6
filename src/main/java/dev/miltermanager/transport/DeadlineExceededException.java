package dev.miltermanager.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A connect, read or write did not finish within its deadline, so the connection was closed. The message names
 * the peer, the phase and the timeout, e.g. {@code inet:10025@[127.0.0.1]: timed out after 7 s while reading}.
 * The connection it came from is no longer usable.
 */
public final class DeadlineExceededException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    private final String phase;
    private final Duration timeout;
    private final String peer;

    /**
     * @param phase what was being done ("connecting", "reading", ...)
     * @param timeout the deadline that passed
     * @param peer the other end, as printed in logs
     * @param cause the I/O failure the expiry caused, typically an {@link java.nio.channels.AsynchronousCloseException}
     */
    public DeadlineExceededException(String phase, Duration timeout, String peer, IOException cause) {
        super(peer + ": timed out after " + describe(timeout) + " while " + phase, Objects.requireNonNull(cause));
        this.phase = phase;
        this.timeout = timeout;
        this.peer = peer;
    }

    /** What was being done when the deadline passed. */
    public String phase() {
        return phase;
    }

    /** The deadline that passed. */
    public Duration timeout() {
        return timeout;
    }

    /** The other end, as printed in logs. */
    public String peer() {
        return peer;
    }

    /** "7 s" for whole seconds, "250 ms" otherwise. */
    static String describe(Duration timeout) {
        if (timeout.toMillisPart() == 0 && timeout.toNanosPart() == 0) {
            return timeout.toSeconds() + " s";
        }
        return timeout.toMillis() + " ms";
    }
}
