package dev.miltermanager.testing;

/**
 * A simulated session could not go on: the milter could not be reached, broke the protocol, timed out or closed the
 * connection, or gave an answer the profile's MTA refuses (Sendmail and protocol flags it did not offer). The
 * message says what happened; {@link #transcript()} shows the session up to there.
 */
public final class MtaSessionException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String transcript;

    MtaSessionException(String message, String transcript, Throwable cause) {
        super(transcript.isEmpty() ? message : message + "\ntranscript:\n" + transcript, cause);
        this.transcript = transcript;
    }

    /** The session up to the failure (empty when it never started). */
    public String transcript() {
        return transcript;
    }
}
