package dev.miltermanager.testing;

import dev.miltermanager.testing.FakeSession.State;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import dev.miltermanager.transport.Listener;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** The listening side of a {@link FakeMilter}: accepts connections and runs a {@link Conversation} for each. */
final class FakeServer {
    /** How long {@link #close()} waits for connection threads, in all. */
    static final long CLOSE_WAIT_MILLIS = 5_000;
    /** Unix sockets of a fake are open to every user: a real MTA under its own user may be the peer. */
    private static final int UNIX_SOCKET_MODE = 0666;
    private static final System.Logger LOG = System.getLogger(FakeMilter.class.getName());

    private final Script script;
    private final SessionList sessions = new SessionList();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Set<Live> live = ConcurrentHashMap.newKeySet();
    private volatile Listener listener;
    private volatile Thread acceptor;
    private volatile boolean closing;

    /** A connection being served, and the thread serving it. */
    private record Live(Connection connection, Thread thread) {
    }

    FakeServer(Script script) {
        this.script = script;
    }

    SessionList sessions() {
        return sessions;
    }

    void start() throws IOException {
        lifecycle.lock();
        try {
            if (listener != null || closing) {
                throw new IllegalStateException("a fake milter starts once");
            }
            ListenOptions options = ListenOptions.DEFAULTS.withUnixSocketMode(UNIX_SOCKET_MODE);
            Listener opened = Listener.open(script.listenOn(), options);
            listener = opened;
            acceptor = script.threadFactory().newThread(() -> acceptLoop(opened));
            acceptor.start();
        } finally {
            lifecycle.unlock();
        }
    }

    ConnectionSpec localSpec() {
        Listener current = listener;
        if (current == null) {
            throw new IllegalStateException("the fake milter is not started");
        }
        return current.localSpec();
    }

    String describe() {
        Listener current = listener;
        return current == null ? "not started" : current.localSpec() + (closing ? ", closed" : "");
    }

    private void acceptLoop(Listener opened) {
        while (!closing) {
            SocketChannel channel;
            try {
                channel = opened.accept();
            } catch (IOException e) {
                if (!closing) {
                    LOG.log(Level.WARNING, "the fake milter on " + opened.localSpec() + " stopped accepting", e);
                }
                return;
            }
            try {
                serve(channel);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the fake milter on " + opened.localSpec() + " could not serve a connection", e);
                closeQuietly(channel);
            }
        }
    }

    private void serve(SocketChannel channel) {
        Connection connection = Connection.of(channel);
        if (!script.tcpNoDelay()) {
            setNagle(channel);
        }
        FakeSession session = sessions.add(connection.peer());
        Live[] self = new Live[1];
        Thread thread = script.threadFactory().newThread(() -> {
            try {
                new Conversation(script, connection, session, () -> closing).run();
            } finally {
                live.remove(self[0]);
            }
        });
        self[0] = new Live(connection, thread);
        live.add(self[0]);
        if (closing) {
            connection.close();
        }
        thread.start();
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing a channel failed", e);
        }
    }

    private static void setNagle(SocketChannel channel) {
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            try {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, false);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "cannot clear TCP_NODELAY", e);
            }
        }
    }

    void close() {
        lifecycle.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
        } finally {
            lifecycle.unlock();
        }
        Listener current = listener;
        if (current != null) {
            current.close();
        }
        for (Live l : live) {
            l.connection().close();
            l.thread().interrupt();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        join(acceptor, deadline);
        for (Live l : live) {
            join(l.thread(), deadline);
        }
        sessions.all().forEach(s -> s.record().end(State.SHUTDOWN));
    }

    private static void join(Thread thread, long deadlineNanos) {
        if (thread == null) {
            return;
        }
        long remaining = deadlineNanos - System.nanoTime();
        try {
            if (remaining <= 0 || !thread.join(Duration.ofNanos(remaining))) {
                LOG.log(Level.WARNING, "the fake milter's thread " + thread + " did not end in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
