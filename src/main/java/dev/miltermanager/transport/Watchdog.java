package dev.miltermanager.transport;

import java.io.Closeable;
import java.time.Duration;

/**
 * Enforces deadlines on blocking I/O by closing the resource when time runs out. This is the one timeout
 * mechanism of the project: a blocking {@link java.nio.channels.SocketChannel} has no connect timeout and a
 * Unix-domain channel has no read timeout, but closing a channel from another thread makes the blocked
 * connect, read or write fail at once with an {@link java.nio.channels.AsynchronousCloseException}. The caller
 * then sees {@link Deadline#expired()} and reports a {@link DeadlineExceededException}.
 *
 * <p>Arming is cheap (an entry in a lock-free queue; disarming flips a flag), so a deadline can wrap every single read
 * or write. {@link Connection#deadline(Duration, String)} does this for connections and turns the failure into a
 * {@link DeadlineExceededException} by itself; use the watchdog directly for other closeable resources:
 * {@snippet :
 * Deadline deadline = Watchdog.shared().arm(channel, Duration.ofSeconds(7), "connecting");
 * try {
 *     channel.connect(address);
 * } catch (IOException e) {
 *     if (deadline.expired()) {
 *         throw new DeadlineExceededException("connecting", deadline.timeout(), address.toString(), e);
 *     }
 *     throw e;
 * } finally {
 *     deadline.close();
 * }
 * }
 *
 * <p>Thread-safe. The shared instance runs on one daemon platform thread, so it never keeps the JVM alive.
 */
public interface Watchdog {

    /** The process-wide watchdog, started on first use. */
    static Watchdog shared() {
        return SweepingWatchdog.SHARED;
    }

    /**
     * Starts a deadline: unless it is {@linkplain Deadline#close() closed} first, {@code resource} is closed when
     * {@code timeout} has passed. That close runs on the watchdog's thread, so it must be quick (closing a channel
     * is); its failures are logged, not thrown.
     *
     * @param resource what to close on expiry, typically the channel the caller is about to block on
     * @param timeout how long the caller may block; must be positive
     * @param phase what the caller is doing, for messages ("connecting", "reading", "writing", ...)
     * @return the armed deadline; close it when the guarded operation is over
     */
    Deadline arm(Closeable resource, Duration timeout, String phase);
}
