package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.Deadline;
import dev.miltermanager.transport.Listener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;

/**
 * The manager's socket side: accepts MTA connections (waiting while {@code max_connections} are open) and serves
 * each on its own thread, reading commands, handing them to a {@link FanOutSession} and writing its answers, one
 * write per group of answers. Every failure of a connection is caught here, logged at a level that fits, and ends
 * that connection only.
 */
final class ManagerServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ManagerServer.class.getName());
    /** How long an MTA may stay silent (the C milter manager's client timeout, 7210 s). */
    static final Duration MTA_IDLE_TIMEOUT = Duration.ofSeconds(7210);
    /** How long writing an answer to the MTA may take. */
    static final Duration MTA_WRITE_TIMEOUT = Duration.ofSeconds(297);

    private final DefaultMilterManager manager;
    private final ThreadFactory threadFactory;
    private final Semaphore permits;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private Listener listener;
    private volatile boolean closing;

    ManagerServer(DefaultMilterManager manager, ThreadFactory threadFactory) {
        this.manager = manager;
        this.threadFactory = threadFactory;
        int max = manager.config().maxConnections();
        this.permits = max > 0 ? new Semaphore(max) : null;
    }

    void start() throws IOException {
        MilterManagerConfig config = manager.config();
        try {
            listener = Listener.open(config.connectionSpec(), config.listenOptions());
        } catch (IOException e) {
            throw new IOException("cannot listen on " + config.connectionSpec() + ": " + e.getMessage(), e);
        }
        threadFactory.newThread(this::acceptLoop).start();
        LOG.log(Level.INFO, () -> "[manager][listen] " + listener.localSpec());
    }

    ConnectionSpec localSpec() {
        return listener.localSpec();
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                if (permits != null) {
                    permits.acquire();
                }
                Connection connection;
                try {
                    connection = Connection.of(listener.accept());
                } catch (IOException | RuntimeException e) {
                    release();
                    throw e;
                }
                connections.add(connection);
                threadFactory.newThread(() -> serve(connection)).start();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                if (!closing) {
                    LOG.log(Level.ERROR, "[manager][error] cannot accept a connection: " + e.getMessage(), e);
                    pause();
                }
            }
        }
    }

    private void serve(Connection connection) {
        try (FanOutSession session = manager.openSocketSession(connection.peer())) {
            PacketReader reader = new PacketReader(connection.input(), PacketLimits.DEFAULT_MTA_DATA_BYTES);
            ResponseSink sink = responses -> write(connection, responses);
            while (true) {
                Packet packet;
                try (Deadline d = connection.deadline(MTA_IDLE_TIMEOUT, "waiting for the MTA")) {
                    packet = reader.read();
                }
                if (packet == null) {
                    break;
                }
                Command command = CommandCodec.decode(packet);
                session.handle(command, sink);
                if (command instanceof Command.Quit) {
                    break;
                }
            }
        } catch (MilterProtocolException e) {
            LOG.log(Level.WARNING, () -> "[manager][error] the MTA at " + connection.peer()
                    + " broke the milter protocol: " + e.getMessage() + "; closing its connection");
        } catch (IOException | UncheckedIOException e) {
            LOG.log(closing ? Level.DEBUG : Level.INFO, () -> "[manager] connection from " + connection.peer()
                    + " ended: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "[manager][error] session with " + connection.peer() + " failed", e);
        } finally {
            connection.close();
            connections.remove(connection);
            release();
        }
    }

    private static void write(Connection connection, List<Response> responses) {
        if (responses.isEmpty()) {
            return;
        }
        try (Deadline d = connection.deadline(MTA_WRITE_TIMEOUT, "writing to the MTA")) {
            connection.write(ResponseCodec.encodeAll(responses));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void release() {
        if (permits != null) {
            permits.release();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(Duration.ofMillis(100));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting; with {@code dropConnections}, also closes the open connections. */
    void stop(boolean dropConnections) {
        closing = true;
        if (listener != null) {
            listener.close();
        }
        if (dropConnections) {
            connections.forEach(Connection::close);
        }
    }

    @Override
    public void close() {
        stop(true);
    }
}
