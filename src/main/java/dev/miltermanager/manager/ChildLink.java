package dev.miltermanager.manager;

import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterClientException;
import dev.miltermanager.client.MilterConnectException;
import dev.miltermanager.client.MilterTimeoutException;
import dev.miltermanager.client.Negotiated;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * The connection of one child within one MTA session: a new one (started by the child's command if need be) or one
 * kept from an earlier session ({@link ChildConfig#reuseConnection()}), replaced once when a kept one turns out to
 * be dead, and kept again or quit when the session is done with the child. {@link ChildSession} tells it what the
 * session sends, so it knows whether the connection may be kept. Used by the session's thread; {@link #close()}
 * from any thread.
 */
final class ChildLink {
    private static final System.Logger LOG = System.getLogger(ChildSession.class.getName());

    /** Whether the connection can be kept for another session: ready for a CONNECT, or right after end of message. */
    private enum Reuse { READY, AFTER_END_OF_MESSAGE, NO }

    /** The first event written on a kept connection, to write again on a new one. */
    private record FirstEvent(Command event, Map<String, String> macros) {
    }

    private final ChildConfig config;
    private final ChildConnections connections;
    private final String tag;
    /** Volatile: {@link #close()} reads it from another thread. Null before opening and once kept. */
    private volatile MilterClient client;
    private Negotiated negotiated;
    /** The offer the child is negotiated with; the kept connections it may use are keyed by it. */
    private Command.Negotiate offer;
    private Reuse reuse = Reuse.NO;
    /**
     * A kept connection whose first answer has not been read yet: the child may have closed it meanwhile (it
     * restarted, or its own idle timeout passed), so a failure other than a timeout is retried once on a new
     * connection, with {@link #firstEvent}.
     */
    private boolean untested;
    private FirstEvent firstEvent;

    ChildLink(ChildConfig config, ChildConnections connections, String tag) {
        this.config = config;
        this.connections = connections;
        this.tag = tag;
    }

    /**
     * Takes a connection kept from an earlier session, already negotiated with {@code offer}, when the child reuses
     * connections and one is there; returns whether it did.
     */
    boolean takeKept(Command.Negotiate offer) {
        this.offer = offer;
        if (!config.reuseConnection()) {
            return false;
        }
        ChildConnections.Idle kept = connections.take(ChildConnections.Key.of(config, offer));
        if (kept == null) {
            return false;
        }
        client = kept.client();
        negotiated = kept.negotiated();
        untested = true;
        reuse = Reuse.READY;
        LOG.log(Level.TRACE, () -> "[milter][reuse](" + tag + "): " + config.name() + ": a kept connection");
        return true;
    }

    /**
     * A new connection, negotiated. A child that cannot be connected and has a start command is started and
     * connected again (a refused connection is retried while the start wait lasts, since a socket file exists a
     * moment before its milter listens).
     */
    void open(Command.Negotiate offer) {
        this.offer = offer;
        ChildLauncher.Connector<MilterClient> connect =
                () -> MilterClient.connect(config.connectionSpec(), config.clientOptions());
        try {
            client = connect.connect();
        } catch (MilterConnectException e) {
            if (config.command().isEmpty()) {
                throw e;
            }
            LOG.log(Level.INFO, () -> "[milter][connect][error](" + tag + "): " + config.name() + ": "
                    + e.getMessage() + "; starting it");
            long retryUntil = ChildLauncher.start(config, tag);
            client = ChildLauncher.connect(connect, retryUntil);
        }
        negotiated = client.negotiate(offer);
        reuse = Reuse.READY;
    }

    /** The client; null before opening and once kept. */
    MilterClient client() {
        return client;
    }

    Negotiated negotiated() {
        return negotiated;
    }

    /** An event is about to be written: the connection is no longer ready for another session. */
    void sending(Command event, Map<String, String> macros) {
        reuse = Reuse.NO;
        if (untested) {
            firstEvent = new FirstEvent(event, macros);
        }
    }

    /** The child answered: the connection works. */
    void answered() {
        untested = false;
    }

    /** End of message is about to be written. */
    void endingMessage() {
        reuse = Reuse.NO;
        untested = false;
    }

    /** End of message went through: the connection can be kept with {@code K}. */
    void endedMessage() {
        reuse = Reuse.AFTER_END_OF_MESSAGE;
    }

    /**
     * Whether an ABORT is to be left out: right after end of message on a connection that may be kept, the message
     * is over for the child (libmilter drops such an ABORT), and a {@code K} after an ABORT is not taken.
     */
    boolean skipsAbort() {
        return reuse == Reuse.AFTER_END_OF_MESSAGE && config.reuseConnection();
    }

    /** An ABORT is about to be written. */
    void aborting() {
        reuse = Reuse.NO;
    }

    /**
     * After {@code e} on the first event of a kept connection: the event again on a new connection, its verdict
     * returned. Null when that does not apply (a connection of this session, a later event, a timeout); a timeout
     * there also ends the keeping of connections to this child, which may not implement {@code K}.
     *
     * @throws MilterClientException when the new connection fails too
     */
    Response.Decision retryOnNewConnection(MilterClientException e) {
        if (!untested) {
            return null;
        }
        untested = false;
        if (e instanceof MilterTimeoutException) {
            // a child that ignores K drops the CONNECT after it: keep it from costing every later session a timeout
            connections.refuse(config);
            LOG.log(Level.WARNING, () -> "[milter][reuse][off](" + tag + "): " + config.name() + ": no answer on a "
                    + "kept connection (" + e.getMessage() + "); its connections are no longer kept: does it "
                    + "implement K (quit, new connection follows)? Set milter." + config.name()
                    + ".reuse_connection = no");
            return null;
        }
        if (firstEvent == null) {
            return null;
        }
        LOG.log(Level.INFO, () -> "[milter][reuse][retry](" + tag + "): " + config.name() + ": the kept connection "
                + "failed (" + e.getMessage() + "); connecting again");
        client.close();
        Negotiated kept = negotiated;
        open(offer);
        if (!negotiated.equals(kept)) {
            LOG.log(Level.INFO, () -> "[milter][reuse][retry](" + tag + "): " + config.name() + ": negotiated "
                    + negotiated + " on the new connection, " + kept + " on the kept one");
        }
        reuse = Reuse.NO;
        return client.send(firstEvent.event(), firstEvent.macros());
    }

    /**
     * The session is done with the child: the connection is kept for another session when the child reuses
     * connections, nothing failed ({@code healthy}) and it is ready for a CONNECT or right after end of message
     * (then the child is told {@code K}); otherwise QUIT closes it.
     */
    void release(boolean healthy) {
        MilterClient c = client;
        if (c == null) {
            return;
        }
        if (config.reuseConnection() && reuse != Reuse.NO && healthy && c.isOpen()) {
            try {
                if (reuse == Reuse.AFTER_END_OF_MESSAGE) {
                    c.quitNewConnection();
                }
                client = null;
                connections.keep(ChildConnections.Key.of(config, offer), c, negotiated);
                return;
            } catch (MilterClientException | IllegalStateException e) {
                LOG.log(Level.DEBUG, () -> "[milter][reuse](" + tag + "): " + config.name() + ": not kept: "
                        + e.getMessage());
            } finally {
                reuse = Reuse.NO;
            }
        }
        c.quit();
    }

    /** Closes the connection without QUIT; from any thread. */
    void close() {
        MilterClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
