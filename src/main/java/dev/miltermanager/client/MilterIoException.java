package dev.miltermanager.client;

import java.io.IOException;

/**
 * An I/O error other than a timeout or a clean end of stream, such as a connection reset or a broken pipe. The cause
 * is the {@link IOException} the JDK reported.
 */
public final class MilterIoException extends MilterClientException {
    private static final long serialVersionUID = 1L;

    MilterIoException(String milter, Phase phase, String what, IOException cause) {
        super(milter, phase, what + ": " + Texts.describe(cause), cause);
    }
}
