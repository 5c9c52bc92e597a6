package dev.miltermanager.manager;

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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/** The manager: configuration, sessions, the worker threads of fan-outs, and the socket side once started. */
final class DefaultMilterManager implements MilterManager, ManagerRuntime {
    private static final System.Logger LOG = System.getLogger(DefaultMilterManager.class.getName());

    private final MilterManagerConfig config;
    private final ThreadFactory threadFactory;
    private final ExecutorService workers;
    private final ManagerStatistics statistics;
    private final Set<FanOutSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong sessionIds = new AtomicLong();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private ManagerServer server;
    private volatile boolean closed;
    /** The thread of the connection check, or null without one. */
    private final Thread checker;

    DefaultMilterManager(MilterManagerConfig config, ThreadFactory threadFactory) {
        this.config = config;
        this.threadFactory = threadFactory;
        this.workers = Executors.newThreadPerTaskExecutor(threadFactory);
        this.statistics = new ManagerStatistics(config);
        if (config.connectionCheckInterval().isPositive()) {
            checker = threadFactory.newThread(this::checkConnections);
            checker.start();
        } else {
            checker = null;
        }
    }

    /** Every {@code connection_check_interval}, asks whether the SMTP clients of the busy sessions are still there. */
    private void checkConnections() {
        while (!closed) {
            try {
                Thread.sleep(config.connectionCheckInterval());
            } catch (InterruptedException e) {
                return;
            }
            for (FanOutSession session : sessions) {
                session.checkClient(config.connectionChecker());
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
        FanOutSession session = new FanOutSession(this, Long.toString(id));
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
            ManagerServer s = new ManagerServer(this, threadFactory);
            s.start();
            server = s;
            return this;
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
        if (child.policy == null) {
            return true;
        }
        try {
            return child.policy.applies(new Context(child, stage, event, state));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "[manager][condition][error] a condition of " + child.name() + " failed at "
                    + ChildSession.stateName(stage) + "; applying the child", e);
            return true;
        }
    }

    @Override
    public void sessionClosed(FanOutSession session) {
        if (sessions.remove(session)) {
            statistics.sessionFinished();
        }
    }

    @Override
    public boolean shutdown(Duration grace) {
        ManagerServer s = stopServer(false);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean drained = sessions.isEmpty();
        if (s != null) {
            s.close();
        }
        close();
        return drained;
    }

    private ManagerServer stopServer(boolean drop) {
        lifecycle.lock();
        try {
            if (server != null) {
                server.stop(drop);
            }
            return server;
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopServer(true);
        for (FanOutSession session : List.copyOf(sessions)) {
            session.abandon();
        }
        workers.shutdownNow();
        if (checker != null) {
            checker.interrupt();
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
