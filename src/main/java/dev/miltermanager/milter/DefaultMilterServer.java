package dev.miltermanager.milter;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import dev.miltermanager.transport.Listener;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** The {@link MilterServer}: one accepting thread, one thread per connection, a registry for shutdown. */
final class DefaultMilterServer implements MilterServer {
    private static final System.Logger LOG = System.getLogger(MilterServer.class.getName());
    private static final Duration ACCEPT_RETRY_PAUSE = Duration.ofMillis(100);

    private enum Phase { NEW, RUNNING, CLOSED }

    private final ConnectionSpec spec;
    private final ListenOptions listenOptions;
    private final ThreadFactory threads;
    private final SessionSettings settings;
    private final Duration closeTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<MilterSession, Thread> sessions = new ConcurrentHashMap<>();
    private volatile Phase phase = Phase.NEW;
    private Listener listener;
    private Thread acceptor;

    private DefaultMilterServer(ServerBuilder b) {
        this.spec = b.listen;
        this.listenOptions = b.listenOptions;
        this.threads = b.threads;
        this.settings = new SessionSettings(b.spec, b.factory, b.failureVerdict, b.ioTimeout);
        this.closeTimeout = b.closeTimeout;
    }

    @Override
    public MilterServer start() throws IOException {
        lock.lock();
        try {
            if (phase != Phase.NEW) {
                throw new IllegalStateException("the server was already " + (phase == Phase.RUNNING ? "started"
                        : "closed"));
            }
            listener = Listener.open(spec, listenOptions);
            acceptor = threads.newThread(this::acceptLoop);
            phase = Phase.RUNNING;
            acceptor.start();
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, () -> "milter listening on " + listener.localSpec() + " for " + settings.spec());
        return this;
    }

    @Override
    public ConnectionSpec boundSpec() {
        lock.lock();
        try {
            if (listener == null) {
                throw new IllegalStateException("the server is not started");
            }
            return listener.localSpec();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int activeSessions() {
        return sessions.size();
    }

    private void acceptLoop() {
        while (phase == Phase.RUNNING) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                if (phase != Phase.RUNNING || !listener.isOpen()) {
                    return;
                }
                LOG.log(Level.WARNING, "accepting on " + listener.localSpec() + " failed; retrying", e);
                pause();
                continue;
            }
            serve(channel);
        }
    }

    private void serve(SocketChannel channel) {
        Connection connection = Connection.of(channel);
        MilterSession session = new MilterSession(new ConnectionWire(connection), settings, sessions::remove);
        try {
            Thread thread = Objects.requireNonNull(threads.newThread(session), "the thread factory returned null");
            sessions.put(session, thread);
            if (phase != Phase.RUNNING) {
                session.close();
            }
            thread.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            sessions.remove(session);
            connection.close();
            LOG.log(Level.ERROR, "cannot start a thread for MTA " + connection.peer() + "; connection closed", e);
        }
    }

    @Override
    public boolean shutdown(Duration grace) {
        stopAccepting();
        long deadline = System.nanoTime() + grace.toNanos();
        boolean drained = awaitSessions(deadline);
        close();
        return drained;
    }

    @Override
    public void close() {
        stopAccepting();
        List<MilterSession> live = List.copyOf(sessions.keySet());
        live.forEach(MilterSession::close);
        if (!awaitSessions(System.nanoTime() + closeTimeout.toNanos())) {
            LOG.log(Level.WARNING, () -> sessions.size() + " milter sessions still running " + closeTimeout
                    + " after close; their callbacks do not return");
        }
    }

    /** Closes the listening socket and waits for the accepting thread (bounded). */
    private void stopAccepting() {
        Thread accepting;
        lock.lock();
        try {
            if (phase == Phase.CLOSED) {
                return;
            }
            boolean started = phase == Phase.RUNNING;
            phase = Phase.CLOSED;
            if (!started) {
                return;
            }
            listener.close();
            accepting = acceptor;
        } finally {
            lock.unlock();
        }
        join(accepting, System.nanoTime() + closeTimeout.toNanos());
        LOG.log(Level.INFO, () -> "milter on " + listener.localSpec() + " stopped accepting");
    }

    /** Waits until no session is left or the deadline passes; true if none is left. */
    private boolean awaitSessions(long deadlineNanos) {
        for (Thread thread : List.copyOf(sessions.values())) {
            if (!join(thread, deadlineNanos)) {
                return false;
            }
        }
        return sessions.isEmpty();
    }

    private static boolean join(Thread thread, long deadlineNanos) {
        try {
            long left = deadlineNanos - System.nanoTime();
            return left > 0 && thread.join(Duration.ofNanos(left)) || !thread.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !thread.isAlive();
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(ACCEPT_RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The builder behind {@link MilterServer#builder}. */
    static final class ServerBuilder implements MilterServer.Builder {
        private final ConnectionSpec listen;
        private final MilterSpec spec;
        private final MilterFactory factory;
        private ListenOptions listenOptions = ListenOptions.DEFAULTS;
        private ThreadFactory threads = Thread.ofVirtual().name("milter-", 0).factory();
        private Response.Decision failureVerdict = DEFAULT_CALLBACK_FAILURE_VERDICT;
        private Duration ioTimeout = DEFAULT_IO_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        ServerBuilder(ConnectionSpec listen, MilterSpec spec, MilterFactory factory) {
            this.listen = Objects.requireNonNull(listen, "listen");
            this.spec = Objects.requireNonNull(spec, "spec");
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        @Override
        public Builder listenOptions(ListenOptions options) {
            this.listenOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        @Override
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        @Override
        public Builder callbackFailureVerdict(Response.Decision verdict) {
            if (Objects.requireNonNull(verdict, "verdict") instanceof Response.Skip) {
                throw new IllegalArgumentException("SKIP cannot answer a failed callback");
            }
            this.failureVerdict = verdict;
            return this;
        }

        @Override
        public Builder ioTimeout(Duration timeout) {
            this.ioTimeout = positive(timeout, "ioTimeout");
            return this;
        }

        @Override
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        @Override
        public MilterServer build() {
            return new DefaultMilterServer(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, not " + d);
            }
            return d;
        }
    }
}
