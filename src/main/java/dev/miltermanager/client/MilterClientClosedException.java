package dev.miltermanager.client;

/**
 * A call on a client that is closed: by {@link MilterClient#close()} (possibly from another thread while the call
 * was blocked), by {@link MilterClient#quit()}, or by an earlier failure, which is then the
 * {@linkplain #getCause() cause}, so a caller that missed the first exception still learns the original reason.
 */
public final class MilterClientClosedException extends MilterClientException {
    private static final long serialVersionUID = 1L;

    MilterClientClosedException(String milter, Phase phase, String what, Throwable cause) {
        super(milter, phase, what, cause);
    }
}
