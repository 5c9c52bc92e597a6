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
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The manager's socket side: accepts MTA connections on one listening socket (waiting while
 * {@code max_connections} are open) and serves each on its own thread, reading commands, handing them to a
 * {@link FanOutSession} and writing its answers, one write per group of answers. Every failure of a connection is
 * caught here, logged at a level that fits, and ends that connection only.
 *
 * <p>A reconfiguration that moves the listening socket starts a new server and {@linkplain #stop(boolean) stops}
 * this one from accepting; its connections are served to their end.
 */
final class ManagerServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ManagerServer.class.getName());
    /** How long an MTA may stay silent (the C milter manager's client timeout, 7210 s). */
    static final Duration MTA_IDLE_TIMEOUT = Duration.ofSeconds(7210);
    /** How long writing an answer to the MTA may take. */
    static final Duration MTA_WRITE_TIMEOUT = Duration.ofSeconds(297);

    private final DefaultMilterManager manager;
    private final ThreadFactory threadFactory;
    private final MilterManagerConfig config;
    private final ConnectionLimit limit;
    private final Set<Served> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition connectionEnded = lock.newCondition();
    private Listener listener;
    private volatile boolean closing;

    ManagerServer(DefaultMilterManager manager, ThreadFactory threadFactory, MilterManagerConfig config,
            ConnectionLimit limit) {
        this.manager = manager;
        this.threadFactory = threadFactory;
        this.config = config;
        this.limit = limit;
    }

    void start() throws IOException {
        bind();
        startAccepting();
    }

    /** Opens the listening socket; connections wait in the kernel's queue until {@link #startAccepting()}. */
    void bind() throws IOException {
        try {
            listener = Listener.open(config.connectionSpec(), config.listenOptions());
        } catch (IOException e) {
            throw new IOException("cannot listen on " + config.connectionSpec() + ": " + e.getMessage(), e);
        }
    }

    void startAccepting() {
        threadFactory.newThread(this::acceptLoop).start();
        LOG.log(Level.INFO, () -> "[manager][listen] " + listener.localSpec());
    }

    ConnectionSpec localSpec() {
        return listener.localSpec();
    }

    /** The configuration this server was started with (its socket and listen options). */
    MilterManagerConfig config() {
        return config;
    }

    /** Whether it has stopped accepting and served its last connection. */
    boolean finished() {
        return closing && connections.isEmpty();
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                if (!limit.acquire(() -> closing)) {
                    return;
                }
                Connection connection;
                try {
                    connection = Connection.of(listener.accept());
                } catch (IOException | RuntimeException e) {
                    limit.release();
                    throw e;
                }
                Served served = new Served(connection);
                connections.add(served);
                threadFactory.newThread(() -> serve(served)).start();
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

    private void serve(Served served) {
        Connection connection = served.connection;
        try (FanOutSession session = manager.openSocketSession(connection.peer())) {
            PacketReader reader = new PacketReader(connection.input(), PacketLimits.DEFAULT_MTA_DATA_BYTES);
            ResponseSink sink = responses -> write(connection, responses);
            while (true) {
                Packet packet;
                try (Deadline d = connection.deadline(MTA_IDLE_TIMEOUT, "waiting for the MTA")) {
                    packet = reader.read();
                }
                if (packet == null || !served.begin()) {
                    break;
                }
                Command command = CommandCodec.decode(packet);
                session.handle(command, sink);
                if (!served.end() || command instanceof Command.Quit) {
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
            connections.remove(served);
            limit.release();
            lock.lock();
            try {
                connectionEnded.signalAll();
            } finally {
                lock.unlock();
            }
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
        limit.wakeAll();
        if (listener != null) {
            listener.close();
        }
        if (dropConnections) {
            connections.forEach(s -> s.connection.close());
        }
    }

    /**
     * The end of a graceful shutdown's grace period: a connection waiting for the MTA's next command is closed now;
     * one whose command is being handled is closed once its answer is written.
     */
    void expire() {
        stop(false);
        connections.forEach(Served::expire);
    }

    /** Waits up to {@code timeout} for every connection to end; returns whether they did. */
    boolean awaitConnectionsClosed(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!connections.isEmpty()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = connectionEnded.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        stop(true);
    }

    /** One MTA connection and whether a command of it is being handled; expiring it closes it between commands. */
    private static final class Served {
        final Connection connection;
        private final ReentrantLock lock = new ReentrantLock();
        private boolean busy;
        private boolean expired;

        Served(Connection connection) {
            this.connection = connection;
        }

        /** A command was read: false when the connection expired and the command must not be handled. */
        boolean begin() {
            lock.lock();
            try {
                busy = !expired;
                return busy;
            } finally {
                lock.unlock();
            }
        }

        /** Its answer was written: false when the connection expired meanwhile and must close. */
        boolean end() {
            lock.lock();
            try {
                busy = false;
                return !expired;
            } finally {
                lock.unlock();
            }
        }

        void expire() {
            boolean idle;
            lock.lock();
            try {
                expired = true;
                idle = !busy;
            } finally {
                lock.unlock();
            }
            if (idle) {
                connection.close();
            }
        }
    }
}
