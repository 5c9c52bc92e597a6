package dev.miltermanager.transport;

import java.time.Duration;

/** Checks and converts the timeouts given to this package. */
final class Timeouts {
    /** Far enough to mean "never", near enough that adding it to {@link System#nanoTime()} cannot overflow. */
    private static final long NEVER_NANOS = Long.MAX_VALUE / 4;

    private Timeouts() {
    }

    /** @throws IllegalArgumentException unless the timeout is positive */
    static Duration requirePositive(Duration timeout, String what) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + timeout);
        }
        return timeout;
    }

    /** The timeout in nanoseconds, capped so that very long ones (e.g. {@code ChronoUnit.FOREVER}) still work. */
    static long nanos(Duration timeout) {
        return timeout.compareTo(Duration.ofNanos(NEVER_NANOS)) >= 0 ? NEVER_NANOS : timeout.toNanos();
    }
}
