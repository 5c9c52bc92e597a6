package dev.miltermanager.transport;

import java.time.Duration;

/**
 * One armed deadline of a {@link Watchdog}. Closing it before the timeout passes disarms it; after that the
 * resource is never closed by this deadline. Closing is idempotent and never throws, so a deadline fits a
 * try-with-resources block around the guarded operation:
 * {@snippet :
 * try (Deadline deadline = connection.deadline(Duration.ofSeconds(7), "reading")) {
 *     packet = reader.read();
 * }
 * }
 *
 * <p>Thread-safe: the watchdog thread fires it while the owner may be closing it; exactly one of the two wins.
 */
public interface Deadline extends AutoCloseable {

    /** What the guarded operation was doing, as given when arming. */
    String phase();

    /** The timeout it was armed with. */
    Duration timeout();

    /** True once the timeout passed before {@link #close()} and the resource was closed because of it. */
    boolean expired();

    /** Disarms the deadline if it has not fired yet. */
    @Override
    void close();
}
