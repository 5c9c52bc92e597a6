package dev.miltermanager.manager;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.policy.SessionView;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/** The manager: configuration, sessions, the worker threads of fan-outs, and the socket side once started. */
final class DefaultMilterManager implements MilterManager, ManagerRuntime {
    private static final System.Logger LOG = System.getLogger(DefaultMilterManager.class.getName());

    /** How long sessions expired at the end of a shutdown's grace period get to send their last answer. */
    static final Duration EXPIRY_ANSWER_WAIT = Duration.ofSeconds(2);

    private volatile MilterManagerConfig config;
    private final ThreadFactory threadFactory;
    private final ExecutorService workers;
    private final ManagerStatistics statistics;
    private final ConnectionLimit limit;
    private final ChildConnections connections;
    private final Set<FanOutSession> sessions = ConcurrentHashMap.newKeySet();
    private final ReentrantLock sessionsLock = new ReentrantLock();
    private final Condition sessionEnded = sessionsLock.newCondition();
    private final AtomicLong sessionIds = new AtomicLong();
    private final ReentrantLock lifecycle = new ReentrantLock();
    /** The server accepting now, or null before start. */
    private ManagerServer server;
    /** Servers that stopped accepting after a reconfiguration moved the socket, serving their last sessions. */
    private final List<ManagerServer> retired = new ArrayList<>();
    private volatile boolean closed;
    /** The thread of the connection check, or null while no configuration asked for one (under lifecycle). */
    private Thread checker;

    DefaultMilterManager(MilterManagerConfig config, ThreadFactory threadFactory) {
        this.config = config;
        this.threadFactory = threadFactory;
        this.workers = Executors.newThreadPerTaskExecutor(threadFactory);
        this.statistics = new ManagerStatistics(config);
        this.limit = new ConnectionLimit(config.maxConnections());
        this.connections = new ChildConnections(ChildConnections.DEFAULT_IDLE_TIME, threadFactory);
        startCheckerIfAsked(config);
    }

    /** Starts the connection check the first time a configuration sets an interval (called under lifecycle or once). */
    private void startCheckerIfAsked(MilterManagerConfig next) {
        if (checker == null && next.connectionCheckInterval().isPositive()) {
            checker = threadFactory.newThread(this::checkConnections);
            checker.start();
        }
    }

