package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import java.util.Map;

/**
 * One session's side of the connection check: the SMTP client to ask about, whether the session is handling an
 * MTA command (so possibly waiting for its children), and whether the client was found gone. The manager's
 * checking thread calls {@link #findGone}; the session's thread calls the rest.
 */
final class ClientCheck {
    private final boolean enabled;
    /** The SMTP client as the checker is asked about it, once the MTA sent CONNECT. */
    private volatile SmtpClient client;
    private volatile boolean busy;
    private volatile boolean gone;
    /** Whether the session's thread has acted on {@link #gone} (session thread only). */
    private boolean settled;

    /** What the checker is asked with. */
    record SmtpClient(Command.Connect connect, Map<String, String> macros) {
    }

    ClientCheck(boolean enabled) {
        this.enabled = enabled;
    }

    /** A new connection from the MTA: no client yet, none gone. */
    void reset() {
        client = null;
        gone = false;
        settled = false;
    }

    void connected(Command.Connect connect, Map<String, String> macros) {
        client = new SmtpClient(connect, Map.copyOf(macros));
    }

    /** Whether the MTA's answers must pass through {@link #gone()} checks: checking is on and the client not gone. */
    boolean guarding() {
        return enabled && !gone;
    }

    void busy(boolean handling) {
        busy = handling;
    }

    /** Whether the client was found gone. */
    boolean gone() {
        return gone;
    }

    /**
     * Asks {@code checker} about the client if the session is waiting; returns the client the first time it is found
     * gone (the caller then ends the wait), null otherwise. A checker that throws counts as "connected".
     */
    SmtpClient findGone(ConnectionChecker checker) {
        SmtpClient c = client;
        if (!busy || gone || c == null) {
            return null;
        }
        if (checker.isConnected(c.connect(), c.macros()) || !busy) {
            return null; // connected, or no longer waiting: the next wait is checked again
        }
        gone = true;
        return c;
    }

    /** True once, on the session's thread, after the client was found gone. */
    boolean settle() {
        if (gone && !settled) {
            settled = true;
            return true;
        }
        return false;
    }
}
