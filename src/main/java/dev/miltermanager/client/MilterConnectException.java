package dev.miltermanager.client;

import java.io.IOException;

/**
 * The connection to the milter could not be opened: refused, no such socket file, permission denied, unknown host.
 * The cause is the {@link IOException} the JDK reported. A connect that takes too long is a
 * {@link MilterTimeoutException} instead.
 */
public final class MilterConnectException extends MilterClientException {
    private static final long serialVersionUID = 1L;

    MilterConnectException(String milter, IOException cause) {
        super(milter, Phase.OPEN, "cannot connect: " + Texts.describe(cause), cause);
    }
}