    /**
     * Every {@code connection_check_interval} of the current configuration, asks whether the SMTP clients of the
     * busy sessions are still there; idles while a reloaded configuration has set the interval back to 0.
     */
    private void checkConnections() {
        while (!closed) {
            MilterManagerConfig current = config;
            Duration interval = current.connectionCheckInterval();
            try {
                Thread.sleep(interval.isPositive() ? interval : Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                return;
            }
            if (!interval.isPositive()) {
                continue;
            }
            for (FanOutSession session : sessions) {
                session.checkClient(current.connectionChecker());
            }
        }
    }

    @Override
    public MilterManagerConfig config() {
        return config;
    }

    @Override
    public ManagerSession openSession() {
        return openSocketSession("in-process");
    }

    FanOutSession openSocketSession(String peer) {
        if (closed) {
            throw new IllegalStateException("the manager is closed");
        }
        long id = sessionIds.incrementAndGet();
        // the session keeps the configuration of its start to its end, whatever reconfigure does meanwhile
        FanOutSession session = new FanOutSession(new PinnedRuntime(this, config), Long.toString(id));
        sessions.add(session);
        statistics.sessionStarted();
        LOG.log(Level.DEBUG, () -> "[session][start](" + id + ") " + peer);
        return session;
    }

    @Override
    public MilterManager start() throws IOException {
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the manager is closed");
            }
            if (server != null) {
                throw new IllegalStateException("the manager is already listening on " + server.localSpec());
            }
            ManagerServer s = new ManagerServer(this, threadFactory, config, limit);
            s.start();
            server = s;
            return this;
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void reconfigure(MilterManagerConfig next) throws IOException {
        lifecycle.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the manager is closed");
            }
            ManagerServer moved = null;
            if (server != null && !next.connectionSpec().equals(server.config().connectionSpec())) {
                moved = new ManagerServer(this, threadFactory, next, limit);
                moved.bind();   // fails (and changes nothing) if the new socket cannot be opened
            } else if (server != null && !next.listenOptions().equals(server.config().listenOptions())) {
                throw new IllegalArgumentException("the listen options of " + next.connectionSpec()
                        + " (unix socket mode, group, backlog) cannot change while it is open: restart the manager,"
                        + " or change manager.connection_spec with them; the running configuration is kept");
            }
            if (moved != null) {
                server.stop(false);
                retired.add(server);
                retired.removeIf(ManagerServer::finished);
                LOG.log(Level.INFO, "[manager][reload] listening on " + moved.localSpec() + " instead of "
                        + server.localSpec() + "; its open sessions finish there");
                server = moved;
            }
            statistics.configure(next);
            limit.setMax(next.maxConnections());
            config = next;
            connections.retain(next.enabledChildren());
            startCheckerIfAsked(next);
            if (moved != null) {
                moved.startAccepting();   // only now: its first session must get the new configuration
            }
            LOG.log(Level.INFO, () -> "[manager][reload] new sessions use " + next.enabledChildren().size()
                    + " enabled child milter(s): " + next.enabledChildren().stream().map(ChildConfig::name).toList()
                    + "; " + sessions.size() + " running session(s) finish on the previous configuration");
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public ConnectionSpec localSpec() {
        ManagerServer s = server;
        if (s == null) {
            throw new IllegalStateException("the manager is not listening: call start() first");
        }
        return s.localSpec();
    }

    @Override
    public int activeSessions() {
        return sessions.size();
    }

    @Override
    public ManagerStatistics statistics() {
        return statistics;
    }

    @Override
    public ChildConnections connections() {
        return connections;
    }

    @Override
    public <T> List<T> fanOut(List<ChildSession> children, Function<ChildSession, T> call) {
        if (children.size() == 1) {
            return List.of(call.apply(children.getFirst()));
        }
        List<Future<T>> futures = new ArrayList<>(children.size());
        for (ChildSession child : children) {
            futures.add(workers.submit(() -> call.apply(child)));
        }
        List<T> results = new ArrayList<>(children.size());
        try {
            for (Future<T> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the child milters");
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
        return results;
    }

    @Override
    public boolean applies(ChildSession child, Stage stage, Command event, SessionState state) {
        ApplicabilityPolicy[] conditions = child.conditions;
        if (conditions.length == 0) {
            return true;
        }
        Context context = new Context(child, stage, event, state);
        for (int i = 0; i < conditions.length; i++) {
            boolean applies;
            try {
                applies = conditions[i].applies(context);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "[manager][condition][error] the condition " + child.conditionNames[i]
                        + " of " + child.name() + " failed at " + ChildSession.stateName(stage)
                        + "; it counts as applying the child", e);
                applies = true;
            }
            if (!applies) {
                child.stoppedBy(i, stage);
                return false;
            }
        }
        return true;
    }

    @Override
    public void sessionClosed(FanOutSession session) {
        if (sessions.remove(session)) {
            statistics.sessionFinished();
            sessionsLock.lock();
            try {
                sessionEnded.signalAll();
            } finally {
                sessionsLock.unlock();
            }
        }
    }

    @Override
    public boolean shutdown(Duration grace) {
        List<ManagerServer> servers = stopAccepting();
        boolean drained;
        try {
            drained = awaitSessionsEnded(grace);
            if (!drained) {
                LOG.log(Level.WARNING, () -> "[manager][shutdown] " + sessions.size() + " session(s) still open after "
                        + grace.toSeconds() + " s: answering what they wait for with the children's fallback"
                        + " statuses and closing them");
                servers.forEach(ManagerServer::expire);
                List.copyOf(sessions).forEach(FanOutSession::abandon);
                long end = System.nanoTime() + EXPIRY_ANSWER_WAIT.toNanos();
                for (ManagerServer s : servers) {
                    s.awaitConnectionsClosed(Duration.ofNanos(Math.max(0, end - System.nanoTime())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = sessions.isEmpty();
        }
        close();
        return drained;
    }

    /** Stops every server accepting; returns them all (the current one and the retired ones). */
    private List<ManagerServer> stopAccepting() {
        lifecycle.lock();
        try {
            List<ManagerServer> all = new ArrayList<>(retired);
            if (server != null) {
                all.add(server);
            }
            all.forEach(s -> s.stop(false));
            return all;
        } finally {
            lifecycle.unlock();
        }
    }

    private boolean awaitSessionsEnded(Duration grace) throws InterruptedException {
        long nanos = grace.toNanos();
        sessionsLock.lock();
        try {
            while (!sessions.isEmpty()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = sessionEnded.awaitNanos(nanos);
            }
            return true;
        } finally {
            sessionsLock.unlock();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lifecycle.lock();
        try {
            retired.forEach(ManagerServer::close);
            if (server != null) {
                server.close();
            }
            if (checker != null) {
                checker.interrupt();
            }
        } finally {
            lifecycle.unlock();
        }
        for (FanOutSession session : List.copyOf(sessions)) {
            session.abandon();
        }
        connections.close();
        workers.shutdownNow();
    }

    /**
     * What one session sees of the manager: the configuration of the moment it opened, and the manager's shared
     * parts (workers, statistics, conditions, the session list).
     */
    private record PinnedRuntime(DefaultMilterManager manager, MilterManagerConfig config) implements ManagerRuntime {
        @Override
        public ManagerStatistics statistics() {
            return manager.statistics;
        }

        @Override
        public int activeSessions() {
            return manager.activeSessions();
        }

        @Override
        public <T> List<T> fanOut(List<ChildSession> children, Function<ChildSession, T> call) {
            return manager.fanOut(children, call);
        }

        @Override
        public ChildConnections connections() {
            return manager.connections;
        }

        @Override
        public boolean applies(ChildSession child, Stage stage, Command event, SessionState state) {
            return manager.applies(child, stage, event, state);
        }

        @Override
        public void sessionClosed(FanOutSession session) {
            manager.sessionClosed(session);
        }
    }

    /** The context a policy is asked with. */
    private record Context(ChildSession child, Stage stage, Command event, SessionView session)
            implements PolicyContext {
        @Override
        public String childName() {
            return child.name();
        }

        @Override
        public void setMacro(String name, String value) {
            child.setPolicyMacro(stage, name, value);
        }
    }
}
